-- After a ballot's COMMIT: was the live state rebuilt (or is it being rebuilt) since vote.lua
-- counted this ballot? If so, or if the caller says so (`force`: the database row asks for a
-- rebuild, or Redis missed a committee change), mark it for rebuild, because that rebuild may
-- have counted the database before this ballot was in it.
--
-- ARGV[1]: the generation vote.lua answered; ARGV[2]: "1" to force.
-- Returns 1 if the live state still holds this ballot, 0 if it was marked for rebuild.
assert(#KEYS == 2, "settle.lua takes 2 keys")
local meta_key = KEYS[1]
local fence_key = KEYS[2]
local meta = redis.call("HMGET", meta_key, "built", "gen")
if ARGV[2] ~= "1" and meta[1] == "1" and meta[2] == ARGV[1] then
  return 1
end
redis.call("HSET", meta_key, "built", "0")
redis.call("INCR", fence_key)
return 0
