#!/usr/bin/env bash
# Starts and stops the real infrastructure of dwsim's real-infrastructure
# tests on this machine, without Docker: a PostgreSQL 15 server (Debian's
# `postgresql` package) and an Apache Kafka 3.9 broker (resolved from Maven
# Central with the machine's Maven, run with the machine's Java in KRaft mode).
#
#   scripts/infra.sh up            start both (installs, downloads, creates what is missing)
#   scripts/infra.sh down          stop both (data is kept)
#   scripts/infra.sh status        state of each; exit 0 only if both are healthy
#   scripts/infra.sh env           the export lines for DWSIM_PG_URL and DWSIM_KAFKA_BROKERS
#   scripts/infra.sh broker-stop [--kill]   stop the Kafka broker only (SIGTERM, or SIGKILL)
#   scripts/infra.sh broker-start           start it again and wait until it is healthy
#   scripts/infra.sh pg-stop [--kill]       stop PostgreSQL only (fast shutdown, or SIGKILL)
#   scripts/infra.sh pg-start               start it again and wait until it is healthy
#   scripts/infra.sh reset         down, then delete both servers' data (not the downloads)
#
# Addresses (fixed): PostgreSQL 127.0.0.1:5432, database orders_db, role
# mars/mars; Kafka 127.0.0.1:9092 (controller 127.0.0.1:9093), topics
# order.created (3 partitions), order.cancelled (1) and dwsim.probe (1).
#
# State lives in $DWSIM_INFRA_DIR (default <repo>/.infra): pg/ (PostgreSQL
# data), kafka/data/ (Kafka log, kept across restarts), log/ (postgresql.log,
# kafka.log, kafka.out, maven.log, kafka-tools.log), run/ (pid files, lock,
# socket). The downloads (m2/ and kafka/libs/) live in $DWSIM_INFRA_CACHE
# (default <repo>/.infra, even when DWSIM_INFRA_DIR is moved, so a relocated
# state directory does not download Kafka again).
#
# Environment: DWSIM_INFRA_DIR, DWSIM_INFRA_CACHE (above); DWSIM_PG_BIN (the
# PostgreSQL bin directory, default /usr/lib/postgresql/15/bin or the newest
# installed); JAVA_HOME (else `java` on PATH); DWSIM_INFRA_PG_TIMEOUT (60),
# DWSIM_INFRA_KAFKA_TIMEOUT (90) and DWSIM_INFRA_STOP_TIMEOUT (30), seconds.
#
# Messages go to stderr, prefixed "dwsim infra: "; stdout carries only what
# `env` prints. Exit codes: 0 ok; 1 failure (or `status`: not both healthy);
# 2 missing packages that cannot be installed (not root); 3 a port is taken by
# a process this script did not start; 4 a server did not become healthy in
# time (the tail of its log is printed); 64 usage.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
infra=$(abspath "${DWSIM_INFRA_DIR:-$root/.infra}")
cache=$(abspath "${DWSIM_INFRA_CACHE:-$root/.infra}")
infra=${infra%/}
cache=${cache%/}

run=$infra/run
logdir=$infra/log
pgdata=$infra/pg
kdir=$infra/kafka
kdata=$kdir/data
kconf=$kdir/server.properties
klibs=$cache/kafka/libs
m2=$cache/m2
cfgdir=$root/scripts/kafka

PG_HOST=127.0.0.1
PG_PORT=5432
PG_URL="postgresql://mars:mars@$PG_HOST:$PG_PORT/orders_db"
KAFKA_HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT"
# base64url("dwsim-local-test"): a fixed cluster id, so the data directory
# formatted once stays valid for every later start.
KAFKA_CLUSTER_ID=ZHdzaW0tbG9jYWwtdGVzdA
TOPICS=(order.created:3 order.cancelled:1 dwsim.probe:1)

PG_START_TIMEOUT=${DWSIM_INFRA_PG_TIMEOUT:-60}
KAFKA_START_TIMEOUT=${DWSIM_INFRA_KAFKA_TIMEOUT:-90}
STOP_TIMEOUT=${DWSIM_INFRA_STOP_TIMEOUT:-30}
MAVEN_TIMEOUT=900
APT_TIMEOUT=900

BROKER_JVM_OPTS=(-Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
  -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
# One-shot tools: start fast, small heap.
TOOL_JVM_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto
  -Djava.awt.headless=true "-Dlog4j.configuration=file:$cfgdir/tools-log4j.properties")

