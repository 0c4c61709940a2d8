-- Take a voided ballot off its candidate's tally.
-- Applies only to the generation read before the ballot was voided in the database: if the live
-- state was rebuilt since (or is being rebuilt), the caller marks the tallies stale instead,
-- because that rebuild may or may not have counted the ballot.
-- Returns 1 if applied, 0 otherwise.
assert(#KEYS == 2, "void.lua takes 2 keys")
local meta_key = KEYS[1]
local tally_key = KEYS[2]
local candidate = ARGV[1]
local generation = ARGV[2]

local meta = redis.call("HMGET", meta_key, "built", "gen")
if meta[1] ~= "1" or meta[2] ~= generation then
  return 0
end
local votes = tonumber(redis.call("ZSCORE", tally_key, candidate) or "0")
if votes > 0 then
  redis.call("ZINCRBY", tally_key, -1, candidate)
end
return 1
