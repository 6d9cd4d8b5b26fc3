#!/usr/bin/env bash
# Configures (once) and builds (incrementally) one CMake preset. Build output
# goes to build/<preset>/build.log; on failure its tail is shown. Everything
# is printed on stderr so that stdout stays clean for --json output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset=${1:-release}
dir="$root/build/$preset"
mkdir -p "$dir"
log="$dir/build.log"
cd "$root"
if [ ! -f "$dir/build.ninja" ]; then
  echo "dwsim: configuring ($preset)" >&2
  if ! cmake --preset "$preset" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "dwsim: configure failed; full log: $log" >&2
    exit 2
  fi
fi
if ninja -C "$dir" -n 2>/dev/null | grep -q '^\['; then
  echo "dwsim: building ($preset; the first build takes a few minutes)" >&2
fi
if ! cmake --build --preset "$preset" >"$log" 2>&1; then
  grep -E 'error|Error' "$log" | head -n 40 >&2 || true
  echo "dwsim: build failed; full log: $log" >&2
  exit 2
fi