msg() { printf 'dwsim infra: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  msg "$@"
  exit "$code"
}
now_ms() { date +%s%3N; }
secs_since() { # start_ms -> "1.234"
  local d=$(($(now_ms) - $1))
  printf '%d.%03d' $((d / 1000)) $((d % 1000))
}
tail_log() { # file [lines]
  local f=$1 n=${2:-30}
  if [[ -s $f ]]; then
    msg "last lines of $f:"
    tail -n "$n" "$f" | sed 's/^/  | /' >&2
  else
    msg "($f is empty or missing)"
  fi
}
is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------- processes

alive() { # pid: exists and is not a zombie
  local pid=${1:-} st
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  st=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z ]]
}
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
children_of() { # pid -> pids of its direct children
  local p f
  for f in /proc/[0-9]*/stat; do
    p=$(sed -n 's/^.*) . \([0-9]*\) .*$/\1/p' "$f" 2>/dev/null) || continue
    if [[ $p == "$1" ]]; then
      f=${f#/proc/}
      echo "${f%/stat}"
    fi
  done
}
wait_gone() { # timeout_s pid...: 0 when all have exited
  local deadline=$(($(now_ms) + $1 * 1000)) p any
  shift
  while :; do
    any=0
    for p in "$@"; do alive "$p" && any=1; done
    [[ $any -eq 0 ]] && return 0
    [[ $(now_ms) -ge $deadline ]] && return 1
    sleep 0.1
  done
}
# Runs a command with every inherited file descriptor above 2 closed (our
# lock, a test runner's pipes), so a server started through it holds none.
CLOSE_FDS='for f in /proc/$$/fd/*; do n=${f##*/}; if [[ $n -gt 2 && -e $f ]]; then eval "exec $n>&-"; fi; done; exec "$@"'

port_open() { # port: something accepts connections on 127.0.0.1:port
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}
port_owner() { # port -> "pid N (name)" when ss can tell
  command -v ss >/dev/null 2>&1 || return 0
  ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/pid \2 (\1)/p' | head -n 1
}
port_pid() { port_owner "$1" | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
require_port_free() { # port what
  if port_open "$1"; then
    local owner
    owner=$(port_owner "$1")
    die 3 "port $1 (needed by $2) is taken by a process this script did not start${owner:+: $owner}; stop it, then run this again"
  fi
}

# ---------------------------------------------------------------- packages

pg_bin=""
find_pg_bin() {
  local d
  if [[ -n ${DWSIM_PG_BIN:-} ]]; then
    pg_bin=$DWSIM_PG_BIN
    return 0
  fi
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    pg_bin=/usr/lib/postgresql/15/bin
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x $d/pg_ctl && -x $d/psql ]]; then
      pg_bin=$d
      return 0
    fi
  done
  return 1
}
java_cmd() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then echo "$JAVA_HOME/bin/java"; else echo java; fi
}
kafka_libs_ready() { [[ -f $klibs/.dwsim-stamp && $(cat "$klibs/.dwsim-stamp") == "$(pom_hash)" ]]; }
pom_hash() { sha256sum "$cfgdir/pom.xml" | cut -d' ' -f1; }

ensure_packages() { # [pg] [kafka]
  local want_pg=0 want_kafka=0 a missing=() installed_pg=0
  for a in "$@"; do
    case $a in pg) want_pg=1 ;; kafka) want_kafka=1 ;; esac
  done
  if [[ $want_pg -eq 1 ]] && ! find_pg_bin; then missing+=(postgresql); fi
  if [[ $want_kafka -eq 1 ]]; then
    if ! command -v "$(java_cmd)" >/dev/null 2>&1; then missing+=(default-jre-headless); fi
    if ! kafka_libs_ready && ! command -v mvn >/dev/null 2>&1; then missing+=(maven); fi
  fi
  command -v perl >/dev/null 2>&1 || missing+=(perl-base)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local line="apt-get update && apt-get install -y ${missing[*]}"
  if ! is_root; then
    msg "missing Debian packages: ${missing[*]}"
    die 2 "install them with:  sudo sh -c '$line'"
  fi
  msg "installing ${missing[*]} (apt-get update && apt-get install)"
  export DEBIAN_FRONTEND=noninteractive
  local aptlog
  aptlog=$(mktemp /tmp/dwsim-infra-apt.XXXXXX)
  if ! timeout "$APT_TIMEOUT" apt-get update -qq >"$aptlog" 2>&1 ||
    ! timeout "$APT_TIMEOUT" apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1; then
    tail_log "$aptlog" 20
    rm -f "$aptlog"
    die 2 "apt-get failed; run by hand:  $line"
  fi
  rm -f "$aptlog"
  for a in "${missing[@]}"; do [[ $a == postgresql ]] && installed_pg=1; done
  if [[ $installed_pg -eq 1 ]]; then
    find_pg_bin || die 2 "postgresql is installed but no /usr/lib/postgresql/*/bin/pg_ctl was found"
    # Debian's package creates and, where services may start, starts its own
    # cluster on port 5432; it was started by this install, so stop it.
    if command -v pg_lsclusters >/dev/null 2>&1; then
      local ver name port status _
      while read -r ver name port status _; do
        if [[ $status == online* ]]; then
          msg "stopping Debian's default cluster $ver/$name (port $port), started by the install"
          pg_ctlcluster "$ver" "$name" stop >&2 || true
        fi
      done < <(pg_lsclusters -h 2>/dev/null || true)
    fi
  fi
}

