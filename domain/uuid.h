// Uuid: a 128-bit identifier with the canonical 8-4-4-4-12 text form.
// Deterministic: the domain never generates one itself; IdSource does.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dwsim::domain {

struct Uuid {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  auto operator<=>(const Uuid&) const = default;
  bool is_nil() const { return hi == 0 && lo == 0; }

  // Canonical lower-case text form, 36 characters.
  std::string str() const;
  // First 8 hex digits, for timelines.
  std::string short_str() const;
  // Parses the canonical form (either case). nullopt on any deviation.
  static std::optional<Uuid> parse(std::string_view text);
  // A version-4 UUID from 128 random bits (the caller supplies the bits).
  static Uuid v4_from_bits(std::uint64_t hi, std::uint64_t lo);
};

}  // namespace dwsim::domain
