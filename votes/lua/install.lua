-- Install a campaign's live state rebuilt from the database, in one step: candidates, their
-- display data, the tallies, and last the meta hash with a new generation, this server's
-- run_id and built = 1.
--
-- Fenced: installs only if the caller still holds the rebuild lock (its token) and nothing
-- changed since its begin.lua (the fence value it got there). Otherwise the state it counted
-- may be older than what Redis was told meanwhile; the caller counts again.
--
-- ARGV[1]: JSON {meta: {field: value}, candidates: {id: category}, info: {id: json}, tally: {id: n}}
-- ARGV[2]: lock token, ARGV[3]: fence value from begin.lua
-- Returns 1 if installed, 0 if fenced out.
assert(#KEYS == 6, "install.lua takes 6 keys")
local meta_key = KEYS[1]
local cand_key = KEYS[2]
local info_key = KEYS[3]
local tally_key = KEYS[4]
local fence_key = KEYS[5]
local lock_key = KEYS[6]
local token = ARGV[2]
local fence = ARGV[3]

if redis.call("GET", lock_key) ~= token or redis.call("GET", fence_key) ~= fence then
  return 0
end
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
redis.call("HSET", meta_key, "run", string.match(redis.call("INFO", "server"), "run_id:(%w+)"))
redis.call("HSET", meta_key, "built", "1")
return 1
