#!/usr/bin/env bash
# The article's flows over HTTP, with curl, against `dwsim serve` on real
# PostgreSQL and Kafka (ctest label real): every error path of the API, the
# lost-event procedure, the phantom chaos endpoint, the natural phantom by
# retry, idempotency, the smoke test over HTTP and the graceful shutdown.
#
# Each check prints "ok:" or "FAIL:"; the script fails if any check failed.
# Outside CI it exits 77 (skipped) when the infrastructure is not running.
# Usage: http_tests.sh <dwsim binary> errors|lost-event|phantom|idempotency|smoke|shutdown
set -u
# shellcheck disable=SC2317  # functions are called indirectly (trap, check, wait_for)
bin=$1
test=$2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg_url=${DWSIM_PG_URL:-postgresql://mars:mars@127.0.0.1:5432/orders_db}
work=$(mktemp -d)
server_pid=""
fail=0

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null; fi
  # A test that stopped the broker always starts it again.
  if [ -f "$work/broker-stopped" ]; then bash "$root/scripts/infra.sh" broker-start >/dev/null 2>&1; fi
  if [ -f "$work/pg-stopped" ]; then bash "$root/scripts/infra.sh" pg-start >/dev/null 2>&1; fi
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok:   $1"; }
bad() {
  echo "FAIL: $1"
  fail=1
}
# check <description> <command...>: ok if the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

infra_or_skip() {
  if bash "$root/scripts/infra.sh" status >/dev/null 2>&1; then return 0; fi
  if [ -z "${CI:-}" ]; then
    echo "SKIP: real infrastructure is not running; start it with ./dwsim infra up (then re-run ctest -L real)"
    exit 77
  fi
  echo "FAIL: real infrastructure is not running in CI"
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server <variant> [flags...]: starts dwsim serve, waits for health 200.
start_server() {
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$work/serve-$1-$port.log"
  "$bin" serve --variant "$@" --port "$port" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/health")" = 200 ]; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  bad "dwsim serve --variant $* did not become healthy"
  sed 's/^/  server: /' "$log" | tail -n 20
  exit 1
}

# documented <server log>: every status the server actually answered (its
# access log) is documented in docs/openapi.json for that route, or among the
# statuses any route may answer (x-transport-responses).
documented() {
  python3 - "$root/docs/openapi.json" "$1" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
transport = set(doc.get("x-transport-responses", {}))
ops = {}
for path, item in doc["paths"].items():
    for method, op in item.items():
        ops[(method.upper(), path)] = set(op["responses"])
bad, seen = [], 0
for line in open(sys.argv[2], errors="replace"):
    m = re.search(r" http  (\S+) (\S+) (\d{3}) ", line)  # INFO and ERROR lines
    if not m:
        continue
    seen += 1
    method, target, status = m.group(1), m.group(2).split("?")[0], m.group(3)
    template = "/orders/{id}" if re.fullmatch(r"/orders/[^/]+", target) else target
    allowed = ops.get((method, template), set()) | transport
    if status not in allowed:
        bad.append(f"{method} {target} -> {status}")
for b in bad[:10]:
    print("  undocumented:", b)
sys.exit(1 if bad or seen == 0 else 0)
PY
}

# stop_server: SIGTERM, expect a graceful exit 0 within 30 s.
stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=""
  check "SIGTERM: the server exits 0 (got $rc)" test "$rc" -eq 0
  check "the shutdown is logged" grep -q "stopped: producer flushed" "$log"
  check "every status it answered is documented in docs/openapi.json" documented "$log"
}

# req <method> <path> [curl args...]: sets status, body (and headers in $work/headers).
req() {
  local method=$1 path=$2
  shift 2
  status=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$method" "$base$path" "$@")
  body=$(cat "$work/body")
}
post_json() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2" "${@:3}"; }

# expect <status> <substring of the body> <description>
expect() {
  local want=$1 part=$2 what=$3
  if [ "$status" = "$want" ] && [[ "$body" == *"$part"* ]]; then
    ok "$what: $status"
  else
    bad "$what: want $want with '$part', got $status '$body'"
  fi
}

