-- (d) Leaderboard reads by many voters, cycling through the six categories.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
setup = common.setup
done = common.done

local categories = {"safety", "reform", "publicity", "mediation", "discipline", "emergency"}

function init(args)
  counts = {}
  tokens = common.load_tokens()
  active = math.min(#tokens, tonumber(os.getenv("BENCH_ACTIVE") or "5000"))
  campaign = os.getenv("BENCH_CAMPAIGN")
  n = id
end

function request()
  n = n + 7
  local token = tokens[(n % active) + 1]
  local category = categories[(n % 6) + 1]
  return wrk.format("GET", "/api/v1/campaigns/" .. campaign .. "/leaderboard?category=" .. category,
    {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
  common.count(status)
end
