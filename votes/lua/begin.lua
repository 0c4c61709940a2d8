-- Start (or restart) a rebuild under the lock: mark the campaign not built, so that votes wait
-- or take the database path and any vote that passed vote.lua before sees the change, and bump
-- the fence. Returns the new fence value, or false when the caller no longer holds the lock.
assert(#KEYS == 3, "begin.lua takes 3 keys")
local meta_key = KEYS[1]
local fence_key = KEYS[2]
local lock_key = KEYS[3]
local token = ARGV[1]

if redis.call("GET", lock_key) ~= token then
  return false
end
redis.call("HSET", meta_key, "built", "0")
return redis.call("INCR", fence_key)