json_field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2" 2>/dev/null; }
# Reads that fail print "error" (never a number), so a check built on them fails
# instead of passing on an empty answer.
sql() { psql "$pg_url" -Atqc "$1" 2>"$work/sql-err" || { echo "error"; cat "$work/sql-err" >&2; }; }
db_count() { sql "SELECT count(*) FROM orders WHERE id IN ($1)"; }  # $1: quoted ids, comma-separated
offsets() { "$bin" events order.created --offsets 2>/dev/null || echo "error"; }
# events_for <offsets> <id...>: how many order.created records since the offsets carry these keys.
events_for() {
  local since=$1
  shift
  if ! "$bin" events order.created --since "$since" >"$work/events" 2>"$work/events-err"; then
    echo "error"
    sed 's/^/  events: /' "$work/events-err" >&2
    return 0
  fi
  awk -v ids="$*" '
    BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
    ($3 in want) { c++ } END { print c + 0 }' "$work/events"
}
is_count() { [[ $1 =~ ^[0-9]+$ ]]; }
# wait_for <seconds> <command...>: retries every 0.2 s.
wait_for() {
  local seconds=$1
  shift
  local tries=$((seconds * 5))
  for _ in $(seq 1 "$tries"); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  return 1
}
events_equal() { [ "$(events_for "$1" "${@:3}")" = "$2" ]; }
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/health")" = 200 ]; }

body_seed='{"customerId":"550e8400-e29b-41d4-a716-446655440000","items":[{"productId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","quantity":2,"unitPrice":149.95}]}'
body_lost='{"customerId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","items":[{"productId":"11111111-2222-3333-4444-555555555555","quantity":1,"unitPrice":99.99}]}'
item='"productId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8"'
cust='"customerId":"550e8400-e29b-41d4-a716-446655440000"'

infra_or_skip

