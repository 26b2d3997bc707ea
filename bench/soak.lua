-- soak.lua — wrk script for bench/soak: a realistic mix of what officers,
-- planners and public map clients ask at once, on the demo data (seeds/):
--
--   weight  request
--     30    GET  /divisions/locate?lon=&lat=        (map clicks in Chengdu)
--     20    GET  /tiles/all/{z}/{x}/{y}.mvt          (map pans, z 8–14 over Chengdu)
--     12    GET  /collections/divisions/items?bbox=&limit=20   (OGC API clients)
--     12    GET  /names/standardize?q=               (officers looking names up)
--     10    POST /names/check                         (proposed names)
--     10    POST /boundaries/check                    (a road across districts)
--      6    GET  /coverage?division=                  (planners: one township's circle)
--
--   wrk -t2 -c64 -d60s -s bench/soak.lua http://127.0.0.1:PORT
--
-- Requests are drawn with a fixed seed per thread, formatted once in init().
-- done() prints one "WRK key=value ..." line for the driver.

local threads = 0
function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function tile(lon, lat, z)
  local n = 2 ^ z
  local x = math.floor((lon + 180) / 360 * n)
  local r = math.rad(lat)
  local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  return x, y
end

local json = {["Content-Type"] = "application/json"}
local names = {"人民南路", "青枫路", "蜀汉街", "红星大道", "春熙路", "天府大道", "太升南路", "宽窄巷子", "锦里",
               "人民南路三段", "renminnanlu", "蜀漢街"}
local proposals = {{"人民南路", "510104", "road"}, {"青枫路", "510104", "road"}, {"蜀汉街", "510105", "road"},
                   {"红星大道", "510104", "road"}, {"新华大道", "510106", "road"}, {"长顺中街", "510105", "road"}}
local townships = {"510108002", "510108007", "510106031", "510108011", "510105002", "510104017"}

function init(args)
  math.randomseed(20261125 + (thread_no or 0))
  local function rnd(a, b) return a + (b - a) * math.random() end
  local mix = {}
  local function add(w, fn) for _ = 1, w do mix[#mix + 1] = fn end end
  add(30, function()
    return wrk.format("GET", string.format("/divisions/locate?lon=%.5f&lat=%.5f", rnd(103.6, 104.4), rnd(30.4, 31.0)))
  end)
  add(20, function()
    local z = math.random(8, 14)
    local x, y = tile(rnd(103.8, 104.3), rnd(30.5, 30.9), z)
    return wrk.format("GET", string.format("/tiles/all/%d/%d/%d.mvt", z, x, y))
  end)
  add(12, function()
    local w, s = rnd(103.9, 104.2), rnd(30.55, 30.8)
    return wrk.format("GET", string.format("/collections/divisions/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=20",
      w, s, w + 0.05, s + 0.05))
  end)
  add(12, function()
    return wrk.format("GET", "/names/standardize?q=" .. urlencode(names[math.random(#names)]))
  end)
  add(10, function()
    local p = proposals[math.random(#proposals)]
    return wrk.format("POST", "/names/check", json, string.format(
      '{"name":"%s","category":"%s","division":"%s","geometry":{"type":"Point","coordinates":[%.5f,%.5f]}}',
      p[1], p[3], p[2], rnd(104.0, 104.1), rnd(30.6, 30.7)))
  end)
  add(10, function()
    local x0, y0 = rnd(103.95, 104.1), rnd(30.6, 30.7)
    return wrk.format("POST", "/boundaries/check?date=2024-01-01", json, string.format(
      '{"type":"LineString","coordinates":[[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f]]}',
      x0, y0, x0 + 0.02, y0 + 0.01, x0 + 0.05, y0 + 0.02))
  end)
  add(6, function()
    return wrk.format("GET", "/coverage?division=" .. townships[math.random(#townships)])
  end)
  reqs = {}
  for i = 1, 4000 do reqs[i] = mix[math.random(#mix)]() end
  pos = 0
end

function request()
  pos = pos % #reqs + 1
  return reqs[pos]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d bytes=%d connect_errors=%d read_errors=%d write_errors=%d " ..
    "non2xx=%d timeouts=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
