-- Release a lock only if we still hold it (our token), never someone else's.
assert(#KEYS == 1, "unlock.lua takes 1 key")
local lock_key = KEYS[1]
local token = ARGV[1]
if redis.call("GET", lock_key) == token then
  return redis.call("DEL", lock_key)
end
return 0
