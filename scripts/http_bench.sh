#!/usr/bin/env bash
# HTTP benchmark of the order service (`dwsim serve`) on the real
# infrastructure, with wrk.
#
#   bash scripts/http_bench.sh [--quick] [--json] [--variants "dual-write outbox"]
#                              [--get-variant V] [--threads N] [--keep]
#
# For each variant: start `dwsim serve --variant V` on a free port from 18090
# up, wait for /actuator/health, warm up with a short wrk run, then measure
# POST /orders with `wrk -t2 -c32 -d${DURATION}s --latency`. For outbox
# variants the relay backlog left after the run, and how long the relay needs
# to drain it, are measured too (polled every 100 ms, up to 60 s). On one
# variant's server (--get-variant, default outbox if measured, else the first
# variant) it creates 1,000 orders with curl and measures GET /orders/{id}
# round-robin over them. Each server is stopped with SIGTERM; it must drain
# and exit 0.
#
# Options:
#   --quick             3 s per measured run (default DURATION, else 10 s)
#   --json              one JSON object on stdout instead of the table
#   --variants "V ..."  variants to measure (default "dual-write publish-after-commit outbox";
#                       also outbox-cursor, outbox-mark-before-ack)
#   --get-variant V     whose server serves the GET run ("none": no GET run)
#   --threads N         pass --threads N to `dwsim serve` (its pool; default: the server's)
#   --keep              keep the work directory (wrk outputs, server logs) and print its path
#
# Environment: DURATION (seconds, default 10), DWSIM_BIN (default
# <repo>/build/release/cli/dwsim), DWSIM_PG_URL (default
# postgresql://mars:mars@127.0.0.1:5432/orders_db), DWSIM_BENCH_PORT (first
# port tried, default 18090), DWSIM_BENCH_GET_IDS (orders created for the GET
# run, default 1000).
#
# Targets (reported with PASS/FAIL, they never change the exit code): outbox
# >= 2,000 orders/s, outbox p99 <= 50 ms, outbox >= 80% of dual-write's
# orders/s, GET >= 10,000 req/s.
#
# Progress goes to stderr, prefixed "http_bench: "; stdout carries only the
# table (or the JSON). Exit codes: 0 measured (whatever the targets say);
# 1 a measurement failed (a server did not start, died or did not exit 0 on
# SIGTERM, wrk failed, non-2xx responses or socket errors above 1%, orders
# for the GET run could not be created); 2 usage; 3 a tool or the binary is
# missing (wrk when it cannot be installed, curl, psql); 4 the infrastructure
# is down (run ./dwsim infra up).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DWSIM=${DWSIM_BIN:-$root/build/release/cli/dwsim}
PG_URL=${DWSIM_PG_URL:-postgresql://mars:mars@127.0.0.1:5432/orders_db}
WRK_DIR=$root/bench/wrk
WRK_THREADS=2
WRK_CONNECTIONS=32
WARMUP_S=2
DRAIN_TIMEOUT_S=60
HEALTH_TIMEOUT_S=60
STOP_TIMEOUT_S=30
ERROR_PERCENT=1
next_port=${DWSIM_BENCH_PORT:-18090}
get_ids=${DWSIM_BENCH_GET_IDS:-1000}
duration=${DURATION:-10}
KNOWN_VARIANTS="dual-write publish-after-commit outbox outbox-cursor outbox-mark-before-ack"

say() { printf 'http_bench: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  say "$*"
  exit "$code"
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit 0
}

json=0
keep=0
variants="dual-write publish-after-commit outbox"
get_variant=""
serve_threads=()
while (($#)); do
  case $1 in
    --quick) duration=3 ;;
    --json) json=1 ;;
    --keep) keep=1 ;;
    --variants)
      (($# >= 2)) || die 2 "--variants needs a list, e.g. --variants \"dual-write outbox\""
      variants=$2
      shift
      ;;
    --variants=*) variants=${1#*=} ;;
    --get-variant)
      (($# >= 2)) || die 2 "--get-variant needs a variant (or none)"
      get_variant=$2
      shift
      ;;
    --get-variant=*) get_variant=${1#*=} ;;
    --threads)
      (($# >= 2)) || die 2 "--threads needs a number"
      serve_threads=(--threads "$2")
      shift
      ;;
    -h | --help) usage ;;
    *) die 2 "unknown argument '$1' (try --help)" ;;
  esac
  shift
done

[[ $duration =~ ^[1-9][0-9]*$ ]] || die 2 "DURATION must be a positive number of seconds, not '$duration'"
[[ $get_ids =~ ^[1-9][0-9]*$ ]] || die 2 "DWSIM_BENCH_GET_IDS must be a positive number, not '$get_ids'"
[[ $next_port =~ ^[1-9][0-9]*$ ]] || die 2 "DWSIM_BENCH_PORT must be a port number, not '$next_port'"
read -r -a variant_list <<<"$variants"
((${#variant_list[@]})) || die 2 "--variants is empty"
for v in "${variant_list[@]}"; do
  [[ " $KNOWN_VARIANTS " == *" $v "* ]] || die 2 "unknown variant '$v' ($KNOWN_VARIANTS)"
done
if [[ -z $get_variant ]]; then
  get_variant=${variant_list[0]}
  [[ " ${variant_list[*]} " == *" outbox "* ]] && get_variant=outbox
fi
if [[ $get_variant != none && " ${variant_list[*]} " != *" $get_variant "* ]]; then
  die 2 "--get-variant $get_variant is not among the measured variants (${variant_list[*]})"
fi

# --- preconditions ----------------------------------------------------------
[[ -x $DWSIM ]] || die 3 "no dwsim binary at $DWSIM (build it: scripts/build.sh release, or set DWSIM_BIN)"
for tool in curl psql awk; do
  command -v "$tool" >/dev/null || die 3 "'$tool' is missing (Debian: apt-get install -y ${tool/psql/postgresql-client})"
done
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "wrk is missing; installing it (apt-get install -y wrk)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2; then
      DEBIAN_FRONTEND=noninteractive apt-get update >&2 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2 || true
    fi
  fi
  command -v wrk >/dev/null || die 3 "wrk is missing and could not be installed (as root: apt-get install -y wrk)"
fi
if ! infra_status=$(bash "$root/scripts/infra.sh" status 2>&1); then
  printf '%s\n' "$infra_status" >&2
  die 4 "the infrastructure (PostgreSQL + Kafka) is not running: start it with ./dwsim infra up"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dwsim-http-bench.XXXXXX")
SERVER_PID=""
problems=()
problem() {
  problems+=("$*")
  say "PROBLEM: $*"
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping server (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if ((keep)) || ((rc != 0)) || ((${#problems[@]})); then
    say "work directory kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
pg() { PGCONNECT_TIMEOUT=5 psql "$PG_URL" -XAtqc "$1"; }

# The relay backlog of an outbox variant (rows not yet published).
backlog() {
  case $1 in
    outbox-cursor)
      pg "SELECT count(*) FROM outbox WHERE id > coalesce((SELECT last_id FROM relay_cursor WHERE name = 'outbox-cursor'), 0)"
      ;;
    *) pg "SELECT count(*) FROM outbox" ;;
  esac
}
uses_outbox() { [[ $1 == outbox* ]]; }

# Polls the backlog every 100 ms until it is 0; prints the seconds it took,
# or "timeout" after DRAIN_TIMEOUT_S.
drain_seconds() {
  local variant=$1 start n i
  start=$(now)
  for ((i = 0; i <= DRAIN_TIMEOUT_S * 10; i++)); do
    n=$(backlog "$variant" 2>/dev/null) || n=""
    if [[ $n == 0 ]]; then
      elapsed "$start"
      return 0
    fi
    sleep 0.1
  done
  printf 'timeout\n'
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_server VARIANT: sets SERVER_PID, SERVER_PORT, SERVER_LOG; returns 1
# (with a problem recorded) when the server does not become healthy.
start_server() {
  local variant=$1 tries code rc i
  for ((tries = 0; tries < 20; tries++)); do
    SERVER_PORT=$next_port
    next_port=$((next_port + 1))
    if port_taken "$SERVER_PORT"; then
      say "port $SERVER_PORT is in use; trying the next one"
      continue
    fi
    SERVER_LOG=$work/server-$variant-$SERVER_PORT.log
    "$DWSIM" serve --variant "$variant" --port "$SERVER_PORT" "${serve_threads[@]}" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    for ((i = 0; i < HEALTH_TIMEOUT_S * 10; i++)); do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        rc=0
        wait "$SERVER_PID" || rc=$?
        SERVER_PID=""
        if ((rc == 6)); then # the server's exit code when it cannot listen
          say "port $SERVER_PORT: $(tail -n 1 "$SERVER_LOG"); trying the next one"
          continue 2
        fi
        problem "$variant: the server exited with code $rc while starting; its log ends with: $(tail -n 3 "$SERVER_LOG" | tr '\n' ' ' | grep . || echo '(empty log)')"
        return 1
      fi
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$SERVER_PORT/actuator/health" || true)
      if [[ $code == 200 ]]; then
        say "$variant: server pid $SERVER_PID healthy on port $SERVER_PORT after $(awk -v n="$i" 'BEGIN { printf "%.1f", n / 10 }') s (log $SERVER_LOG)"
        return 0
      fi
      sleep 0.1
    done
    problem "$variant: the server did not answer /actuator/health with 200 within ${HEALTH_TIMEOUT_S} s (last status $code)"
    stop_server "$variant"
    return 1
  done
  problem "$variant: no free port from ${DWSIM_BENCH_PORT:-18090} to $((next_port - 1))"
  return 1
}

# stop_server VARIANT: SIGTERM, wait for the drain; sets STOP_RC and STOP_S
# (the exit code and the seconds it took).
stop_server() {
  local variant=$1 start rc=0 i
  STOP_RC="" STOP_S=""
  [[ -n $SERVER_PID ]] || return 0
  start=$(now)
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    problem "$variant: the server did not exit within ${STOP_TIMEOUT_S} s of SIGTERM; killed"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  ((rc == 0)) || problem "$variant: the server exited with code $rc after SIGTERM (expected 0); log: $SERVER_LOG"
  STOP_RC=$rc
  STOP_S=$(elapsed "$start")
}

# parse_wrk FILE: prints "requests rps p50 p75 p90 p99 non2xx errors" (ms),
# or fails when the output has no result.
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n
      if (u == "s") return n * 1000
      if (u == "m") return n * 60000
      if (u == "h") return n * 3600000
      return -1
    }
    /^[ \t]*50%/ { p50 = ms($2) }
    /^[ \t]*75%/ { p75 = ms($2) }
    /^[ \t]*90%/ { p90 = ms($2) }
    /^[ \t]*99%/ { p99 = ms($2) }
    /^[ \t]*[0-9]+ requests in / { requests = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { line = $0; gsub(/[^0-9 ]/, " ", line); n = split(line, f, " ")
                       for (i = 1; i <= n; i++) errors += f[i] }
    END {
      if (requests == "" || rps == "" || p99 == "" || p50 < 0 || p99 < 0) exit 1
      printf "%d %.1f %.3f %.3f %.3f %.3f %d %d\n", requests, rps, p50, p75, p90, p99, non2xx + 0, errors + 0
    }' "$1"
}

# run_wrk NAME SECONDS LUA URL [ENV=VALUE...]: runs wrk, output in $work/NAME.wrk.
run_wrk() {
  local name=$1 seconds=$2 lua=$3 url=$4
  shift 4
  if ! env "$@" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${seconds}s" --latency -s "$lua" "$url" \
    >"$work/$name.wrk" 2>&1; then
    problem "$name: wrk failed: $(tail -n 3 "$work/$name.wrk" | tr '\n' ' ')"
    return 1
  fi
}

# measure NAME KEY-PREFIX SECONDS LUA URL [ENV=VALUE...]: runs wrk and stores
# the figures in R[KEY-PREFIX.*]; records a problem for >1% non-2xx / errors.
declare -A R=()
measure() {
  local name=$1 key=$2 seconds=$3 lua=$4 url=$5 parsed
  shift 5
  run_wrk "$name" "$seconds" "$lua" "$url" "$@" || return 1
  if ! parsed=$(parse_wrk "$work/$name.wrk"); then
    problem "$name: cannot parse wrk's output: $(tr '\n' ' ' <"$work/$name.wrk")"
    return 1
  fi
  local requests rps p50 p75 p90 p99 non2xx errors
  read -r requests rps p50 p75 p90 p99 non2xx errors <<<"$parsed"
  R[$key.requests]=$requests R[$key.rps]=$rps R[$key.p50]=$p50 R[$key.p75]=$p75
  R[$key.p90]=$p90 R[$key.p99]=$p99 R[$key.non2xx]=$non2xx R[$key.errors]=$errors
  say "$name: $rps req/s, p50 $p50 ms, p90 $p90 ms, p99 $p99 ms, $requests requests, $non2xx non-2xx, $errors socket errors"
  if ((requests == 0)); then
    problem "$name: no request completed"
    return 1
  fi
  if ((non2xx * 100 > requests * ERROR_PERCENT)); then
    problem "$name: $non2xx of $requests responses were not 2xx/3xx (more than ${ERROR_PERCENT}%)"
  fi
  if ((errors * 100 > requests * ERROR_PERCENT)); then
    problem "$name: $errors socket errors (connect/read/write/timeout) for $requests requests (more than ${ERROR_PERCENT}%)"
  fi
  return 0
}

# Creates get_ids orders through the API (one curl, keep-alive); ids in $work/ids.txt.
create_orders() {
  local url=$1 body out created i
  body='{"customerId":"550e8400-e29b-41d4-a716-446655440000","items":[{"productId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","quantity":2,"unitPrice":149.95}]}'
  out=$work/create-orders.out
  {
    printf 'header = "Content-Type: application/json"\n'
    for ((i = 0; i < get_ids; i++)); do printf 'url = "%s/orders"\n' "$url"; done
  } | curl -sS --max-time 300 -K - --data "$body" -w ' %{http_code}\n' >"$out" 2>&1 || true
  sed -n 's/^{"orderId":"\([0-9a-fA-F-]\{36\}\)"} 201$/\1/p' "$out" >"$work/ids.txt"
  created=$(wc -l <"$work/ids.txt")
  if ((created != get_ids)); then
    problem "GET: created $created of $get_ids orders with curl (see $out)"
    return 1
  fi
  local first code
  first=$(head -n 1 "$work/ids.txt")
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/orders/$first" || true)
  if [[ $code != 200 ]]; then
    problem "GET: GET /orders/$first answered $code, not 200"
    return 1
  fi
  say "GET: created $created orders through POST /orders"
}

# Counts the server log's WARN/ERROR lines and the http lines with a status >= 400.
scan_log() {
  local key=$1 log=$2
  local warn error http
  read -r warn error http < <(awk '
    $2 == "WARN" { w++ } $2 == "ERROR" || $2 == "FATAL" { e++ }
    $3 == "http" && $6 ~ /^[0-9]+$/ && $6 >= 400 { h++ }
    END { printf "%d %d %d\n", w, e, h }' "$log")
  R[$key.log_warn]=$warn R[$key.log_error]=$error R[$key.log_http_errors]=$http
  if ((warn + error > 0)); then
    say "$key: server log has $warn WARN and $error ERROR line(s); the first:"
    awk '$2 == "WARN" || $2 == "ERROR" || $2 == "FATAL"' "$log" | head -n 5 | sed 's/^/    /' >&2
  fi
  # Lines that are not the server's own log format (crash messages, sanitizer reports, ...).
  local foreign
  foreign=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (INFO|WARN|ERROR|DEBUG) ' "$log" || true)
  R[$key.log_other]=$foreign
  if ((foreign > 0)); then
    say "$key: server log has $foreign line(s) in another format; the first:"
    grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (INFO|WARN|ERROR|DEBUG) ' "$log" | head -n 5 | sed 's/^/    /' >&2
  fi
}

# --- the runs -----------------------------------------------------------------
# Other work on the machine skews the figures: note the load before we start.
loadavg=$(awk '{ print $1 }' /proc/loadavg 2>/dev/null || echo "")
say "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${duration}s --latency, warm-up ${WARMUP_S} s; variants: ${variant_list[*]}; GET on: $get_variant; load average ${loadavg:-?}"
post_lua=$WRK_DIR/post_orders.lua
get_lua=$WRK_DIR/get_orders.lua
[[ -r $post_lua && -r $get_lua ]] || die 3 "missing wrk scripts in $WRK_DIR"
declare -A measured=()

for v in "${variant_list[@]}"; do
  start_server "$v" || continue
  url=http://127.0.0.1:$SERVER_PORT
  R[$v.port]=$SERVER_PORT
  if run_wrk "$v-warmup" "$WARMUP_S" "$post_lua" "$url/orders"; then
    if uses_outbox "$v"; then
      d=$(drain_seconds "$v")
      [[ $d == timeout ]] && problem "$v: the relay did not drain the warm-up's outbox rows within ${DRAIN_TIMEOUT_S} s"
    fi
    if uses_outbox "$v"; then R[$v.backlog_before]=$(backlog "$v"); fi
    if measure "$v-post" "$v" "$duration" "$post_lua" "$url/orders"; then
      measured[$v]=1
      if uses_outbox "$v"; then
        R[$v.backlog_after]=$(backlog "$v")
        if [[ ${R[$v.backlog_after]} == 0 ]]; then R[$v.drain_s]=0; else R[$v.drain_s]=$(drain_seconds "$v"); fi
        if [[ ${R[$v.drain_s]} == timeout ]]; then
          R[$v.backlog_end]=$(backlog "$v")
          problem "$v: the relay did not drain the outbox within ${DRAIN_TIMEOUT_S} s (backlog ${R[$v.backlog_after]} -> ${R[$v.backlog_end]})"
        fi
        say "$v: outbox backlog after the run ${R[$v.backlog_after]} row(s); drained in ${R[$v.drain_s]} s"
      fi
    fi
  fi
  if [[ $v == "$get_variant" ]] && create_orders "$url"; then
    if run_wrk get-warmup "$WARMUP_S" "$get_lua" "$url" "DWSIM_BENCH_IDS=$work/ids.txt" &&
      measure get get "$duration" "$get_lua" "$url" "DWSIM_BENCH_IDS=$work/ids.txt"; then
      measured[get]=1
    fi
  fi
  stop_server "$v"
  R[$v.exit]=$STOP_RC R[$v.stop_s]=$STOP_S
  say "$v: server exited with code ${R[$v.exit]} ${R[$v.stop_s]} s after SIGTERM"
  scan_log "$v" "$SERVER_LOG"
  if [[ ${R[$v.log_http_errors]} != 0 ]]; then
    say "$v: the server logged ${R[$v.log_http_errors]} response(s) with status >= 400"
  fi
done

# --- targets and report -------------------------------------------------------
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# target NAME: sets T[NAME] to true/false/null and D[NAME] to the figure behind it.
declare -A T=() D=()
T[outbox_rps]=null T[outbox_p99]=null T[outbox_vs_dual_write]=null T[get_rps]=null
if [[ -n ${measured[outbox]:-} ]]; then
  D[outbox_rps]="${R[outbox.rps]} orders/s"
  if ge "${R[outbox.rps]}" 2000; then T[outbox_rps]=true; else T[outbox_rps]=false; fi
  D[outbox_p99]="${R[outbox.p99]} ms"
  if ge 50 "${R[outbox.p99]}"; then T[outbox_p99]=true; else T[outbox_p99]=false; fi
  if [[ -n ${measured[dual-write]:-} ]]; then
    ratio=$(awk -v a="${R[outbox.rps]}" -v b="${R[dual-write.rps]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')
    D[outbox_vs_dual_write]="$ratio% of dual-write's ${R[dual-write.rps]} orders/s"
    if ge "$ratio" 80; then T[outbox_vs_dual_write]=true; else T[outbox_vs_dual_write]=false; fi
  fi
fi
if [[ -n ${measured[get]:-} ]]; then
  D[get_rps]="${R[get.rps]} req/s"
  if ge "${R[get.rps]}" 10000; then T[get_rps]=true; else T[get_rps]=false; fi
fi

num() { if [[ -n ${1:-} ]]; then printf '%s' "$1"; else printf 'null'; fi; }
jstr() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/ }
  s=${s//$'\t'/ }
  printf '"%s"' "$s"
}

if ((json)); then
  {
    printf '{"duration_s":%s,"wrk_threads":%s,"connections":%s,"warmup_s":%s,"loadavg_1m_before":%s,"cpus":%s,' \
      "$duration" "$WRK_THREADS" "$WRK_CONNECTIONS" "$WARMUP_S" "$(num "$loadavg")" "$(num "$(nproc 2>/dev/null || true)")"
    printf '"variants":{'
    sep=""
    for v in "${variant_list[@]}"; do
      printf '%s%s:{"measured":%s' "$sep" "$(jstr "$v")" "$([[ -n ${measured[$v]:-} ]] && echo true || echo false)"
      for f in requests_per_s:rps p50_ms:p50 p75_ms:p75 p90_ms:p90 p99_ms:p99 requests:requests non2xx:non2xx \
        errors:errors; do
        printf ',"%s":%s' "${f%%:*}" "$(num "${R[$v.${f#*:}]:-}")"
      done
      if uses_outbox "$v"; then
        printf ',"outbox_backlog_before":%s,"outbox_backlog_after":%s' \
          "$(num "${R[$v.backlog_before]:-}")" "$(num "${R[$v.backlog_after]:-}")"
        drain=${R[$v.drain_s]:-}
        [[ $drain == timeout ]] && drain=""
        printf ',"drain_s":%s,"drained":%s' "$(num "$drain")" \
          "$([[ -n $drain ]] && echo true || echo false)"
      fi
      printf ',"server_port":%s,"server_exit":%s,"server_stop_s":%s' "$(num "${R[$v.port]:-}")" \
        "$(num "${R[$v.exit]:-}")" "$(num "${R[$v.stop_s]:-}")"
      printf ',"log_warn":%s,"log_error":%s,"log_http_errors":%s,"log_other":%s}' \
        "$(num "${R[$v.log_warn]:-}")" "$(num "${R[$v.log_error]:-}")" \
        "$(num "${R[$v.log_http_errors]:-}")" "$(num "${R[$v.log_other]:-}")"
      sep=,
    done
    printf '},"get":'
    if [[ $get_variant == none ]]; then
      printf 'null'
    else
      printf '{"variant":%s,"ids":%s,"measured":%s' "$(jstr "$get_variant")" "$get_ids" \
        "$([[ -n ${measured[get]:-} ]] && echo true || echo false)"
      for f in requests_per_s:rps p50_ms:p50 p90_ms:p90 p99_ms:p99 requests:requests non2xx:non2xx errors:errors; do
        printf ',"%s":%s' "${f%%:*}" "$(num "${R[get.${f#*:}]:-}")"
      done
      printf '}'
    fi
    printf ',"targets":{"outbox_rps_ge_2000":%s,"outbox_p99_le_50ms":%s,"outbox_within_20pct_of_dual_write":%s,"get_rps_ge_10000":%s}' \
      "${T[outbox_rps]}" "${T[outbox_p99]}" "${T[outbox_vs_dual_write]}" "${T[get_rps]}"
    printf ',"problems":['
    sep=""
    for p in "${problems[@]}"; do
      printf '%s%s' "$sep" "$(jstr "$p")"
      sep=,
    done
    printf '],"ok":%s}\n' "$(if ((${#problems[@]})); then echo false; else echo true; fi)"
  }
else
  printf 'dwsim HTTP bench: wrk -t%s -c%s -d%ss --latency (after a %s s warm-up); server, PostgreSQL, Kafka and wrk\n' \
    "$WRK_THREADS" "$WRK_CONNECTIONS" "$duration" "$WARMUP_S"
  printf 'on this machine (%s CPUs, load average %s before the runs)\n\n' "$(nproc 2>/dev/null || echo '?')" "${loadavg:-?}"
  row() { printf '%-24s %10s %9s %9s %9s %9s %9s %8s %7s\n' "$@"; }
  row "POST /orders" "req/s" "p50 ms" "p75 ms" "p90 ms" "p99 ms" "requests" "non-2xx" "errors"
  for v in "${variant_list[@]}"; do
    if [[ -n ${measured[$v]:-} ]]; then
      row "$v" "${R[$v.rps]}" "${R[$v.p50]}" "${R[$v.p75]}" "${R[$v.p90]}" "${R[$v.p99]}" \
        "${R[$v.requests]}" "${R[$v.non2xx]}" "${R[$v.errors]}"
    else
      printf '%-24s %10s\n' "$v" "not measured (see the problems below)"
    fi
  done
  if [[ $get_variant != none ]]; then
    if [[ -n ${measured[get]:-} ]]; then
      row "GET /orders/{id}" "${R[get.rps]}" "${R[get.p50]}" "${R[get.p75]}" "${R[get.p90]}" \
        "${R[get.p99]}" "${R[get.requests]}" "${R[get.non2xx]}" "${R[get.errors]}"
      printf '  (GET on the %s server, round-robin over %s orders created with POST beforehand)\n' "$get_variant" "$get_ids"
    else
      printf '%-24s %10s\n' "GET /orders/{id}" "not measured (see the problems below)"
    fi
  fi
  printf '\n'
  for v in "${variant_list[@]}"; do
    if uses_outbox "$v" && [[ -n ${R[$v.backlog_after]:-} ]]; then
      if [[ ${R[$v.drain_s]} == timeout ]]; then
        printf '%s relay: backlog %s row(s) after the run, NOT drained within %s s (%s left)\n' \
          "$v" "${R[$v.backlog_after]}" "$DRAIN_TIMEOUT_S" "${R[$v.backlog_end]:-?}"
      else
        printf '%s relay: backlog %s row(s) after the run (%s before), drained to 0 in %s s\n' \
          "$v" "${R[$v.backlog_after]}" "${R[$v.backlog_before]:-?}" "${R[$v.drain_s]}"
      fi
    fi
  done
  for v in "${variant_list[@]}"; do
    [[ -n ${R[$v.exit]:-} ]] || continue
    printf '%s server: exit %s %s s after SIGTERM; log: %s WARN, %s ERROR, %s other line(s), %s response(s) >= 400\n' \
      "$v" "${R[$v.exit]}" "${R[$v.stop_s]}" "${R[$v.log_warn]}" "${R[$v.log_error]}" "${R[$v.log_other]}" \
      "${R[$v.log_http_errors]}"
  done
  printf '\ntargets\n'
  mark() {
    case ${T[$1]} in
      true) printf '  [PASS] %-40s %s\n' "$2" "${D[$1]}" ;;
      false) printf '  [FAIL] %-40s %s\n' "$2" "${D[$1]}" ;;
      *) printf '  [ -- ] %-40s %s\n' "$2" "not measured" ;;
    esac
  }
  mark outbox_rps "outbox >= 2,000 orders/s"
  mark outbox_p99 "outbox p99 <= 50 ms"
  mark outbox_vs_dual_write "outbox within 20% of dual-write"
  mark get_rps "GET /orders/{id} >= 10,000 req/s"
  if ((${#problems[@]})); then
    printf '\nproblems\n'
    printf '  - %s\n' "${problems[@]}"
  fi
fi

((${#problems[@]} == 0)) || exit 1
exit 0
