-- The web interface: GET the paths of AMIABLE_BENCH_PATHS (one a line) in turn,
-- with the cookies of AMIABLE_BENCH_COOKIE (a staff session or a buyer's access).
package.path = os.getenv("AMIABLE_BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local next_path, headers

setup = common.setup
done = common.done

function init(args)
   next_path = common.cycle(common.read_lines(os.getenv("AMIABLE_BENCH_PATHS")))
   headers = { ["Accept"] = "text/html", ["Accept-Language"] = "fr-FR" }
   local cookie = os.getenv("AMIABLE_BENCH_COOKIE")
   if cookie and cookie ~= "" then
      headers["Cookie"] = cookie
   end
end

function request()
   return wrk.format("GET", next_path(), headers)
end
