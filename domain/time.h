// Timestamp: microseconds since the Unix epoch, UTC. The domain only ever gets
// one from the Clock port, so simulation runs on virtual time.
#pragma once

#include <cstdint>
#include <string>

namespace dwsim::domain {

struct Timestamp {
  std::int64_t us = 0;
  auto operator<=>(const Timestamp&) const = default;
};

// ISO-8601 UTC, e.g. "2026-02-21T10:00:00Z" (".123456" added when not whole seconds).
std::string iso8601(Timestamp t);

}  // namespace dwsim::domain