# ---------------------------------------------------------------- layout, lock

make_dirs() {
  mkdir -p "$infra" "$run" "$logdir" "$kdir" 2>/dev/null || true
  if [[ ! -w $run || ! -w $logdir || ! -w $kdir ]]; then
    die 1 "$infra is not writable by $(id -un); run as its owner or set DWSIM_INFRA_DIR"
  fi
  chmod 755 "$infra" "$run" "$logdir" 2>/dev/null || true
}
lockfd=""
take_lock() { # once per run: a second flock on a new descriptor would wait for ourselves
  [[ -n $lockfd ]] && return 0
  make_dirs
  exec {lockfd}>"$run/lock"
  if ! flock -w 1200 "$lockfd"; then
    die 4 "another scripts/infra.sh has held $run/lock for 20 minutes; giving up"
  fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_super() { if is_root; then echo postgres; else id -un; fi; }
as_pg() { # command...: as the postgres OS user when root, from /
  if is_root; then
    (cd / && runuser -u postgres -- bash -c "$CLOSE_FDS" _ "$@")
  else
    (cd / && bash -c "$CLOSE_FDS" _ "$@")
  fi
}
pg_sockdir() {
  local d=$run/pgsock
  # A Unix socket path must fit in 107 bytes.
  if [[ $((${#d} + 16)) -gt 100 ]]; then
    d=/tmp/dwsim-pgsock-$(id -u)-$(printf '%s' "$infra" | md5sum | cut -c1-10)
  fi
  echo "$d"
}
pg_pid() { # echo the pid of our postmaster, if it runs
  local pid=""
  [[ -f $run/postgres.pid ]] && pid=$(head -n 1 "$run/postgres.pid" 2>/dev/null || true)
  if alive "$pid" && [[ $(cmdline "$pid") == *"-D $pgdata "* ]]; then
    echo "$pid"
    return 0
  fi
  # Adopt a postmaster of our data directory whose pid file was lost.
  pid=$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null || true)
  if alive "$pid" && [[ $(cmdline "$pid") == *"-D $pgdata "* ]]; then
    [[ -d $run ]] && echo "$pid" >"$run/postgres.pid"
    echo "$pid"
    return 0
  fi
  rm -f "$run/postgres.pid" 2>/dev/null || true
  return 1
}
pg_healthy() { # as mars, over TCP
  PGCONNECT_TIMEOUT=3 timeout 10 "$pg_bin/psql" -X -Atq "$PG_URL" -c 'select 1' </dev/null 2>/dev/null | grep -qx 1
}
# The postgres OS user must be able to reach $infra: make each directory on
# the way traversable (o+x) where it is not.
pg_ensure_reachable() {
  is_root || return 0
  if runuser -u postgres -- test -x "$infra/." 2>/dev/null && runuser -u postgres -- bash -c 'cd "$1"' _ "$infra" 2>/dev/null; then
    return 0
  fi
  local d=$infra fixed=()
  while [[ -n $d && $d != / ]]; do
    if (((0$(stat -c %a "$d") & 1) == 0)); then
      chmod o+x "$d" || die 1 "cannot make $d traversable for the postgres user"
      fixed+=("$d")
    fi
    d=$(dirname "$d")
  done
  [[ ${#fixed[@]} -gt 0 ]] && msg "made ${fixed[*]} traversable (o+x) for the postgres user"
  runuser -u postgres -- bash -c 'cd "$1"' _ "$infra" 2>/dev/null ||
    die 1 "the postgres user cannot reach $infra; set DWSIM_INFRA_DIR to a directory it can reach"
}
pg_init() {
  if [[ -f $pgdata/PG_VERSION ]]; then
    if is_root && [[ $(stat -c %U "$pgdata") != postgres ]]; then
      chown -R postgres: "$pgdata"
    fi
    return 0
  fi
  pg_ensure_reachable
  rm -rf "$pgdata"
  mkdir -m 700 "$pgdata"
  is_root && chown postgres: "$pgdata"
  msg "postgresql: initdb $pgdata"
  local out
  if ! out=$(as_pg "$pg_bin/initdb" -D "$pgdata" -U "$(pg_super)" --encoding=UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 </dev/null 2>&1); then
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    rm -rf "$pgdata"
    die 1 "postgresql: initdb failed"
  fi
  cat >>"$pgdata/postgresql.conf" <<EOF

# ---- dwsim (scripts/infra.sh) ----
listen_addresses = '$PG_HOST'
port = $PG_PORT
max_connections = 200
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}
pg_start() { # up|restart
  local mode=$1 pid
  if pid=$(pg_pid); then
    msg "postgresql: already running (pid $pid)"
    return 0
  fi
  if [[ ! -f $pgdata/PG_VERSION ]]; then
    [[ $mode == up ]] || die 1 "postgresql: $pgdata is not initialised; run scripts/infra.sh up"
    pg_init
  fi
  require_port_free "$PG_PORT" postgresql
  pg_ensure_reachable
  local sock log=$logdir/postgresql.log t0
  sock=$(pg_sockdir)
  mkdir -p "$sock"
  chmod 700 "$sock" # trust auth on this socket: only its owner (and root) may use it
  touch "$log"
  if is_root; then chown postgres: "$sock" "$log" "$pgdata"; fi
  t0=$(now_ms)
  pg_clear_stale_pidfile
  local out rc=0
  out=$(as_pg timeout $((PG_START_TIMEOUT + 10)) "$pg_bin/pg_ctl" -D "$pgdata" -l "$log" -w \
    -t "$PG_START_TIMEOUT" -s -o "-k '$sock'" start </dev/null 2>&1) || rc=$?
  pid=$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null || true)
  if [[ $rc -ne 0 ]]; then
    [[ -n $out ]] && printf '%s\n' "$out" | sed 's/^/  | /' >&2
    if alive "$pid" && [[ $(cmdline "$pid") == *"-D $pgdata "* ]]; then
      echo "$pid" >"$run/postgres.pid"
      pg_stop kill quiet
    fi
    tail_log "$log"
    if [[ $rc -eq 124 || $(($(now_ms) - t0)) -ge $((PG_START_TIMEOUT * 1000)) ]]; then
      die 4 "postgresql: did not start within ${PG_START_TIMEOUT}s"
    fi
    die 4 "postgresql: failed to start (pg_ctl exit $rc)"
  fi
  echo "$pid" >"$run/postgres.pid"
  if [[ $mode == up ]]; then pg_setup; fi
  local deadline=$(($(now_ms) + PG_START_TIMEOUT * 1000))
  until pg_healthy; do
    if [[ $(now_ms) -ge $deadline ]] || ! alive "$pid"; then
      pg_stop kill quiet
      tail_log "$log"
      die 4 "postgresql: started but 'select 1' as mars on $PG_HOST:$PG_PORT/orders_db did not answer within ${PG_START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  msg "postgresql: running (pid $pid, $PG_HOST:$PG_PORT), ready in $(secs_since "$t0") s"
}
# A postmaster killed with SIGKILL leaves postmaster.pid behind. PostgreSQL
# removes it itself when that pid is gone, but takes a zombie (killed, not
# yet reaped: some container inits reap only every few seconds) for a live
# server and refuses to start. Wait for the reaping, then remove the file.
pg_clear_stale_pidfile() {
  local pid
  pid=$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  alive "$pid" && return 0
  local deadline=$(($(now_ms) + 10000))
  while [[ -e /proc/$pid && $(now_ms) -lt $deadline ]]; do sleep 0.1; done
  if [[ -e /proc/$pid ]] && ! alive "$pid"; then
    msg "postgresql: removing the stale postmaster.pid of exited pid $pid (a zombie not yet reaped)"
    rm -f "$pgdata/postmaster.pid"
  fi
  return 0
}
pg_setup() { # role mars, database orders_db; idempotent
  local out
  if ! out=$(as_pg "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$(pg_sockdir)" -p "$PG_PORT" \
    -U "$(pg_super)" -d postgres 2>&1 <<'SQL'
SET client_min_messages = warning;
SELECT 'CREATE ROLE mars' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mars')\gexec
-- REPLICATION for logical decoding (wal_level=logical); pg_signal_backend for
-- pg_terminate_backend. Not a superuser.
ALTER ROLE mars WITH LOGIN REPLICATION PASSWORD 'mars';
GRANT pg_signal_backend TO mars;
SELECT 'CREATE DATABASE orders_db OWNER mars' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'orders_db')\gexec
ALTER DATABASE orders_db OWNER TO mars;
SQL
  ); then
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    die 1 "postgresql: creating role mars / database orders_db failed"
  fi
}
pg_stop() { # normal|kill [quiet]
  local mode=$1 quiet=${2:-} pid t0 kids
  if ! pid=$(pg_pid); then
    [[ -z $quiet ]] && msg "postgresql: not running"
    return 0
  fi
  t0=$(now_ms)
  if [[ $mode == kill ]]; then
    # A crash: the postmaster and its children die at once. Killing only the
    # postmaster would leave backends holding its shared memory.
    kids=$(children_of "$pid")
    kill -KILL "$pid" $kids 2>/dev/null || true
    wait_gone 10 "$pid" $kids || die 1 "postgresql: pid $pid did not exit after SIGKILL"
  else
    # SIGINT is PostgreSQL's "fast" shutdown (SIGTERM, "smart", would wait for
    # every client to disconnect). Then SIGQUIT (immediate), then SIGKILL.
    kill -INT "$pid" 2>/dev/null || true
    if ! wait_gone "$STOP_TIMEOUT" "$pid"; then
      msg "postgresql: no exit ${STOP_TIMEOUT}s after SIGINT; sending SIGQUIT"
      kids=$(children_of "$pid")
      kill -QUIT "$pid" 2>/dev/null || true
      if ! wait_gone 10 "$pid"; then
        msg "postgresql: sending SIGKILL"
        kill -KILL "$pid" $kids 2>/dev/null || true
        wait_gone 10 "$pid" $kids || die 1 "postgresql: pid $pid did not exit after SIGKILL"
      fi
    fi
  fi
  rm -f "$run/postgres.pid"
  [[ -z $quiet ]] && msg "postgresql: stopped (pid $pid$([[ $mode == kill ]] && echo ', SIGKILL')) in $(secs_since "$t0") s"
  return 0
}

# ---------------------------------------------------------------- Kafka

# Kafka's Metadata request (v1) over a plain socket, in Perl (always on
# Debian): prints what it found and exits 0 when the broker answers with
# itself registered and every wanted topic (name:partitions) has that many
# partitions, each with a leader; 1 when some wanted topic is missing; 3 when
# one has another partition count; 2 when the broker is not (yet) usable.
read -r -d '' KAFKA_PROBE <<'PERL' || true
use strict; use warnings; use IO::Socket::INET;
my ($host, $port, $tmo, @want) = @ARGV;
$SIG{ALRM} = sub { print "error timeout\n"; exit 2 }; alarm($tmo);
my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => $tmo)
  or do { print "error connect\n"; exit 2 };
binmode $s;
my $body = pack('s> s> l> s>/a* l>', 3, 1, 7, 'dwsim-infra', -1);
my $req = pack('l>', length $body) . $body;
while (length $req) {
  my $n = syswrite($s, $req); defined $n or do { print "error write\n"; exit 2 };
  substr($req, 0, $n, '');
}
sub rd { my $n = shift; my $b = '';
  while (length $b < $n) { my $r = sysread($s, $b, $n - length $b, length $b); if (!$r) { print "error read\n"; exit 2 } }
  $b }
my $len = unpack('l>', rd(4));
($len > 0 && $len < 64 * 1024 * 1024) or do { print "error length\n"; exit 2 };
my $d = rd($len); my $o = 0;
sub i8 { my $v = unpack('c', substr($d, $o, 1)); $o += 1; $v }
sub i16 { my $v = unpack('s>', substr($d, $o, 2)); $o += 2; $v }
sub i32 { my $v = unpack('l>', substr($d, $o, 4)); $o += 4; $v }
sub str { my $n = i16(); return undef if $n < 0; my $v = substr($d, $o, $n); $o += $n; $v }
i32() == 7 or do { print "error correlation\n"; exit 2 };
my $nb = i32(); for (1 .. $nb) { i32(); str(); i32(); str(); }
my $ctl = i32();
my %t; my $nt = i32();
for (1 .. $nt) {
  my $err = i16(); my $name = str(); i8(); my $np = i32(); my $bad = $err ? 1 : 0;
  for (1 .. $np) { my $pe = i16(); i32(); my $leader = i32();
    my $r = i32(); $o += 4 * $r; my $i = i32(); $o += 4 * $i; $bad++ if $pe || $leader < 0 }
  $t{$name} = [$np, $bad];
}
print "brokers $nb controller $ctl topics $nt\n";
my $rc = ($nb >= 1 && $ctl >= 0) ? 0 : 2;
for my $w (@want) {
  my ($name, $parts) = split /:/, $w;
  if (!exists $t{$name}) { print "missing $name $parts\n"; $rc = 1 if $rc == 0; next }
  my ($np, $bad) = @{$t{$name}};
  if ($np != $parts) { print "partitions $name $np $parts\n"; $rc = 3 if $rc != 2; next }
  if ($bad) { print "leaderless $name $bad\n"; $rc = 2 }
}
exit $rc;
PERL
kafka_probe() { # sets probe_out, returns the probe's exit code
  local rc=0
  probe_out=$(perl -e "$KAFKA_PROBE" "$KAFKA_HOST" "$KAFKA_PORT" 3 "${TOPICS[@]}" 2>&1) || rc=$?
  return $rc
}
kafka_healthy() { # the broker serves metadata and no wanted topic lacks a leader
  local rc=0
  kafka_probe || rc=$?
  [[ $rc -ne 2 ]]
}
kafka_pid() {
  local pid="" want="kafka.Kafka $kconf"
  [[ -f $run/kafka.pid ]] && pid=$(head -n 1 "$run/kafka.pid" 2>/dev/null || true)
  if alive "$pid" && [[ $(cmdline "$pid") == *"$want"* ]]; then
    echo "$pid"
    return 0
  fi
  # Adopt our broker if its pid file was lost.
  pid=$(port_pid "$KAFKA_PORT")
  if alive "$pid" && [[ $(cmdline "$pid") == *"$want"* ]]; then
    [[ -d $run ]] && echo "$pid" >"$run/kafka.pid"
    echo "$pid"
    return 0
  fi
  rm -f "$run/kafka.pid" 2>/dev/null || true
  return 1
}
ensure_kafka_libs() {
  kafka_libs_ready && return 0
  mkdir -p "$cache/kafka"
  local clock
  exec {clock}>"$cache/kafka/.resolve.lock"
  flock -w "$MAVEN_TIMEOUT" "$clock" || die 4 "another resolve holds $cache/kafka/.resolve.lock"
  if kafka_libs_ready; then
    exec {clock}>&-
    return 0
  fi
  local version tmp=$cache/kafka/libs.tmp.$$ t0 log=$logdir/maven.log
  version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$cfgdir/pom.xml")
  msg "kafka: resolving org.apache.kafka:kafka_2.13:$version with Maven into $m2 (log: $log)"
  t0=$(now_ms)
  rm -rf "$tmp"
  if ! (cd "$cfgdir" && timeout "$MAVEN_TIMEOUT" mvn -B -q -Dstyle.color=never -f "$cfgdir/pom.xml" \
    "-Dmaven.repo.local=$m2" dependency:copy-dependencies -DincludeScope=runtime \
    "-DoutputDirectory=$tmp" </dev/null >"$log" 2>&1); then
    rm -rf "$tmp"
    tail_log "$log"
    die 1 "kafka: Maven could not resolve the broker's jars"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die 1 "kafka: Maven finished but $tmp holds no kafka_2.13 jar"
  rm -rf "$klibs"
  mv "$tmp" "$klibs"
  pom_hash >"$klibs/.dwsim-stamp"
  exec {clock}>&-
  msg "kafka: $(ls "$klibs"/*.jar | wc -l) jars in $klibs, resolved in $(secs_since "$t0") s"
}
kafka_prepare() { # config and formatted storage
  mkdir -p "$kdir"
  {
    cat "$cfgdir/server.properties"
    printf '\n# ---- added by scripts/infra.sh ----\nlog.dirs=%s\n' "$kdata"
  } >"$kconf.tmp"
  mv "$kconf.tmp" "$kconf"
  [[ -f $kdata/meta.properties ]] && return 0
  msg "kafka: formatting $kdata (cluster id $KAFKA_CLUSTER_ID)"
  local out
  if ! out=$("$(java_cmd)" "${TOOL_JVM_OPTS[@]}" -cp "$klibs/*" kafka.tools.StorageTool format \
    -t "$KAFKA_CLUSTER_ID" -c "$kconf" --ignore-formatted </dev/null 2>&1); then
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    die 1 "kafka: formatting the storage failed"
  fi
}
kafka_out_tail() { # what the JVM printed itself since the last start, if anything
  local f=$logdir/kafka.out lines
  lines=$(awk '/^==== .* kafka starting$/ { n = 0; delete l; next } { l[++n] = $0 } END { s = n > 20 ? n - 19 : 1; for (i = s; i <= n; i++) print l[i] }' "$f" 2>/dev/null || true)
  if [[ -n $lines ]]; then
    msg "the broker's own output ($f):"
    printf '%s\n' "$lines" | sed 's/^/  | /' >&2
  fi
}
kafka_start() { # up|restart
  local mode=$1 pid
  if pid=$(kafka_pid); then
    msg "kafka: already running (pid $pid)"
    return 0
  fi
  if [[ $mode != up && ! -f $kdata/meta.properties ]]; then
    die 1 "kafka: $kdata is not formatted; run scripts/infra.sh up"
  fi
  require_port_free "$KAFKA_PORT" kafka
  require_port_free "$KAFKA_CONTROLLER_PORT" "kafka's controller"
  ensure_kafka_libs
  kafka_prepare
  local out=$logdir/kafka.out t0
  rm -f "$run/kafka.pid"
  printf '==== %s kafka starting\n' "$(date -u +%FT%TZ)" >>"$out"
  t0=$(now_ms)
  # setsid -f: the broker gets its own session and is not our child, so a
  # Ctrl-C in the calling terminal or test runner does not reach it.
  setsid -f bash -c 'pidfile=$1; shift; echo $$ >"$pidfile"; '"$CLOSE_FDS" _ "$run/kafka.pid" \
    "$(java_cmd)" "${BROKER_JVM_OPTS[@]}" "-Dkafka.logs.dir=$logdir" \
    "-Dlog4j.configuration=file:$cfgdir/log4j.properties" -cp "$klibs/*" \
    kafka.Kafka "$kconf" </dev/null >>"$out" 2>&1
  local deadline=$(($(now_ms) + KAFKA_START_TIMEOUT * 1000))
  pid=""
  while [[ -z $pid ]]; do
    pid=$(head -n 1 "$run/kafka.pid" 2>/dev/null || true)
    [[ -n $pid ]] && break
    [[ $(now_ms) -ge $deadline ]] && die 4 "kafka: the broker process did not start"
    sleep 0.05
  done
  until kafka_healthy; do
    if ! alive "$pid"; then
      rm -f "$run/kafka.pid"
      tail_log "$logdir/kafka.log"
      kafka_out_tail
      die 4 "kafka: the broker (pid $pid) exited while starting"
    fi
    if [[ $(now_ms) -ge $deadline ]]; then
      kafka_stop kill quiet
      tail_log "$logdir/kafka.log"
      kafka_out_tail
      die 4 "kafka: the broker did not become healthy within ${KAFKA_START_TIMEOUT}s (${probe_out//$'\n'/; })"
    fi
    sleep 0.2
  done
  msg "kafka: running (pid $pid, $KAFKA_BROKERS), healthy in $(secs_since "$t0") s"
}
kafka_topics() { # create the missing topics, then wait until each has leaders
  local rc=0 line missing=() w
  kafka_probe || rc=$?
  while read -r -a line; do
    case ${line[0]:-} in
      missing) missing+=("${line[1]}:${line[2]}") ;;
      partitions) die 1 "kafka: topic ${line[1]} has ${line[2]} partitions, dwsim needs ${line[3]}; run scripts/infra.sh reset, then up" ;;
    esac
  done <<<"$probe_out"
  if [[ ${#missing[@]} -gt 0 ]]; then
    msg "kafka: creating topics ${missing[*]}"
    local pids=() log=$logdir/kafka-tools.log failed=0 p
    for w in "${missing[@]}"; do
      "$(java_cmd)" "${TOOL_JVM_OPTS[@]}" -cp "$klibs/*" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$KAFKA_BROKERS" --create --if-not-exists --topic "${w%%:*}" \
        --partitions "${w##*:}" --replication-factor 1 </dev/null >>"$log" 2>&1 &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    if [[ $failed -ne 0 ]]; then
      tail_log "$log"
      die 1 "kafka: creating topics failed"
    fi
  fi
  local deadline=$(($(now_ms) + 30 * 1000))
  rc=0
  until kafka_probe; do
    rc=$?
    if [[ $rc -eq 3 || $(now_ms) -ge $deadline ]]; then
      die 4 "kafka: topics not ready within 30s: ${probe_out//$'\n'/; }"
    fi
    sleep 0.2
  done
}
kafka_stop() { # normal|kill [quiet]
  local mode=$1 quiet=${2:-} pid t0
  if ! pid=$(kafka_pid); then
    [[ -z $quiet ]] && msg "kafka: not running"
    return 0
  fi
  t0=$(now_ms)
  if [[ $mode == kill ]]; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone 10 "$pid" || die 1 "kafka: pid $pid did not exit after SIGKILL"
  else
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$STOP_TIMEOUT" "$pid"; then
      msg "kafka: no exit ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone 10 "$pid" || die 1 "kafka: pid $pid did not exit after SIGKILL"
    fi
  fi
  rm -f "$run/kafka.pid"
  [[ -z $quiet ]] && msg "kafka: stopped (pid $pid$([[ $mode == kill ]] && echo ', SIGKILL')) in $(secs_since "$t0") s"
  return 0
}

# ---------------------------------------------------------------- commands

# If `up` fails after starting a server, stop what this run started.
up_started=()
up_cleanup() {
  local rc=$?
  if [[ $rc -ne 0 && ${#up_started[@]} -gt 0 ]]; then
    msg "up failed; stopping what this run started: ${up_started[*]}"
    local s
    for s in "${up_started[@]}"; do
      case $s in
        kafka) (kafka_stop normal quiet) || true ;;
        pg) (pg_stop normal quiet) || true ;;
      esac
    done
  fi
  exit $rc
}

cmd_up() {
  local t0
  t0=$(now_ms)
  ensure_packages pg kafka
  find_pg_bin
  take_lock
  # Fail on a foreign port before starting anything.
  pg_pid >/dev/null || require_port_free "$PG_PORT" postgresql
  if ! kafka_pid >/dev/null; then
    require_port_free "$KAFKA_PORT" kafka
    require_port_free "$KAFKA_CONTROLLER_PORT" "kafka's controller"
  fi
  ensure_kafka_libs
  trap up_cleanup EXIT
  if pg_pid >/dev/null; then
    msg "postgresql: already running (pid $(pg_pid))"
    pg_setup
  else
    up_started+=(pg)
    pg_start up
  fi
  pg_healthy || die 4 "postgresql: runs but 'select 1' as mars on $PG_HOST:$PG_PORT/orders_db fails"
  kafka_pid >/dev/null || up_started+=(kafka)
  kafka_start up
  kafka_topics
  trap - EXIT
  msg "took $(secs_since "$t0") s"
  msg "up (postgresql $PG_HOST:$PG_PORT, kafka $KAFKA_BROKERS)"
}
cmd_down() {
  [[ -d $infra ]] || {
    msg "nothing to stop ($infra does not exist)"
    return 0
  }
  take_lock
  kafka_stop normal
  pg_stop normal
  msg "down"
}
cmd_status() {
  local ok=0 pid owner
  find_pg_bin || true
  if pid=$(pg_pid); then
    if [[ -n $pg_bin ]] && pg_healthy; then
      msg "postgresql: running, healthy (pid $pid, $PG_URL)"
    else
      msg "postgresql: running but not answering 'select 1' as mars (pid $pid, $PG_HOST:$PG_PORT)"
      ok=1
    fi
  else
    owner=""
    port_open "$PG_PORT" && owner=" (port $PG_PORT is taken by another process$(o=$(port_owner "$PG_PORT"); [[ -n $o ]] && echo ": $o"))"
    msg "postgresql: stopped$owner"
    ok=1
  fi
  if pid=$(kafka_pid); then
    if kafka_healthy; then
      msg "kafka: running, healthy (pid $pid, $KAFKA_BROKERS; ${probe_out%%$'\n'*})"
    else
      msg "kafka: running but not healthy (pid $pid, $KAFKA_BROKERS; ${probe_out//$'\n'/; })"
      ok=1
    fi
  else
    owner=""
    port_open "$KAFKA_PORT" && owner=" (port $KAFKA_PORT is taken by another process$(o=$(port_owner "$KAFKA_PORT"); [[ -n $o ]] && echo ": $o"))"
    msg "kafka: stopped$owner"
    ok=1
  fi
  return $ok
}
cmd_env() {
  printf 'export DWSIM_PG_URL=%s\n' "$PG_URL"
  printf 'export DWSIM_KAFKA_BROKERS=%s\n' "$KAFKA_BROKERS"
}
cmd_reset() {
  cmd_down
  take_lock
  rm -rf "$pgdata" "$kdata" "$kconf" "$logdir"
  msg "reset: removed PostgreSQL and Kafka data and logs under $infra (downloads kept)"
}

usage() { # [exit code]
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit "${1:-64}"
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
kill_flag=normal
case $cmd in
  broker-stop | pg-stop)
    case ${1:-} in
      "") ;;
      --kill) kill_flag="kill" ;;
      *) usage ;;
    esac
    ;;
  *) [[ $# -eq 0 ]] || usage ;;
esac
case $cmd in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  reset) cmd_reset ;;
  broker-stop)
    [[ -d $infra ]] || exit 0
    take_lock
    kafka_stop "$kill_flag"
    ;;
  broker-start)
    ensure_packages kafka
    take_lock
    kafka_start restart
    ;;
  pg-stop)
    [[ -d $infra ]] || exit 0
    take_lock
    pg_stop "$kill_flag"
    ;;
  pg-start)
    ensure_packages pg
    find_pg_bin
    take_lock
    pg_start restart
    ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
