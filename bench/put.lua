-- wrk script: durable puts with 16-byte keys and 100-byte values through the original GET /put API.
local value = string.rep("v", 100)
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  local key = string.format("%016d", math.random(0, 9999))
  return wrk.format("GET", "/put?key=" .. key .. "&value=" .. value)
end
