-- wrk script: gets of 16-byte keys (the put phase filled the same key space).
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  local key = string.format("%016d", math.random(0, 9999))
  return wrk.format("GET", "/get?key=" .. key)
end
