-- Install a campaign's live state rebuilt from the database, in one step: candidates, their
-- display data, the tallies, and last the meta hash with a new generation and built = 1.
--
-- ARGV[1]: JSON {meta: {field: value}, candidates: {id: category}, info: {id: json}, tally: {id: n}}
assert(#KEYS == 4, "install.lua takes 4 keys")
local meta_key = KEYS[1]
local cand_key = KEYS[2]
local info_key = KEYS[3]
local tally_key = KEYS[4]

local state = cjson.decode(ARGV[1])
redis.call("DEL", cand_key, info_key, tally_key)
for id, category in pairs(state.candidates) do
  redis.call("HSET", cand_key, id, category)
end
for id, info in pairs(state.info) do
  redis.call("HSET", info_key, id, info)
end
for id, votes in pairs(state.tally) do
  redis.call("ZADD", tally_key, votes, id)
end
redis.call("DEL", meta_key)
for field, value in pairs(state.meta) do
  redis.call("HSET", meta_key, field, tostring(value))
end
redis.call("HSET", meta_key, "built", "1")
return 1
