-- wrk script for the engine's original API: `-s bench/kv.lua <url> -- put` (durable puts of 100-byte values) or
-- `-- get`, with 16-byte keys. Each thread formats one request per key (0..9999, in a random order) once, in init, and
-- then cycles through them: wrk and the servers share the machine's two cores, and formatting every request in Lua
-- cost wrk about twice the user CPU (~7 µs per request), taken from the servers under test. redis-benchmark (C)
-- generates its keys just as cheaply. Every key comes once per cycle, so the put phase writes the whole key space and
-- no get misses.
local requests = {}
local index = 0
init = function(args)
  local mode = args[1] or "get"
  local value = string.rep("v", 100)
  -- Seeded per thread (each has its own Lua state, and os.time() alike): the table's address tells them apart.
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + (tonumber(tostring(requests):match("0x(%x+)"), 16) or 0))
  local keys = {}
  for i = 1, 10000 do
    keys[i] = i - 1
  end
  for i = 10000, 2, -1 do
    local j = math.random(1, i)
    keys[i], keys[j] = keys[j], keys[i]
  end
  for i = 1, 10000 do
    local key = string.format("%016d", keys[i])
    -- In init, not at load time: only then does wrk.format know the Host header.
    if mode == "put" then
      requests[i] = wrk.format("GET", "/put?key=" .. key .. "&value=" .. value)
    else
      requests[i] = wrk.format("GET", "/get?key=" .. key)
    end
  end
end
request = function()
  index = index % #requests + 1
  return requests[index]
end
