-- After a ballot's COMMIT: was the live state rebuilt (or is it being rebuilt) since vote.lua
-- counted this ballot? If so, or if the caller says so (`force`: the database row asks for a
-- rebuild, or Redis missed a committee change), mark it for rebuild, because that rebuild may
-- have counted the database before this ballot was in it.
--
-- It also settles the voter's use: one pending use fewer in the usage hash, and the once mark
-- this ballot set (if any) from "p" to "1" (vote.lua: refusals on settled uses are final).
--
-- ARGV[1]: the generation vote.lua answered; ARGV[2]: "1" to force; ARGV[3]: the candidate;
-- ARGV[4]: "1" if this ballot set the candidate's once mark.
-- Returns 1 if the live state still holds this ballot, 0 if it was marked for rebuild.
assert(#KEYS == 4, "settle.lua takes 4 keys")
local meta_key = KEYS[1]
local fence_key = KEYS[2]
local usage_key = KEYS[3]
local once_key = KEYS[4]

-- A reseed in between may have removed the field: never below zero, never a key without a TTL.
if redis.call("HINCRBY", usage_key, "p", -1) <= 0 then
  redis.call("HDEL", usage_key, "p")
end
if ARGV[4] == "1" and redis.call("HGET", once_key, ARGV[3]) == "p" then
  redis.call("HSET", once_key, ARGV[3], 1)
end
local meta = redis.call("HMGET", meta_key, "built", "gen")
if ARGV[2] ~= "1" and meta[1] == "1" and meta[2] == ARGV[1] then
  return 1
end
redis.call("HSET", meta_key, "built", "0")
redis.call("INCR", fence_key)
return 0
