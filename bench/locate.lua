-- locate.lua — wrk script for bench/locate: GET /divisions/locate?lon=&lat=
-- with points read from a file of "lon lat" lines (written by
-- bench_locate_inproc --write-points), cycling through them.
--
--   wrk -t2 -c32 -d10s -s bench/locate.lua http://127.0.0.1:PORT -- POINTS_FILE
--
-- The requests are formatted once in init(), so request() costs wrk one table
-- lookup. Each wrk thread starts at a different place in the list. done()
-- prints one machine-readable line, "WRK key=value ...", for the driver.

local threads = 0

function setup(thread)
    thread:set("thread_no", threads)
    threads = threads + 1
end

function init(args)
    local file = args[1]
    if not file then
        error("locate.lua: give the points file after --")
    end
    reqs = {}
    for line in io.lines(file) do
        local lon, lat = line:match("^(%S+)%s+(%S+)")
        if lon then
            reqs[#reqs + 1] = wrk.format("GET", "/divisions/locate?lon=" .. lon .. "&lat=" .. lat)
        end
    end
    if #reqs == 0 then
        error("locate.lua: no points in " .. file)
    end
    -- Spread the threads over the list (thread_no is set by setup()).
    pos = ((thread_no or 0) * 7919) % #reqs
end

function request()
    pos = pos % #reqs + 1
    return reqs[pos]
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRK requests=%d duration_us=%d bytes=%d connect_errors=%d read_errors=%d write_errors=%d " ..
        "non2xx=%d timeouts=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f\n",
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
