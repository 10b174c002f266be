-- Shared by the wrk scripts of bench/load.sh: ids read from a file, the
-- authorization header, each thread starting at its own place in the ids,
-- and one machine-readable result line at the end.

local common = {}

local threads = {}

function common.read_lines(path)
   local lines = {}
   local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in file:lines() do
      if line ~= "" then
         lines[#lines + 1] = line
      end
   end
   file:close()
   assert(#lines > 0, "no ids in " .. path)
   return lines
end

function common.headers(json_body)
   local headers = {}
   local key = os.getenv("AMIABLE_BENCH_KEY")
   if key and key ~= "" then
      headers["Authorization"] = "Bearer " .. key
   end
   if json_body then
      headers["Content-Type"] = "application/json"
   end
   return headers
end

-- Called in the main Lua state once per thread, before the threads start.
function common.setup(thread)
   thread:set("thread_index", #threads)
   threads[#threads + 1] = thread
end

-- Round-robin over `ids`, each thread starting at its own offset.
function common.cycle(ids)
   local n = #ids
   local i = ((thread_index or 0) * 7919) % n
   return function()
      i = i % n + 1
      return ids[i]
   end
end

-- Summary line parsed by load.sh (latencies in microseconds).
function common.done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout))
end

return common
