-- wrk script: GET /orders/{id}, ids round-robin (used by scripts/http_bench.sh).
--
--   DWSIM_BENCH_IDS=ids.txt wrk -t2 -c32 -d10s --latency -s bench/wrk/get_orders.lua http://127.0.0.1:18090
--
-- DWSIM_BENCH_IDS names a file with one order id per line (orders created
-- beforehand). Each wrk thread starts at its own offset in the list and then
-- walks it round-robin; the requests are formatted once, in init().
local path = os.getenv("DWSIM_BENCH_IDS")
if path == nil or path == "" then
  error("get_orders.lua: set DWSIM_BENCH_IDS to a file with one order id per line")
end

local ids = {}
local file = io.open(path, "r")
if file == nil then
  error("get_orders.lua: cannot open DWSIM_BENCH_IDS file '" .. path .. "'")
end
for line in file:lines() do
  local id = line:match("^%s*([%x%-]+)%s*$")
  if id ~= nil then ids[#ids + 1] = id end
end
file:close()
if #ids == 0 then
  error("get_orders.lua: no order ids in '" .. path .. "'")
end

-- setup() runs in the main Lua state, once per thread: spread the start offsets.
local threads = 0
function setup(thread)
  thread:set("start_offset", threads)
  threads = threads + 1
end

local requests = {}
local next_index = 1

function init(args)
  for i, id in ipairs(ids) do
    requests[i] = wrk.format("GET", "/orders/" .. id)
  end
  local offset = start_offset or 0
  next_index = ((offset * 7919) % #requests) + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index + 1
  if next_index > #requests then next_index = 1 end
  return r
end
