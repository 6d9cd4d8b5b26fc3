-- wrk script: POST /orders with the seed's order body (used by scripts/http_bench.sh).
--
--   wrk -t2 -c32 -d10s --latency -s bench/wrk/post_orders.lua http://127.0.0.1:18090/orders
--
-- The request is static (no request() function), so wrk builds it once and
-- spends no Lua time per request. No Idempotency-Key: every request creates
-- an order. DWSIM_BENCH_CUSTOMER_ID overrides the customer.
local customer = os.getenv("DWSIM_BENCH_CUSTOMER_ID")
if customer == nil or customer == "" then
  customer = "550e8400-e29b-41d4-a716-446655440000"
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"customerId":"' .. customer .. '","items":[{"productId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8",'
  .. '"quantity":2,"unitPrice":149.95}]}'
