-- Set a voter's recorded uses to exactly what the database holds (a refusal by vote.lua that the
-- committed ballots do not back: a use whose ballot never committed). Unlike seed_usage.lua this
-- may lower a counter: the database's committed ballots are the truth (issue 18 #2, #3).
--
-- ARGV: usage ttl, once ttl, then n_usage, field/value pairs, then candidate ids for the once hash.
assert(#KEYS == 2, "reset_usage.lua takes 2 keys")
local usage_key = KEYS[1]   -- hash of one voter and day
local once_key = KEYS[2]    -- hash of one voter for the campaign

redis.call("DEL", usage_key, once_key)
local usage_ttl = tonumber(ARGV[1])
local once_ttl = tonumber(ARGV[2])
local n_usage = tonumber(ARGV[3])
local i = 4
for _ = 1, n_usage do
  redis.call("HSET", usage_key, ARGV[i], tonumber(ARGV[i + 1]))
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
