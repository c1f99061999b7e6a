-- wrk: POST /api/tasks with a random n in 1..MAX_N (default 1,000,000), JSON.
local max_n = tonumber(os.getenv("MAX_N") or "1000000")
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, "/api/tasks", nil, string.format('{"n": %d}', math.random(1, max_n)))
end
