-- (b) the inbox: GET /api/v1/cases?merchant_id={id}&AMIABLE_BENCH_QUERY, going
-- round the merchants in AMIABLE_BENCH_IDS (one id a line; the busiest first).
package.path = os.getenv("AMIABLE_BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local next_id, headers
local query = os.getenv("AMIABLE_BENCH_QUERY") or "status=open&sort=last_activity&limit=25"

setup = common.setup
done = common.done

function init(args)
   next_id = common.cycle(common.read_lines(os.getenv("AMIABLE_BENCH_IDS")))
   headers = common.headers(false)
end

function request()
   return wrk.format("GET", "/api/v1/cases?merchant_id=" .. next_id() .. "&" .. query, headers)
end
