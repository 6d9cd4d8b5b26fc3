#!/usr/bin/env bash
# The full test suite, from a fresh clone: packages, release build, every
# ctest label; then the property tests once more under AddressSanitizer and
# UndefinedBehaviorSanitizer. Exit status is ctest's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/deps.sh
scripts/build.sh release
echo "== ctest (release): every label" >&2
ctest --preset release --output-on-failure
echo "== ctest (asan-ubsan): property tests under sanitizers" >&2
scripts/build.sh asan-ubsan
ctest --preset asan-ubsan -L property --output-on-failure
