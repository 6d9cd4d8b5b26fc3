#!/usr/bin/env bash
# Real-infrastructure tests (ctest label real): the seed's scenarios, the
# counterexample replays, the smoke test, conformance of the fakes and the
# migration checksum guard, against the PostgreSQL and Kafka broker that
# `./dwsim infra up` starts.
#
# Outside CI a test whose infrastructure is not running exits 77 (ctest
# reports it skipped) and says how to start it; in CI (CI set) it fails.
# Usage: real_tests.sh <dwsim binary> <test> [corpus file]
set -u
bin=$1
test=$2
corpus=${3:-}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail=0

skip_or_fail_if_absent() {
  if "$bin" smoke --json >"$out" 2>"$err"; then return 0; fi
  local rc=$?
  if [ "$rc" -eq 4 ]; then
    if [ -z "${CI:-}" ]; then
      echo "SKIP: real infrastructure is not running ($(head -n 1 "$err"))."
      echo "      start it with: ./dwsim infra up   (then re-run ctest -L real)"
      exit 77
    fi
    echo "FAIL: real infrastructure is not running in CI: $(head -n 1 "$err")"
    exit 1
  fi
  # Reachable, but the smoke test itself failed: report it in the smoke test.
  return 0
}

# field <json file> <python expression over d>
check() {
  local what=$1 expr=$2
  if ! python3 -c "import json,sys; d=json.load(open('$out')); sys.exit(0 if ($expr) else 1)"; then
    echo "FAIL: $what"
    echo "  got: $(cat "$out")"
    head -n 3 "$err" | sed 's/^/  stderr: /'
    fail=1
  else
    echo "ok:   $what"
  fi
}

scenario() {  # scenario <name> <variant> <python expression>
  local name=$1 variant=$2 expr=$3
  "$bin" scenario "$name" --mode real --variant "$variant" --json >"$out" 2>"$err"
  check "scenario $name --variant $variant: $expr" "$expr"
}

skip_or_fail_if_absent

case "$test" in
  smoke)
    for v in dual-write outbox; do
      if "$bin" smoke --variant "$v" >"$out" 2>"$err" && grep -q '^PASS$' "$out"; then
        echo "ok:   smoke --variant $v"; cat "$out"
      else
        echo "FAIL: smoke --variant $v"; cat "$out" "$err"; fail=1
      fi
    done
    ;;
  scenarios)
    # The seed's table, measured on real PostgreSQL and Kafka (dual-write) ...
    scenario happy-path dual-write 'd["existsInDb"] and d["eventsInKafka"]==1 and d["clientSaw"]==201 and d["violations"]==[]'
    scenario phantom-event dual-write 'not d["existsInDb"] and d["eventInKafka"] and d["dbRolledBack"] and d["clientSaw"]==200 and "phantom-event" in d["violations"]'
    scenario lost-event dual-write 'd["existsInDb"] and not d["eventInKafka"] and d["clientSaw"]==201 and "lost-event" in d["violations"]'
    scenario natural-phantom dual-write 'not d["existsInDb"] and d["eventInKafka"] and d["clientSaw"]==500 and "phantom-event" in d["violations"] and "idempotent-create" in d["violations"]'
    scenario cursor-gap outbox-cursor 'd["existsInDb"] and not d["eventInKafka"] and "lost-event" in d["violations"]'
    scenario relay-crash-duplicate outbox 'd["existsInDb"] and d["eventsInKafka"]==2 and d["charges"]==1 and d["violations"]==["duplicate-event"]'
    # ... and the outbox variant leaves DB and Kafka consistent in the same scenarios.
    scenario happy-path outbox 'd["violations"]==[] and d["existsInDb"] and d["eventsInKafka"]==1'
    scenario phantom-event outbox 'd["violations"]==[] and not d["existsInDb"] and not d["eventInKafka"]'
    scenario lost-event outbox 'd["violations"]==[] and d["existsInDb"] and d["eventsInKafka"]==1 and d["clientSaw"]==201'
    scenario natural-phantom outbox 'd["violations"]==[] and not d["existsInDb"] and not d["eventInKafka"] and d["clientSaw"]==201'
    scenario cursor-gap outbox 'd["violations"]==[] and d["existsInDb"] and d["eventsInKafka"]==1'
    # The simulator tells the same story for each scenario (same fields).
    for s in happy-path phantom-event lost-event natural-phantom relay-crash-duplicate cursor-gap; do
      for v in dual-write outbox; do
        "$bin" scenario "$s" --mode sim --variant "$v" --json >"$out.sim" 2>/dev/null
        "$bin" scenario "$s" --mode real --variant "$v" --json >"$out" 2>"$err"
        python3 - "$out.sim" "$out" <<'PY' || { echo "FAIL: scenario $s --variant $v: sim and real differ"; fail=1; }
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["orderId", "existsInDb", "eventsInKafka", "dbRolledBack", "clientSaw", "charges", "violations"]
diff = {k: (a[k], b[k]) for k in keys if a[k] != b[k]}
if diff:
    print("  sim vs real:", diff)
    sys.exit(1)
