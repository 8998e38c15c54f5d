-- wrk script: durable puts cycling over KEYS distinct 16-byte keys (100-byte values), each thread from its own
-- offset, for as many passes as the run lasts: `-s bench/compaction/overwrite.lua <url> -- KEYS`.
local keys = 10000
local i = 0
local value = string.rep("v", 100)
init = function(args)
  keys = tonumber(args[1] or "10000")
  i = math.random(0, keys - 1)
end
request = function()
  i = (i + 1) % keys
  return wrk.format("GET", string.format("/put?key=%016d&value=%s", i, value))
end
