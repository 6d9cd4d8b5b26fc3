// Money: exact decimal with two places, held as integer cents. Never floating
// point. Bounded by NUMERIC(10,2), the column type of the seed's schema.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace dwsim::domain {

class Money {
 public:
  // NUMERIC(10,2): at most 8 integer digits.
  static constexpr std::int64_t kMaxCents = 9'999'999'999;

  constexpr Money() = default;
  static constexpr Money from_cents(std::int64_t cents) { return Money(cents); }

  // Parses "149.95", "3", "0.5". Rejects more than two decimals, signs other
  // than a leading '-', exponents and anything beyond NUMERIC(10,2).
  static Result<Money> parse(std::string_view text);

  constexpr std::int64_t cents() const { return cents_; }
  // "149.95", always two decimals.
  std::string str() const;

  auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(std::int64_t cents) : cents_(cents) {}
  std::int64_t cents_ = 0;
};

}  // namespace dwsim::domain
