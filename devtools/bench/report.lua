-- wrk script: send the proxy's header (production settings redirect plain HTTP to HTTPS), and
-- print one line of JSON with what bench/run.py reports.
wrk.headers["X-Forwarded-Proto"] = "https"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
