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
local rows = {}
local candidates = redis.call("HGETALL", cand_key)
for i = 1, #candidates, 2 do
  local id, category = candidates[i], candidates[i + 1]
  if only_category == "" or category == only_category then
    local votes = tonumber(redis.call("ZSCORE", tally_key, id) or "0")
    rows[#rows + 1] = {tonumber(id), category, votes}
  end
end
table.sort(rows, function(a, b)
  if a[3] ~= b[3] then
    return a[3] > b[3]
  end
  return a[1] < b[1]
end)
local objects = {}
for i, row in ipairs(rows) do
  -- info is the JSON {name, unit} the rebuild and the committee pushes write.
  local raw = redis.call("HGET", info_key, tostring(row[1]))
  local ok, info = pcall(cjson.decode, raw or "")
  if not ok or type(info) ~= "table" then
    info = {}
  end
  objects[i] = {candidate_id = row[1], category = row[2], votes = row[3],
    name = info.name or "", unit = info.unit or ""}
end
-- cjson writes an empty table as {}: an empty board is the empty array.
local encoded = #objects == 0 and "[]" or cjson.encode(objects)
return {meta[2], meta[3], meta[4], meta[6] or "0", encoded}
