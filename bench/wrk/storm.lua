-- (c) A brushing storm: the first BENCH_STORM_VOTERS voters of each thread repeat the vote they
-- cast in round BENCH_ROUND (already accepted), over and over: every answer should be 409.
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
  round = tonumber(os.getenv("BENCH_ROUND"))
  n = 0
end

function request()
  local voter = id * per_thread + (n % storm_voters)
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
