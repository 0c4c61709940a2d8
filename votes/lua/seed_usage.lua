-- Raise a voter's recorded uses to what the database holds (after Redis lost them, or after a
-- ballot was written on the database-only path). Never lowers a counter.
--
-- ARGV: usage ttl, once ttl, then n_usage, field/value pairs, then candidate ids for the once hash.
assert(#KEYS == 2, "seed_usage.lua takes 2 keys")
local usage_key = KEYS[1]   -- hash of one voter and day
local once_key = KEYS[2]    -- hash of one voter for the campaign

local usage_ttl = tonumber(ARGV[1])
local once_ttl = tonumber(ARGV[2])
local n_usage = tonumber(ARGV[3])
local i = 4
for _ = 1, n_usage do
  local field, value = ARGV[i], tonumber(ARGV[i + 1])
  if tonumber(redis.call("HGET", usage_key, field) or "0") < value then
    redis.call("HSET", usage_key, field, value)
  end
  i = i + 2
end
if n_usage > 0 then
  redis.call("EXPIRE", usage_key, usage_ttl)
end
local seeded_once = false
while i <= #ARGV do
  redis.call("HSET", once_key, ARGV[i], 1)
  seeded_once = true
  i = i + 1
end
if seeded_once then
  redis.call("EXPIRE", once_key, once_ttl)
end
return 1
