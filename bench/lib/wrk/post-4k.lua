-- The echo load: every request is a POST with a 4 KiB body (wrk adds Content-Length).
-- bench/lib/load.sh sends the same body once with curl to check the answer before the load.
wrk.method = "POST"
wrk.body = string.rep("a", 4096)
wrk.headers["Content-Type"] = "application/octet-stream"
