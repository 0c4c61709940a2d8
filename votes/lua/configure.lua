-- Apply a committee change (rules, window, status, candidates) to a built campaign's live state.
-- A campaign that is not built is left alone: its next rebuild reads everything from the database.
--
-- ARGV[1]: JSON {meta: {field: value}, candidates: {id: category}, info: {id: json}, removed: [id]}
-- Returns 1 if applied, 0 if the campaign is not built.
assert(#KEYS == 4, "configure.lua takes 4 keys")
local meta_key = KEYS[1]
local cand_key = KEYS[2]
local info_key = KEYS[3]
local tally_key = KEYS[4]

if redis.call("HGET", meta_key, "built") ~= "1" then
  return 0
end
local change = cjson.decode(ARGV[1])
for field, value in pairs(change.meta) do
  redis.call("HSET", meta_key, field, tostring(value))
end
for id, category in pairs(change.candidates) do
  redis.call("HSET", cand_key, id, category)
end
for id, info in pairs(change.info) do
  redis.call("HSET", info_key, id, info)
end
for _, id in ipairs(change.removed) do
  redis.call("HDEL", cand_key, id)
  redis.call("HDEL", info_key, id)
  redis.call("ZREM", tally_key, id)
end
return 1
