-- Record the epochs a principal read from the database is valid under, and store the shared
-- snapshot of it. Sets each of the n epoch keys that is missing to its fresh value (stamped 0:
-- no change is recorded) and answers {stale, every key's value}. `stale` is 1 when a key was
-- bumped at or after `read_from` (the server's clock just before the filler read the
-- database): that read may predate the change's commit, so nothing is stored and the caller
-- keeps nothing. Otherwise, with a snapshot key after the epoch keys, it also stores the shared
-- snapshot (the JSON body given, its epochs and this server's run_id spliced in) for the
-- snapshot's TTL, so the epochs it records are the ones answered, and a reader can tell a
-- snapshot from before a restart, a restore or a failover of the server that holds it.
--
-- KEYS: n epoch keys [, snapshot key]; ARGV: n, n fresh values, epoch TTL, read_from
-- [, body, snapshot TTL ms].
local n = tonumber(ARGV[1])
assert(#KEYS == n or #KEYS == n + 1, "fill.lua takes n epoch keys and maybe a snapshot key")
local snapshot_key = KEYS[n + 1]
local epoch_ttl = tonumber(ARGV[n + 2])
local read_from = tonumber(ARGV[n + 3])

local out = {}
local stale = 0
for i = 1, n do
  local v = redis.call("GET", KEYS[i])
  if not v then
    v = ARGV[i + 1] .. ".0"
    redis.call("SET", KEYS[i], v, "EX", epoch_ttl)
  else
    local stamp = tonumber(string.match(v, "%.(%d+)$") or "0")
    if stamp >= read_from then
      stale = 1
    end
  end
  out[i] = v
end
if stale == 1 then
  return {1, out}
end
if snapshot_key then
  local body = ARGV[n + 4]
  local snapshot_ttl_ms = tonumber(ARGV[n + 5])
  local run_id = string.match(redis.call("INFO", "server"), "run_id:(%w+)")
  local snapshot = '{"epochs":' .. cjson.encode(out) .. ',"run_id":"' .. run_id .. '",'
    .. string.sub(body, 2)
  redis.call("SET", snapshot_key, snapshot, "PX", snapshot_ttl_ms)
end
return {0, out}
