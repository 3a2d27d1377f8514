-- wrk: after the run, one line with the latency percentiles in microseconds
-- (wrk's own summary shows no p95).
function done(summary, latency, requests)
  io.write(string.format("PCT %d %d %d\n", latency:percentile(50), latency:percentile(95),
                         latency:percentile(99)))
end
