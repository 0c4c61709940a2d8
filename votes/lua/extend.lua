-- Keep a lock alive while its holder works: extend it only if we still hold it (our token).
-- Returns 1 if extended, 0 if the lock is gone or someone else's.
assert(#KEYS == 1, "extend.lua takes 1 key")
local lock_key = KEYS[1]
local token = ARGV[1]
local ttl_ms = tonumber(ARGV[2])
if redis.call("GET", lock_key) == token then
  return redis.call("PEXPIRE", lock_key, ttl_ms)
end
return 0
