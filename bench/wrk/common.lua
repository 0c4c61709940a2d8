-- Shared by the benchmark scripts: tokens, per-thread ids, status counting, a JSON summary.
-- Environment: BENCH_TOKENS (file, one bearer token per line, voter i on line i+1).
local M = {}

function M.load_tokens()
  local tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  return tokens
end

local threads = {}
local next_id = 0

function M.setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

function M.count(status)
  local key = "s" .. status
  counts[key] = (counts[key] or 0) + 1
end

function M.done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do
      totals[k] = (totals[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(totals) do
    parts[#parts + 1] = string.format('"%s": %d', k, v)
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    table.concat(parts, ", ")))
end

return M
