-- boundaries.lua — wrk script for bench/boundaries: POST /boundaries/check
-- with random 5 km roads (25 segments of 200 m, random heading) starting in
-- central Chengdu (lon 104.00–104.12, lat 30.60–30.72). A pool of bodies is
-- built once per thread so Lua does not dominate the measurement.
local pool = {}
local n = 0
local cursor = 0

function init(args)
  math.randomseed(os.time() + (tonumber(args[1]) or 0))
  for i = 1, 1000 do
    local lon = 104.00 + math.random() * 0.12
    local lat = 30.60 + math.random() * 0.12
    local th = math.random() * 2 * math.pi
    local dlon = 200 * math.cos(th) / (111320 * math.cos(lat * math.pi / 180))
    local dlat = 200 * math.sin(th) / 110574
    local pts = {}
    for k = 0, 25 do
      pts[#pts + 1] = string.format("[%.7f,%.7f]", lon + k * dlon, lat + k * dlat)
    end
    pool[i] = '{"geometry":{"type":"LineString","coordinates":[' .. table.concat(pts, ",") .. ']}}'
  end
  n = #pool
end

request = function()
  cursor = cursor % n + 1
  return wrk.format("POST", "/boundaries/check", {["Content-Type"] = "application/json"}, pool[cursor])
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
