-- Cast one vote, atomically: check that the campaign is live and that the voter still has this
-- use today (per candidate and per category), record the use and bump the candidate's tally.
-- Every key shares the campaign's hash tag, so the script runs unchanged on Redis Cluster.
--
-- Every attempt first counts against the account's and the IP's limit for the current minute
-- (fixed windows; the IP limit is generous, a whole mine shares one network).
--
-- The live state counts as built only if it was installed by this very server process
-- (meta.run = this server's run_id): a Redis restarted from an older snapshot, or a replica
-- promoted after a failover, has other run_id and is rebuilt from the database.
--
-- A use is pending from here until settle.lua runs after its ballot's COMMIT (or undo.lua gives
-- it back): the usage hash counts the voter's pending uses of the day in field "p", and a once
-- mark is "p" until settled to "1". A refusal that rests only on settled uses (and uses seeded
-- from the database) is final; one that may rest on a pending use is checked against the
-- database by the caller (a COMMIT that failed, a worker killed before it: issue 18 #2, #3).
--
-- Returns {"ok", category, seq, slot, remaining_in_category, generation, once_rule, config_version}
--      or {"rate_limited", seconds_to_wait} | {"not_built"} | {"not_found"} | {"not_open"}
--      or {"no_candidate"} | {"already_voted", category, settled} | {"quota_used", category, settled}
--      where settled is "1" when the refusal rests on settled uses only, else "0"
assert(#KEYS == 7, "vote.lua takes 7 keys")
local meta_key = KEYS[1]      -- hash: built, run, gen, cfgv, status, starts, ends, mine, rules
local cand_key = KEYS[2]      -- hash: candidate id -> category
local tally_key = KEYS[3]     -- zset: candidate id -> votes
local usage_key = KEYS[4]     -- hash of this voter and day: c:<candidate> -> seq, k:<category> -> slot
local once_key = KEYS[5]      -- hash of this voter for the whole campaign: candidate id -> 1
local account_rate_key = KEYS[6]  -- counter of this account's attempts in this minute
local ip_rate_key = KEYS[7]       -- counter of this IP's attempts in this minute

local candidate = ARGV[1]
local now = tonumber(ARGV[2])
local voter_mine = ARGV[3]
local usage_ttl = tonumber(ARGV[4])
local account_limit = tonumber(ARGV[5])
local ip_limit = tonumber(ARGV[6])

local meta = redis.call("HMGET", meta_key,
  "built", "gen", "status", "starts", "ends", "mine", "per_cand", "per_cat", "once", "run", "cfgv")
if meta[1] ~= "1" or meta[10] ~= string.match(redis.call("INFO", "server"), "run_id:(%w+)") then
  return {"not_built"}  -- not counted: the caller rebuilds and asks again
end
local function over(key, limit)
  local n = redis.call("INCR", key)
  if n == 1 then
    redis.call("EXPIRE", key, 120)
  end
  return n > limit
end
if over(account_rate_key, account_limit) or over(ip_rate_key, ip_limit) then
  return {"rate_limited", 60 - (now % 60)}
end
-- Visibility first: another mine's campaign, a draft or one taking nominations does not exist
-- for this voter.
if meta[6] ~= voter_mine or meta[3] == "draft" or meta[3] == "nominating" then
  return {"not_found"}
end
if meta[3] ~= "open" or now < tonumber(meta[4]) or now >= tonumber(meta[5]) then
  return {"not_open"}
end
local category = redis.call("HGET", cand_key, candidate)
if not category then
  return {"no_candidate"}
end

local per_cand = tonumber(meta[7])
local per_cat = tonumber(meta[8])
local cand_field = "c:" .. candidate
local cat_field = "k:" .. category
local used = redis.call("HMGET", usage_key, cand_field, cat_field, "p")
local cand_used = tonumber(used[1] or "0")
local cat_used = tonumber(used[2] or "0")
local settled = tonumber(used[3] or "0") <= 0 and "1" or "0"

if cand_used >= per_cand then
  return {"already_voted", category, settled}
end
local once = meta[9] == "1"
if once and cand_used == 0 then
  local mark = redis.call("HGET", once_key, candidate)
  if mark then
    return {"already_voted", category, mark == "1" and "1" or "0"}
  end
end
if cat_used >= per_cat then
  return {"quota_used", category, settled}
end

redis.call("HSET", usage_key, cand_field, cand_used + 1, cat_field, cat_used + 1)
redis.call("HINCRBY", usage_key, "p", 1)
redis.call("EXPIRE", usage_key, usage_ttl)
if once then
  redis.call("HSET", once_key, candidate, "p")
  redis.call("EXPIRE", once_key, math.max(tonumber(meta[5]) - now, 0) + usage_ttl)
end
redis.call("ZINCRBY", tally_key, 1, candidate)
return {"ok", category, cand_used + 1, cat_used + 1, per_cat - cat_used - 1, meta[2], meta[9],
  meta[11] or "0"}
