-- A GET of BENCH_PATH: the bare Flask app, the app's /bench/ping, or (BENCH_AUTH=1, a voter's
-- bearer token on each request, cycling through the voters) GET /api/v1/me.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require("common")
setup = common.setup
done = common.done

function init(args)
  counts = {}
  path = os.getenv("BENCH_PATH")
  if os.getenv("BENCH_AUTH") == "1" then
    tokens = common.load_tokens()
    active = math.min(#tokens, tonumber(os.getenv("BENCH_ACTIVE") or "5000"))
  end
  n = id
end

function request()
  if tokens then
    n = n + 7
    return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[(n % active) + 1]})
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  common.count(status)
end
