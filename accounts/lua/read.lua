-- The shared snapshot of a principal, its remaining TTL (ms), the run_id of this server (the
-- one owning the snapshot's slot) and the current values of the epoch keys it lists, in one
-- round trip: {snapshot, ttl, run_id, value...}; nil when there is no snapshot (or it cannot be
-- decoded). The epoch keys share the snapshot's hash tag {auth}.
assert(#KEYS == 1, "read.lua takes 1 key")
local snapshot_key = KEYS[1]

local snapshot = redis.call("GET", snapshot_key)
if not snapshot then
  return nil
end
local ok, doc = pcall(cjson.decode, snapshot)
if not ok or type(doc) ~= "table" or type(doc.keys) ~= "table" or #doc.keys == 0 then
  return nil
end
local values = redis.call("MGET", unpack(doc.keys))
local run_id = string.match(redis.call("INFO", "server"), "run_id:(%w+)")
local out = {snapshot, redis.call("PTTL", snapshot_key), run_id}
for i = 1, #doc.keys do
  out[i + 3] = values[i]
end
return out
