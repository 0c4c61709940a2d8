-- (a) The trivial authenticated JSON endpoint: the baseline.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
setup = common.setup
done = common.done

function init(args)
  counts = {}
  tokens = common.load_tokens()
  n = id
end

function request()
  n = n + 7
  local token = tokens[(n % #tokens) + 1]
  return wrk.format("GET", "/bench/trivial", {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
  common.count(status)
end
