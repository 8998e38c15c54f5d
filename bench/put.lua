-- wrk script: durable puts with 16-byte keys and 100-byte values through the original GET /put API.
-- Each thread formats one request per key (0..9999, in a random order) once, in init, and then cycles through them: wrk and
-- the servers share the machine's two cores, and formatting every request in Lua cost wrk about twice the user CPU
-- (~7 µs per request), taken from the servers under test. redis-benchmark (C) generates its keys just as cheaply.
local value = string.rep("v", 100)
local requests = {}
local index = 0
init = function(args)
  -- In init, not at load time: only then does wrk.format know the Host header.
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + (tonumber(tostring(requests):match("0x(%x+)"), 16) or 0))
  -- Every key once per cycle, in a random order: the put phase writes the whole key space, so no get misses.
  local keys = {}
  for i = 1, 10000 do
    keys[i] = i - 1
  end
  for i = 10000, 2, -1 do
    local j = math.random(1, i)
    keys[i], keys[j] = keys[j], keys[i]
  end
  for i = 1, 10000 do
    requests[i] = wrk.format("GET", "/put?key=" .. string.format("%016d", keys[i]) .. "&value=" .. value)
  end
end
request = function()
  index = index % #requests + 1
  return requests[index]
end
