-- (a) POST /api/v1/cases/{id}/messages over the sample of open cases
-- (AMIABLE_BENCH_IDS: one case id a line), authenticated with AMIABLE_BENCH_KEY.
package.path = os.getenv("AMIABLE_BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local next_id, headers
local body = '{"body":"Bonjour, avez-vous des nouvelles de mon colis ? Merci d\'avance."}'

setup = common.setup
done = common.done

function init(args)
   next_id = common.cycle(common.read_lines(os.getenv("AMIABLE_BENCH_IDS")))
   headers = common.headers(true)
end

function request()
   return wrk.format("POST", "/api/v1/cases/" .. next_id() .. "/messages", headers, body)
end
