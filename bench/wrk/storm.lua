-- (c) A brushing storm: the voters of the first BENCH_STORM_VOTERS visits (from
-- BENCH_VISIT_START) of each thread's accepted-votes phase repeat the first vote of their visit
-- (already accepted), over and over: every answer should be 409.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
setup = common.setup
done = common.done

function init(args)
  counts = {}
  tokens = common.load_tokens()
  campaign = os.getenv("BENCH_CAMPAIGN")
  candidates = {}
  for id in string.gmatch(os.getenv("BENCH_CANDIDATES"), "[^,]+") do
    candidates[#candidates + 1] = id
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  per_thread = math.floor(#tokens / nthreads)
  storm_voters = tonumber(os.getenv("BENCH_STORM_VOTERS"))
  visit_start = tonumber(os.getenv("BENCH_VISIT_START"))
  n = 0
end

function request()
  local visit = visit_start + (n % storm_voters)
  local voter = id * per_thread + (visit % per_thread)
  local round = math.floor(visit / per_thread) * 6
  n = n + 1
  local category = round % 6
  local pick = (voter + math.floor(round / 6)) % 10
  local candidate = candidates[category * 10 + pick + 1]
  return wrk.format("POST", "/api/v1/campaigns/" .. campaign .. "/votes", {
    ["Authorization"] = "Bearer " .. tokens[voter + 1],
    ["Content-Type"] = "application/json",
  }, '{"candidate_id": ' .. candidate .. '}')
end

function response(status, headers, body)
  common.count(status)
end
