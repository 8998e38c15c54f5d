-- wrk script: gets of 16-byte keys (the put phase filled the same key space). Requests are formatted once per thread,
-- as in put.lua.
local requests = {}
local index = 0
init = function(args)
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
    requests[i] = wrk.format("GET", "/get?key=" .. string.format("%016d", keys[i]))
  end
end
request = function()
  index = index % #requests + 1
  return requests[index]
end
