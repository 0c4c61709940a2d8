-- Apply a committed committee change (rules, window, status, candidates) to a built campaign's
-- live state. Called only after the database commit.
--
-- Every call first bumps the fence, so a rebuild that read the database before this change
-- cannot install its older state afterwards (install.lua checks the fence). A campaign that is
-- not built is left alone: its next rebuild reads everything from the database. A change older
-- than what Redis holds (config_version) is ignored: pushes may arrive out of order.
--
-- ARGV[1]: JSON {cfgv: n, meta: {field: value}, candidates: {id: category}, info: {id: json},
--                removed: [id]}; `candidates` and `info` are complete (they replace the hashes).
-- Returns 1 if Redis now holds this version or a newer one, 0 if the campaign is not built.
assert(#KEYS == 5, "configure.lua takes 5 keys")
local meta_key = KEYS[1]
local cand_key = KEYS[2]
local info_key = KEYS[3]
local tally_key = KEYS[4]
local fence_key = KEYS[5]

redis.call("INCR", fence_key)
local meta = redis.call("HMGET", meta_key, "built", "run", "cfgv")
if meta[1] ~= "1" or meta[2] ~= string.match(redis.call("INFO", "server"), "run_id:(%w+)") then
  return 0
end
local change = cjson.decode(ARGV[1])
if tonumber(meta[3] or "0") >= tonumber(change.cfgv) then
  return 1
end
for field, value in pairs(change.meta) do
  redis.call("HSET", meta_key, field, tostring(value))
end
redis.call("HSET", meta_key, "cfgv", tostring(change.cfgv))
redis.call("DEL", cand_key, info_key)
for id, category in pairs(change.candidates) do
  redis.call("HSET", cand_key, id, category)
end
for id, info in pairs(change.info) do
  redis.call("HSET", info_key, id, info)
end
for _, id in ipairs(change.removed) do
  redis.call("ZREM", tally_key, id)
end
return 1
