-- wrk script: each request comes from one of 10,000 client addresses in
-- turn (127.1.0.0 to 127.1.39.15), named in X-Client for bench/ratelimit.cfg's
-- set-src.
local i = 0
local reqs = {}
for n = 0, 9999 do
  reqs[n] = wrk.format("GET", "/", { ["X-Client"] = string.format("127.1.%d.%d", math.floor(n / 256), n % 256) })
end
request = function()
  i = (i + 1) % 10000
  return reqs[i]
end