case "$test" in
  errors)
    start_server outbox --chaos
    # This run's own customer: every order it could write carries it.
    customer=$(python3 -c 'import uuid; print(uuid.uuid4())')
    cust="\"customerId\":\"$customer\""
    body_seed="{$cust,\"items\":[{$item,\"quantity\":2,\"unitPrice\":149.95}]}"
    # The seed's validation messages, exactly.
    post_json /orders "{\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '{"error":"customerId cannot be null"}' "customerId missing"
    post_json /orders "{\"customerId\":null,\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '{"error":"customerId cannot be null"}' "customerId null"
    post_json /orders "{$cust,\"items\":[]}"
    expect 400 '{"error":"items cannot be empty"}' "items empty"
    post_json /orders "{$cust}"
    expect 400 '{"error":"items cannot be empty"}' "items missing"
    post_json /orders "{$cust,\"items\":[{\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '{"error":"productId cannot be null"}' "productId missing"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":0,\"unitPrice\":1}]}"
    expect 400 '{"error":"quantity must be positive"}' "quantity 0"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":-3,\"unitPrice\":1}]}"
    expect 400 '{"error":"quantity must be positive"}' "quantity negative"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1}]}"
    expect 400 '{"error":"unitPrice cannot be null"}' "unitPrice missing"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1,\"unitPrice\":0}]}"
    expect 400 '{"error":"unitPrice must be positive"}' "unitPrice 0"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1,\"unitPrice\":-5.5}]}"
    expect 400 '{"error":"unitPrice must be positive"}' "unitPrice negative"
    # Malformed JSON, wrong types, money scale, UUIDs.
    post_json /orders '{"customerId": '
    expect 400 '"error":"malformed JSON' "truncated JSON"
    post_json /orders ''
    expect 400 '"error":"malformed JSON' "empty body"
    post_json /orders '[1,2]'
    expect 400 '"error":"request body must be a JSON object' "JSON array body"
    post_json /orders "{\"customerId\":42,\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '"error":"customerId must be a UUID string' "customerId a number"
    post_json /orders "{\"customerId\":\"not-a-uuid\",\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '"error":"customerId is not a valid UUID' "customerId malformed"
    post_json /orders "{$cust,\"items\":{}}"
    expect 400 '"error":"items must be an array' "items an object"
    post_json /orders "{$cust,\"items\":[{\"productId\":\"zz\",\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '"error":"items[0].productId is not a valid UUID' "productId malformed"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":\"2\",\"unitPrice\":1}]}"
    expect 400 '"error":"items[0].quantity must be an integer' "quantity a string"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1.5,\"unitPrice\":1}]}"
    expect 400 '"error":"items[0].quantity must be an integer' "quantity fractional"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1,\"unitPrice\":\"9.99\"}]}"
    expect 400 '"error":"items[0].unitPrice must be a number' "unitPrice a string"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1,\"unitPrice\":149.955}]}"
    expect 400 'more than 2 decimal places' "unitPrice with 3 decimals"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":1,\"unitPrice\":123456789.5}]}"
    expect 400 'NUMERIC(10,2)' "unitPrice beyond NUMERIC(10,2)"
    post_json /orders "{$cust,\"items\":[{$item,\"quantity\":2000000,\"unitPrice\":99999.99}]}"
    expect 400 '"error":"total exceeds NUMERIC(10,2)"' "total beyond NUMERIC(10,2)"
    post_json /orders "$body_seed" -H 'Idempotency-Key;'
    expect 400 '"error":"Idempotency-Key cannot be empty"' "empty Idempotency-Key"
    post_json /orders "$body_seed" -H "Idempotency-Key: $(printf 'k%.0s' $(seq 1 256))"
    expect 400 '"error":"Idempotency-Key must be at most 255 characters"' "Idempotency-Key of 256 characters"
    post_json /orders "{$cust,\"idempotencyKey\":7,\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}"
    expect 400 '"error":"idempotencyKey must be a string' "idempotencyKey a number"
    post_json /orders "{$cust,\"idempotencyKey\":\"a\",\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}" -H 'Idempotency-Key: b'
    expect 400 'differ' "header and body keys differ"
    req GET /orders/not-a-uuid
    expect 400 '"error":"'"'"'not-a-uuid'"'"' is not a valid UUID"' "malformed UUID in the path"
    req GET /orders/00000000-0000-0000-0000-000000000000
    check "unknown order: 404 with an empty body (got $status, ${#body} bytes)" test "$status" = 404 -a -z "$body"
    # Routes, methods, media types, sizes.
    req GET /nope
    expect 404 '"error":"no route for GET /nope"' "unknown route"
    req GET /orders/
    expect 404 '"error":"no route' "trailing slash"
    req DELETE /orders
    expect 405 '"error":"method DELETE is not allowed on /orders' "DELETE /orders"
    check "405 names the allowed methods" grep -qi '^Allow: POST' "$work/headers"
    req POST /orders/00000000-0000-0000-0000-000000000000
    expect 405 'allowed: GET' "POST /orders/{id}"
    req PUT /actuator/health
    expect 405 'allowed: GET' "PUT /actuator/health"
    req POST /orders --data-binary "$body_seed"
    expect 415 '"error":"Content-Type must be application/json' "form-urlencoded body (curl -d without a type)"
    req POST /orders -H 'Content-Type: text/plain' --data-binary "$body_seed"
    expect 415 "not 'text/plain'" "text/plain body"
    req POST /orders -H 'Content-Type: application/json; charset=UTF-8' --data-binary "$body_seed"
    expect 201 '"orderId"' "application/json with a charset"
    python3 -c 'print("{\"customerId\":\"" + "x" * 70000 + "\"}")' >"$work/big.json"
    req POST /orders -H 'Content-Type: application/json' --data-binary "@$work/big.json"
    expect 413 '"error":"request body exceeds 65536 bytes' "70 KB body"
    python3 -c 'print("{\"customerId\":\"" + "x" * 2000000 + "\"}")' >"$work/huge.json"
    req POST /orders -H 'Content-Type: application/json' --data-binary "@$work/huge.json"
    expect 413 'request body exceeds' "2 MB body (Expect: 100-continue refused)"
    # A 2 KB body announced with Expect: 100-continue: the server says continue, then 201.
    python3 -c 'import json,sys; print(json.dumps({"customerId": sys.argv[1], "note": "x" * 2000, "items": [{"productId": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "quantity": 1, "unitPrice": 1}]}))' "$customer" >"$work/mid.json"
    req POST /orders -H 'Content-Type: application/json' -H 'Expect: 100-continue' --data-binary "@$work/mid.json"
    expect 201 '"orderId"' "2 KB body with Expect: 100-continue"
    req GET /actuator/health -H "X-Big: $(python3 -c 'print("h" * 20000)')"
    expect 431 'request header exceeds' "20 KB header"
    # Bytes that are not HTTP: 400, and the server lives on.
    reply=$(printf 'THIS IS NOT HTTP\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3" 2>/dev/null | head -n 1)
    check "garbage request: 400 ($reply)" grep -q '^HTTP/1.1 400' <<<"$reply"
    post_json /chaos/phantom-event '{bad'
    expect 400 '"error":"malformed JSON' "chaos endpoint, malformed JSON"
    req POST /chaos/phantom-event -H 'Content-Type: text/plain' --data-binary "$body_seed"
    expect 415 'Content-Type' "chaos endpoint, text/plain"
    # Keep-alive: several requests on one connection.
    n=$(curl -s -o /dev/null -w '%{num_connects}\n' "$base/actuator/health" "$base/actuator/health" "$base/actuator/health" | awk '{ s += $1 } END { print s }')
    check "keep-alive: 3 requests over $n connection(s)" test "$n" -eq 1
    req GET /actuator/health
    expect 200 '"status":"UP"' "still healthy after every bad request"
    written=$(sql "SELECT count(*) FROM orders WHERE customer_id = '$customer'")
    check "no bad request wrote an order ($written written by the two good requests)" test "$written" = 2
    check "the access log has one line per request" grep -q 'INFO  http  DELETE /orders 405' "$log"
    stop_server
    ;;

  lost-event)
    # The article's lost-event procedure, for the seed's dual-write and for outbox.
    for variant in dual-write publish-after-commit outbox; do
      start_server "$variant"
      since=$(offsets)
      post_json /orders "$body_seed"
      expect 201 '"orderId"' "$variant: 1. POST an order with the broker up"
      first=$(json_field "$body" orderId)
      touch "$work/broker-stopped"
      bash "$root/scripts/infra.sh" broker-stop >/dev/null 2>&1
      req GET /actuator/health
      expect 503 '"kafka":{"status":"DOWN"' "$variant: 2. broker stopped: health is DOWN, naming kafka"
      post_json /orders "$body_lost"
      expect 201 '"orderId"' "$variant: 3. POST another order with the broker down"
      second=$(json_field "$body" orderId)
      case "$variant" in
        dual-write) check "$variant: the WARN line names the order" \
          grep -q "WARN  service  DUAL WRITE FAILURE — EVENT LOST for orderId=$second. Order saved in DB but event NOT published to Kafka" "$log" ;;
        publish-after-commit) check "$variant: the WARN line names the order" \
          grep -q "PUBLISH AFTER COMMIT FAILURE — EVENT LOST for orderId=$second" "$log" ;;
      esac
      bash "$root/scripts/infra.sh" broker-start >/dev/null 2>&1
      rm -f "$work/broker-stopped"
      check "$variant: 4. broker started, health is UP again" wait_for 30 healthy
      if [ "$variant" = outbox ]; then
        check "$variant: the relay publishes the held event after the outage" wait_for 30 events_equal "$since" 1 "$second"
      else
        sleep 2  # anything late would arrive now
      fi
      in_db=$(db_count "'$first','$second'")
      in_kafka=$(events_for "$since" "$first" "$second")
      if [ "$variant" = outbox ]; then
        check "$variant: 5. orders in DB ($in_db) = events in Kafka ($in_kafka)" test "$in_db" -eq 2 -a "$in_kafka" -eq 2
      else
        check "$variant: 5. orders in DB ($in_db) = events in Kafka ($in_kafka) + 1: a lost event" \
          test "$in_db" -eq 2 -a "$in_kafka" -eq 1
      fi
      stop_server
    done
    ;;

  phantom)
    for variant in dual-write outbox; do
      start_server "$variant" --chaos
      since=$(offsets)
      post_json /chaos/phantom-event "$body_seed"
      expect 200 '"dbRolledBack":true' "$variant: POST /chaos/phantom-event"
      id=$(json_field "$body" orderId)
      exists=$(json_field "$body" existsInDb)
      sent=$(json_field "$body" eventSentToKafka)
      sleep 1  # an outbox relay would have published by now
      in_db=$(db_count "'$id'")
      in_kafka=$(events_for "$since" "$id")
      check "$variant: the database and the topic could be read ($in_db, $in_kafka)" is_count "$in_db$in_kafka"
      check "$variant: existsInDb=$exists agrees with PostgreSQL ($in_db rows)" \
        test "$(is_count "$in_db" && [ "$in_db" -gt 0 ] && echo True || echo False)" = "$exists"
      check "$variant: eventSentToKafka=$sent agrees with the topic ($in_kafka records)" \
        test "$(is_count "$in_kafka" && [ "$in_kafka" -gt 0 ] && echo True || echo False)" = "$sent"
      if [ "$variant" = dual-write ]; then
        check "$variant: a phantom event (in Kafka, not in PostgreSQL)" test "$in_kafka" -eq 1 -a "$in_db" -eq 0
        check "$variant: the report explains it" grep -q '"explanation":"PHANTOM EVENT: The order.created event was published to Kafka, but the order does NOT exist in PostgreSQL' <<<"$body"
      else
        check "$variant: no phantom (nothing in Kafka, nothing in PostgreSQL)" test "$in_kafka" -eq 0 -a "$in_db" -eq 0
      fi
      stop_server
    done
    start_server dual-write
    post_json /chaos/phantom-event "$body_seed"
    expect 404 'start the server with --chaos' "without --chaos the chaos endpoint is 404"
    stop_server
    ;;

  idempotency)
    # The natural phantom (dual-write) and idempotent creates (outbox), with
    # this run's own customer so that other traffic is never counted.
    customer=$(python3 -c 'import uuid; print(uuid.uuid4())')
    cust="\"customerId\":\"$customer\""
    body_seed="{$cust,\"items\":[{$item,\"quantity\":2,\"unitPrice\":149.95}]}"
    key="retry-$(date +%s%N)"
    start_server dual-write
    since=$(offsets)
    post_json /orders "$body_seed" -H "Idempotency-Key: $key"
    expect 201 '"orderId"' "dual-write: first POST with Idempotency-Key"
    first=$(json_field "$body" orderId)
    post_json /orders "$body_seed" -H "Idempotency-Key: $key"
    expect 500 'rolled back' "dual-write: the retry hits the unique index at flush"
    sleep 1
    rows=$(sql "SELECT count(*) FROM orders WHERE idempotency_key = '$key'")
    keyed=$("$bin" events order.created --since "$since" 2>/dev/null | grep -c "\"customerId\":\"$customer" || true)
    phantom=$("$bin" events order.created --since "$since" 2>/dev/null | awk -v f="$first" -v c="$customer" '$3 != f && index($0, c) { print $3 }' | head -n 1)
    check "dual-write: 1 order in PostgreSQL, 2 events in Kafka ($rows, $keyed)" test "$rows" -eq 1 -a "$keyed" -eq 2
    check "dual-write: the second event's order does not exist (a natural phantom)" \
      test -n "$phantom" -a "$(db_count "'${phantom:-00000000-0000-0000-0000-000000000000}'")" -eq 0
    stop_server

    key="retry-$(date +%s%N)"
    start_server outbox
    since=$(offsets)
    post_json /orders "$body_seed" -H "Idempotency-Key: $key"
    expect 201 '"orderId"' "outbox: first POST with Idempotency-Key"
    first=$(json_field "$body" orderId)
    post_json /orders "$body_seed" -H "Idempotency-Key: $key"
    expect 201 "$first" "outbox: the retry returns the first orderId"
    check "outbox: the retry is marked Idempotent-Replayed" grep -qi '^Idempotent-Replayed: true' "$work/headers"
    post_json /orders "{$cust,\"idempotencyKey\":\"$key\",\"items\":[{$item,\"quantity\":2,\"unitPrice\":149.95}]}"
    expect 201 "$first" "outbox: the key in the body field is the same key"
    # 16 concurrent retries of a new key: one order, one event.
    key2="burst-$(date +%s%N)"
    seq 1 16 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST "$base/orders" \
      -H 'Content-Type: application/json' -H "Idempotency-Key: $key2" --data-binary "$body_seed" >"$work/codes"
    check "outbox: 16 concurrent retries all get 201 ($(sort "$work/codes" | uniq -c | xargs))" \
      test "$(grep -c '^201$' "$work/codes")" -eq 16
    rows=$(sql "SELECT count(*) FROM orders WHERE idempotency_key IN ('$key', '$key2')")
    check "outbox: 2 keys, 2 orders ($rows)" test "$rows" -eq 2
    ids=$(sql "SELECT string_agg(id::text, ' ') FROM orders WHERE idempotency_key IN ('$key', '$key2')")
    # shellcheck disable=SC2086
    check "outbox: 2 keys, 2 events after the relay" wait_for 15 events_equal "$since" 2 $ids
    sleep 1
    # shellcheck disable=SC2086
    check "outbox: and no more ($(events_for "$since" $ids))" events_equal "$since" 2 $ids
    stop_server
    ;;

  smoke)
    for variant in dual-write outbox; do
      if "$bin" smoke --http --variant "$variant" >"$work/smoke" 2>&1 && grep -q '^PASS$' "$work/smoke"; then
        ok "smoke --http --variant $variant: PASS"
      else
        bad "smoke --http --variant $variant"
        sed 's/^/  /' "$work/smoke"
      fi
    done
    # Against a server the user started (--url).
    start_server outbox
    if "$bin" smoke --http --url "$base" --variant outbox >"$work/smoke" 2>&1 && grep -q '^PASS$' "$work/smoke"; then
      ok "smoke --http --url $base: PASS"
    else
      bad "smoke --http --url $base"
      sed 's/^/  /' "$work/smoke"
    fi
    stop_server
    ;;

  shutdown)
    # SIGTERM while a request is in flight (a dual-write POST waiting for the
    # broker's delivery timeout): the request is answered, then exit 0.
    start_server dual-write
    touch "$work/broker-stopped"
    bash "$root/scripts/infra.sh" broker-stop >/dev/null 2>&1
    curl -s -o "$work/inflight" -w '%{http_code}' -X POST "$base/orders" -H 'Content-Type: application/json' \
      --data-binary "$body_lost" >"$work/inflight-status" &
    client=$!
    sleep 1
    kill -TERM "$server_pid"
    sleep 0.3
    refused=$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/health" || true)
    check "during the drain new connections are refused (got '$refused')" test "$refused" = 000
    wait "$client"
    check "the in-flight POST was answered: $(cat "$work/inflight-status") $(cat "$work/inflight")" \
      grep -q '^201$' "$work/inflight-status"
    rc=0
    wait "$server_pid" || rc=$?
    server_pid=""
    check "the server exited 0 after draining (got $rc)" test "$rc" -eq 0
    check "the log says it finished 1 request in flight" grep -q 'finishing 1 request(s) in flight' "$log"
    bash "$root/scripts/infra.sh" broker-start >/dev/null 2>&1
    rm -f "$work/broker-stopped"
    # A server that cannot bind its port says so and exits 6.
    start_server outbox
    rc=0
    "$bin" serve --variant outbox --port "$port" >"$work/second" 2>&1 || rc=$?
    check "a second server on the same port exits 6 ($(head -n 1 "$work/second"))" test "$rc" -eq 6
    stop_server
    # PostgreSQL down while serving: the seed's transaction takes its connection
    # first, so dual-write answers 503 and publishes nothing.
    start_server dual-write
    since=$(offsets)
    touch "$work/pg-stopped"
    bash "$root/scripts/infra.sh" pg-stop >/dev/null 2>&1
    post_json /orders "{\"customerId\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\",\"items\":[{$item,\"quantity\":1,\"unitPrice\":1}]}"
    expect 503 '"error"' "dual-write with PostgreSQL down"
    req GET /actuator/health
    expect 503 '"db":{"status":"DOWN"' "health names the database"
    bash "$root/scripts/infra.sh" pg-start >/dev/null 2>&1
    rm -f "$work/pg-stopped"
    check "health is UP again after PostgreSQL restarts" wait_for 30 healthy
    sleep 1
    n=$("$bin" events order.created --since "$since" 2>/dev/null | wc -l)
    check "no order.created was published for the failed request ($n records)" test "$n" -eq 0
    post_json /orders "$body_seed"
    expect 201 '"orderId"' "the same server creates orders again after the restart"
    id=$(json_field "$body" orderId)
    req GET "/orders/$id"
    expect 200 "$id" "and reads them (a new connection for the async reader)"
    stop_server
    # Unreachable PostgreSQL: exit 4 naming the address, quickly.
    rc=0
    DWSIM_PG_URL=postgresql://mars:mars@127.0.0.1:1/orders_db timeout 30 "$bin" serve --port 0 >"$work/nopg" 2>&1 || rc=$?
    check "unreachable PostgreSQL: exit 4 ($(head -n 1 "$work/nopg"))" test "$rc" -eq 4
    ;;

  *)
    echo "unknown test '$test'"
    exit 2
    ;;
esac

exit "$fail"