PY
        rm -f "$out.sim"
      done
    done
    ;;
  replay)
    # Every counterexample of the corpus reproduces its violation on real
    # infrastructure; the outbox/inbox variant holds on the same sequences.
    grep -v '^#' "$corpus" | grep -v '^$' | while IFS= read -r line; do
      head=${line%%|*}
      commands=${line#*| }
      read -r variant consumer invariant expected seed <<<"$head"
      "$bin" replay --mode real --tick-ms 50 --variant "$variant" --consumer "$consumer" --seed "$seed" --json "$commands" \
        >"$out" 2>"$err"
      check "$variant/$consumer '$commands': $invariant $expected on real infra" \
        "[v['observed'] for v in d['verdicts'] if v['invariant']=='$invariant']==['$expected']"
      if [ "$expected" = violated ] && [ "$variant" != outbox ] && [ "$invariant" != duplicate-event ]; then
        "$bin" replay --mode real --tick-ms 50 --variant outbox --consumer inbox --seed "$seed" --json "$commands" \
          >"$out" 2>"$err"
        check "outbox/inbox '$commands': $invariant holds on real infra" \
          "[v['observed'] for v in d['verdicts'] if v['invariant']=='$invariant']==['holds']"
      fi
      [ "$fail" -eq 0 ] || exit 1
    done || fail=1
    ;;
  conformance)
    if ! "$bin" conformance --sequences "${DWSIM_CONFORMANCE_SEQUENCES:-50}"; then fail=1; fi
    ;;
  migrations)
    # A migration changed after it was applied: dwsim refuses to start (exit 5).
    url=${DWSIM_PG_URL:-postgresql://mars:mars@127.0.0.1:5432/orders_db}
    sum=$(psql "$url" -Atc "SELECT checksum FROM schema_migrations WHERE version = 2")
    psql "$url" -qc "UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 2"
    "$bin" smoke >"$out" 2>"$err"
    rc=$?
    psql "$url" -qc "UPDATE schema_migrations SET checksum = '$sum' WHERE version = 2"
    if [ "$rc" -eq 5 ] && grep -q 'V2__add_idempotency_key.sql changed after it was applied' "$err"; then
      echo "ok:   a changed migration stops start-up: $(cat "$err")"
    else
      echo "FAIL: tampered checksum gave exit $rc: $(cat "$err")"; fail=1
    fi
    applied=$(psql "$url" -Atc "SELECT string_agg(name, ' ' ORDER BY version) FROM schema_migrations")
    echo "applied migrations: $applied"
    case "$applied" in
      "V1__create_orders.sql V2__add_idempotency_key.sql V3__outbox_inbox_billing.sql"*) ;;
      *) echo "FAIL: migrations not recorded in order"; fail=1 ;;
    esac
    ;;
  faults)
    # The broker killed (SIGKILL) and restarted: its log survived, the smoke test passes again.
    bash "$root/scripts/infra.sh" broker-stop --kill >&2
    DWSIM_KAFKA_BROKERS=127.0.0.1:9092 timeout 20 "$bin" smoke >"$out" 2>"$err"
    rc=$?
    if [ "$rc" -eq 4 ] && grep -q '127.0.0.1:9092' "$err"; then
      echo "ok:   broker down: exit 4 naming the address: $(head -n 1 "$err")"
    else
      echo "FAIL: broker down gave exit $rc: $(cat "$err")"; fail=1
    fi
    bash "$root/scripts/infra.sh" broker-start >&2
    if "$bin" smoke >"$out" 2>"$err"; then echo "ok:   smoke passes after SIGKILL + restart of the broker"; else
      echo "FAIL: smoke after broker restart"; cat "$out" "$err"; fail=1; fi
    # PostgreSQL stopped and started again: the next runs work.
    bash "$root/scripts/infra.sh" pg-stop >&2 && bash "$root/scripts/infra.sh" pg-start >&2
    if "$bin" conformance --variant outbox --sequences 3 >"$out" 2>"$err"; then
      echo "ok:   runs after a PostgreSQL restart"; else echo "FAIL: after PostgreSQL restart"; cat "$out" "$err"; fail=1; fi
    ;;
  *)
    echo "unknown real test '$test'"; exit 2 ;;
esac
[ "$fail" -eq 0 ] && echo "real $test: ok"
exit "$fail"
