-- Give each epoch key a new value "<random>.<ms>", stamped with the Redis server's clock now, so
-- that a fill that read the database before this change can tell (see fill.lua's `stale`).
-- Returns the stamp (ms).
--
-- KEYS: the epoch keys (all under the hash tag {auth}); ARGV: one random value per key, the TTL.
assert(#KEYS >= 1, "bump.lua takes at least 1 key")
local ttl = tonumber(ARGV[#KEYS + 1])

local t = redis.call("TIME")
local ms = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
for i, key in ipairs(KEYS) do
  redis.call("SET", key, ARGV[i] .. "." .. ms, "EX", ttl)
end
return ms
