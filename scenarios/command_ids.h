// CommandIds: ids drawn from (seed, command index) instead of the world's one
// sequence, so the order a command creates has the same id in simulation and
// on real infrastructure whatever the interleaving. Used by the real runner
// always, and by the simulator when RunOptions::per_command_ids is set (the
// conformance test); the proof search keeps the world's sequence.
#pragma once

#include <cstdint>

#include "domain/ports.h"

namespace dwsim::scenarios {

class CommandIds final : public domain::IdSource {
 public:
  CommandIds(std::uint64_t seed, std::uint32_t command_index)
      : state_(seed * 0x9e3779b97f4a7c15ull + command_index * 0xbf58476d1ce4e5b9ull + 1) {}
  domain::Uuid next() override {
    const std::uint64_t hi = mix();
    return domain::Uuid::v4_from_bits(hi, mix());
  }

 private:
  std::uint64_t mix() {  // SplitMix64
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace dwsim::scenarios
