-- Read a campaign's live board: the meta fields a reader needs, then the rows of every
-- candidate (optionally of one category), best first, as one JSON text: a reply of five bulk
-- strings instead of four per candidate, which the app parses with one json.loads.
--
-- Each read counts against the reader's limit for the current minute (KEYS[5], ARGV[2]; no
-- key and limit for internal reads). Built means installed by this server process (see
-- vote.lua): an older snapshot brought back by a restart is "not_built".
--
-- Returns {"rate_limited", seconds} | {"not_built"}
--      or {status, hide, mine, config_version, rows}
--         rows: JSON [{candidate_id, category, votes, name, unit}, ...]
assert(#KEYS == 4 or #KEYS == 5, "board.lua takes 4 or 5 keys")
local meta_key = KEYS[1]
local cand_key = KEYS[2]
local info_key = KEYS[3]
local tally_key = KEYS[4]
local only_category = ARGV[1]

if #KEYS == 5 then
  local n = redis.call("INCR", KEYS[5])
  if n == 1 then
    redis.call("EXPIRE", KEYS[5], 120)
  end
  if n > tonumber(ARGV[2]) then
    return {"rate_limited", tonumber(ARGV[3])}
  end
end

local meta = redis.call("HMGET", meta_key, "built", "status", "hide", "mine", "run", "cfgv")
if meta[1] ~= "1" or meta[5] ~= string.match(redis.call("INFO", "server"), "run_id:(%w+)") then
  return {"not_built"}
end
-- Three calls whatever the number of candidates (each redis.call costs more than the Lua
-- around it): the candidates, their votes (ZMSCORE, Redis 6.2) and their display data.
local candidates = redis.call("HGETALL", cand_key)
local ids, categories = {}, {}
for i = 1, #candidates, 2 do
  if only_category == "" or candidates[i + 1] == only_category then
    ids[#ids + 1] = candidates[i]
    categories[#ids] = candidates[i + 1]
  end
end
if #ids == 0 then
  -- cjson writes an empty table as {}: an empty board is the empty array.
  return {meta[2], meta[3], meta[4], meta[6] or "0", "[]"}
end
local votes = redis.call("ZMSCORE", tally_key, unpack(ids))
local infos = redis.call("HMGET", info_key, unpack(ids))
local rows = {}
for i, id in ipairs(ids) do
  -- info is the JSON {name, unit} the rebuild and the committee pushes write.
  local ok, info = pcall(cjson.decode, infos[i] or "")
  if not ok or type(info) ~= "table" then
    info = {}
  end
  rows[i] = {candidate_id = tonumber(id), category = categories[i],
    votes = tonumber(votes[i] or "0") or 0, name = info.name or "", unit = info.unit or ""}
end
table.sort(rows, function(a, b)
  if a.votes ~= b.votes then
    return a.votes > b.votes
  end
  return a.candidate_id < b.candidate_id
end)
return {meta[2], meta[3], meta[4], meta[6] or "0", cjson.encode(rows)}
