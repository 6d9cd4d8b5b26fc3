#!/usr/bin/env bash
# Determinism lint: the simulator and everything it drives (domain/, sim/,
# scenarios/) must not read real time or real randomness, start threads, or
# use std:: distributions (their output differs between standard libraries).
# Also: no unordered containers, whose iteration order is not specified.
# scenarios/real_runner.cpp plays sequences on real infrastructure in real
# time, but reads no clock itself: real time is read in real/ (World).
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
pattern='std::random_device|system_clock::now|steady_clock::now|high_resolution_clock::now|std::this_thread::sleep|[^a-z_]rand\(\)|srand\(|std::uniform_(int|real)_distribution|std::[a-z_]*_distribution|std::thread\b|std::async|getpid\(\)|time\(NULL\)|time\(nullptr\)|gettimeofday|clock_gettime|std::unordered_(map|set|multimap|multiset)'
hits=$(grep -rnE "$pattern" "$root/domain" "$root/sim" "$root/scenarios" \
  --include='*.h' --include='*.hpp' --include='*.cpp' --include='*.cc' 2>/dev/null | grep -v '_test\.cc:')
if [ -n "$hits" ]; then
  echo "nondeterminism in domain/, sim/ or scenarios/:"
  echo "$hits"
  exit 1
fi
echo "determinism lint: ok"
