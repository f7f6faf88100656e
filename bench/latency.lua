-- Prints what the harness reads: requests per second, p50 and p95 latency (microseconds),
-- and errors (non-2xx answers and socket errors).
-- With BENCH_FRESH set, every request adds a query value of its own: no two requests are the
-- same page, so none is answered from a cache of pages (what a page costs to make).
if os.getenv("BENCH_FRESH") then
  request = function()
    return wrk.format(nil, wrk.path .. "&fresh=" .. math.random(1, 1000000000))
  end
end
done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format("rps %.2f\n", summary.requests / seconds))
  io.write(string.format("p50 %d\n", latency:percentile(50)))
  io.write(string.format("p95 %d\n", latency:percentile(95)))
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("errors %d\n", errors))
end
