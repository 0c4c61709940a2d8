-- (b) Accepted votes: every request is a (voter, candidate) pair not used before today, cast the
-- way miners vote: a visit is one voter casting BENCH_VISIT (6) votes back to back, one in each
-- category. Thread t owns voters [t*P, (t+1)*P); its visit v (counted from BENCH_VISIT_START) is
-- voter t*P + v % P, and its j-th vote is round (v // P) * 6 + j. Round r votes in category
-- r % 6 for candidate (voter + r // 6) % 10 of it, so rounds 0..17 are 18 distinct candidates,
-- three per category: all within the rules (P visits per thread per block of 6 rounds).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
setup = common.setup
done = common.done

function init(args)
  math.randomseed(os.time() + id)
  counts = {}
  tokens = common.load_tokens()
  campaign = os.getenv("BENCH_CAMPAIGN")
  candidates = {}
  for id in string.gmatch(os.getenv("BENCH_CANDIDATES"), "[^,]+") do
    candidates[#candidates + 1] = id
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  per_thread = math.floor(#tokens / nthreads)
  visit_start = tonumber(os.getenv("BENCH_VISIT_START"))
  visit_len = 6
  n = 0
end

-- Paced (BENCH_DELAY_MS set): each connection waits that long before its next request, so the
-- offered rate is about connections * 1000 / BENCH_DELAY_MS instead of "as fast as it answers".
-- The waits are exponential (a Poisson stream per connection): equal waits would fire all
-- connections together in bursts, which is not how miners arrive.
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pace then
  function delay()
    return math.floor(-math.log(1 - math.random()) * pace)
  end
end

function request()
  local visit = visit_start + math.floor(n / visit_len)
  local voter = id * per_thread + (visit % per_thread)
  local round = math.floor(visit / per_thread) * visit_len + (n % visit_len)
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
