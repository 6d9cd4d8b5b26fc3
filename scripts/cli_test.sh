#!/usr/bin/env bash
# End-to-end tests of the CLI contract: exit codes, the JSON shape of prove
# and check, replay determinism, and one-line errors for bad input.
# Usage: cli_test.sh <path to the dwsim binary> <corpus file>
set -u
bin=$1
corpus=$2
fail=0
t() { echo "-- $*"; }
expect_rc() {  # expect_rc <want> <cmd...>
  local want=$1; shift
  "$@" >/tmp/dwsim_cli_out.$$ 2>/tmp/dwsim_cli_err.$$
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: '$*' exited $rc, wanted $want"; head -n 5 /tmp/dwsim_cli_err.$$; fail=1
  fi
}

t "prove --json: one object, every cell as expected"
expect_rc 0 "$bin" prove --cases 60 --json
python3 - /tmp/dwsim_cli_out.$$ <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) >= {"seed", "cases", "as_expected", "results", "probes"}, d.keys()
assert d["as_expected"] is True and d["cases"] == 60 and len(d["results"]) == 80, len(d["results"])
keys = {"variant","consumer","invariant","expected","observed","cases_run","cases_to_first_failure","ms_to_first_failure","counterexample"}
for r in d["results"]:
    assert keys <= set(r), r.keys()
    if r["observed"] == "violated":
        c = r["counterexample"]
        assert c["length"] == len(c["commands"]) and c["replay"].startswith("./dwsim replay ")
    else:
        assert r["counterexample"] is None and r["cases_to_first_failure"] is None
PY

t "check one variant"
expect_rc 0 "$bin" check --variant outbox --consumer naive --cases 60 --json
python3 -c "import json,sys; d=json.load(open('/tmp/dwsim_cli_out.$$')); assert len(d['results'])==8" || fail=1

t "replay: violated -> exit 1, same hash twice"
expect_rc 1 "$bin" replay --variant dual-write --consumer inbox --seed 5 'broker down; create'
h1=$(grep '^trace-hash: ' /tmp/dwsim_cli_out.$$)
grep -q 'DUAL WRITE FAILURE — EVENT LOST for orderId=' /tmp/dwsim_cli_out.$$ || { echo "FAIL: no WARN line"; fail=1; }
grep -q 'lost-event             VIOLATED' /tmp/dwsim_cli_out.$$ || { echo "FAIL: no lost-event verdict"; fail=1; }
expect_rc 1 "$bin" replay --variant dual-write --consumer inbox --seed 5 'broker down; create'
h2=$(grep '^trace-hash: ' /tmp/dwsim_cli_out.$$)
[ -n "$h1" ] && [ "$h1" = "$h2" ] || { echo "FAIL: trace hashes differ: '$h1' '$h2'"; fail=1; }

t "replay: all hold -> exit 0"
expect_rc 0 "$bin" replay --variant outbox --consumer inbox 'create; relay; consume'

t "replay --from a corpus entry"
line=$(grep -n "^dual-write inbox lost-event" "$corpus" | head -n 1 | cut -d: -f1)
expect_rc 1 "$bin" replay --from "$corpus" --line "$line"
grep -q '^trace-hash: ' /tmp/dwsim_cli_out.$$ || { echo "FAIL: no trace-hash"; fail=1; }

t "bad input: one line, exit 2"
for args in "prove --cases 0" "prove --bogus" "check" "check --variant nope" "replay 'create; explode'" \
            "replay --consumer greedy create" "frobnicate" "replay" "prove --seed -1"; do
  eval "expect_rc 2 \"$bin\" $args"
  lines=$(wc -l </tmp/dwsim_cli_err.$$)
  [ "$lines" -eq 1 ] || { echo "FAIL: '$args' printed $lines error lines"; cat /tmp/dwsim_cli_err.$$; fail=1; }
  grep -q '^dwsim: ' /tmp/dwsim_cli_err.$$ || { echo "FAIL: '$args' error lacks the dwsim: prefix"; fail=1; }
done
t "scenario --mode sim: the seed's table in simulation (no infrastructure needed)"
sc() {  # sc <scenario> <variant> <want rc> <python expression over d>
  expect_rc "$3" "$bin" scenario "$1" --mode sim --variant "$2" --json
  python3 -c "import json,sys; d=json.load(open('/tmp/dwsim_cli_out.$$')); sys.exit(0 if ($4) else 1)" \
    || { echo "FAIL: scenario $1 --variant $2: $(cat /tmp/dwsim_cli_out.$$)"; fail=1; }
}
sc phantom-event dual-write 1 'not d["existsInDb"] and d["eventInKafka"] and d["clientSaw"]==200'
sc lost-event dual-write 1 'd["existsInDb"] and not d["eventInKafka"] and d["clientSaw"]==201'
sc natural-phantom dual-write 1 'not d["existsInDb"] and d["eventInKafka"] and d["clientSaw"]==500'
sc cursor-gap outbox-cursor 1 '"lost-event" in d["violations"]'
sc relay-crash-duplicate outbox 1 'd["violations"]==["duplicate-event"] and d["charges"]==1'
for s in happy-path phantom-event lost-event natural-phantom cursor-gap; do sc "$s" outbox 0 'd["violations"]==[]'; done

t "unreachable PostgreSQL: exit 4 within 10 s, the error names the address"
start=$(date +%s)
DWSIM_PG_URL=postgresql://mars:mars@127.0.0.1:1/orders_db expect_rc 4 "$bin" smoke
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -le 10 ] || { echo "FAIL: took ${elapsed}s"; fail=1; }
grep -q '127.0.0.1:1' /tmp/dwsim_cli_err.$$ || { echo "FAIL: address not named: $(cat /tmp/dwsim_cli_err.$$)"; fail=1; }
for args in "scenario" "scenario nope" "scenario lost-event --mode moon" "replay --mode moon create" \
            "conformance --sequences 0" "bench --mode moon" "smoke extra" "serve --port 70000" \
            "serve --port x" "serve --variant nope" "serve --threads 0" "serve extra" "smoke --url http://x:1" \
            "smoke --http --url ftp://x" "events" "events order.created --since 0:x" \
            "events order.created --offsets --since 0:1"; do
  eval "expect_rc 2 \"$bin\" $args"
  lines=$(wc -l </tmp/dwsim_cli_err.$$)
  [ "$lines" -eq 1 ] || { echo "FAIL: '$args' printed $lines error lines"; cat /tmp/dwsim_cli_err.$$; fail=1; }
done
t "serve with PostgreSQL unreachable: exit 4 naming the address, no listener left"
DWSIM_PG_URL=postgresql://mars:mars@127.0.0.1:1/orders_db expect_rc 4 "$bin" serve --port 0
grep -q '127.0.0.1:1' /tmp/dwsim_cli_err.$$ || { echo "FAIL: address not named: $(cat /tmp/dwsim_cli_err.$$)"; fail=1; }
rm -f /tmp/dwsim_cli_out.$$ /tmp/dwsim_cli_err.$$
[ "$fail" -eq 0 ] && echo "cli: ok"
exit "$fail"
