// The seed every property test runs with: fixed by default, printed, and
// changed through DWSIM_SEED or RC_PARAMS="seed=N" (RapidCheck's own knob).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

namespace dwsim::testing {

inline std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t s = 20261204;
    if (const char* rc = std::getenv("RC_PARAMS")) {
      const std::string params = rc;
      const auto at = params.find("seed=");
      if (at != std::string::npos) s = std::stoull(params.substr(at + 5));
    }
    if (const char* env = std::getenv("DWSIM_SEED")) s = std::stoull(env);
    std::cout << "dwsim property tests: seed " << s << " (set DWSIM_SEED or RC_PARAMS=\"seed=N\" to change it)\n";
    return s;
  }();
  return seed;
}

inline int test_cases(int fallback) {
  if (const char* env = std::getenv("DWSIM_CASES")) return std::max(1, std::atoi(env));
  return fallback;
}

}  // namespace dwsim::testing
