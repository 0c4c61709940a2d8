-- Undo exactly one use recorded by vote.lua whose ballot never reached the database: give the
-- voter back that seq/slot and take the vote off the tally. Does nothing when the tallies were
-- rebuilt since (another generation): the rebuild already counted from the database.
--
-- Returns 1 if undone, 0 if there was nothing to undo.
assert(#KEYS == 5, "undo.lua takes 5 keys")
local meta_key = KEYS[1]
local tally_key = KEYS[3]
local usage_key = KEYS[4]
local once_key = KEYS[5]

local candidate = ARGV[1]
local category = ARGV[2]
local seq = tonumber(ARGV[3])
local slot = tonumber(ARGV[4])
local generation = ARGV[5]

local meta = redis.call("HMGET", meta_key, "built", "gen")
if meta[1] ~= "1" or meta[2] ~= generation then
  return 0
end
local cand_field = "c:" .. candidate
local cat_field = "k:" .. category
if redis.call("HINCRBY", usage_key, "p", -1) <= 0 then
  redis.call("HDEL", usage_key, "p")
end
-- Only step back if nothing was recorded on top of this use since.
if tonumber(redis.call("HGET", usage_key, cand_field) or "0") == seq then
  redis.call("HSET", usage_key, cand_field, seq - 1)
  if seq == 1 then
    redis.call("HDEL", once_key, candidate)
  end
end
if tonumber(redis.call("HGET", usage_key, cat_field) or "0") == slot then
  redis.call("HSET", usage_key, cat_field, slot - 1)
end
local votes = tonumber(redis.call("ZSCORE", tally_key, candidate) or "0")
if votes > 0 then
  redis.call("ZINCRBY", tally_key, -1, candidate)
end
return 1
