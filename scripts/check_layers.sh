#!/usr/bin/env bash
# Our ArchUnit: the dependency rule of the layers, checked on the sources.
#   domain/ includes nothing from pqxx, rdkafka, nlohmann, rapidcheck, sim/, real/, scenarios/, cli/
#   sim/    includes nothing from real/, scenarios/, cli/, pqxx, rdkafka
#   scenarios/ includes nothing from real/ adapters' vendors or cli/
# The CMake link lines enforce the same rule at build time.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
fail=0
check() {
  local dir=$1 pattern=$2 why=$3
  [ -d "$root/$dir" ] || return 0
  local hits
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" "$root/$dir" \
    --include='*.h' --include='*.hpp' --include='*.cpp' --include='*.cc' 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "layer violation: $why"
    echo "$hits"
    fail=1
  fi
}
check domain 'pqxx|librdkafka|rdkafka|nlohmann|rapidcheck|sim/|real/|scenarios/|cli/|bench/' \
  "domain/ must depend on the standard library and Boost.Asio only"
check sim 'pqxx|librdkafka|rdkafka|real/|scenarios/|cli/|bench/|rapidcheck' \
  "sim/ links domain only"
check scenarios 'pqxx|librdkafka|rdkafka|cli/|bench/|rapidcheck|nlohmann' \
  "scenarios/ links domain and sim (and real/ through the world interface) only"
check real 'sim/|scenarios/|cli/' "real/ links domain only; nothing of sim/ is used by real/"
if [ "$fail" -eq 0 ]; then echo "layers: ok"; fi
exit "$fail"
