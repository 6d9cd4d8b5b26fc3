#!/usr/bin/env bash
# The full test suite, from a fresh clone: packages, release build, the local
# PostgreSQL and Kafka broker (scripts/infra.sh up, stopped again at the end
# if this script started them), every ctest label including real; then the
# property tests once more under AddressSanitizer and UndefinedBehaviorSanitizer,
# and the HTTP server fed every malformed request of real.http.errors.
# Exit status is ctest's (or infra's, if the infrastructure cannot start).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/deps.sh
scripts/build.sh release
started_infra=0
if ! scripts/infra.sh status >/dev/null 2>&1; then
  echo "== infra up: PostgreSQL and Kafka for the real-labelled tests" >&2
  scripts/infra.sh up
  started_infra=1
fi
cleanup() { if [ "$started_infra" -eq 1 ]; then scripts/infra.sh down || true; fi; }
trap cleanup EXIT
echo "== ctest (release): every label" >&2
ctest --preset release --output-on-failure
echo "== ctest (asan-ubsan): property tests and the HTTP server's error paths under sanitizers" >&2
scripts/build.sh asan-ubsan
ctest --preset asan-ubsan -L property --output-on-failure
ctest --preset asan-ubsan -R '^real[.]http[.]errors$' --output-on-failure
