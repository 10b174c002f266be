-- (c) GET /api/v1/cases/{id} over the cases with a 50-event timeline
-- (AMIABLE_BENCH_IDS: one case id a line).
package.path = os.getenv("AMIABLE_BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local next_id, headers

setup = common.setup
done = common.done

function init(args)
   next_id = common.cycle(common.read_lines(os.getenv("AMIABLE_BENCH_IDS")))
   headers = common.headers(false)
end

function request()
   return wrk.format("GET", "/api/v1/cases/" .. next_id(), headers)
end
