#include "domain/money.h"

namespace dwsim::domain {

Result<Money> Money::parse(std::string_view text) {
  const std::string shown(text);
  if (text.empty()) return make_error(Errc::validation, "money amount is empty");
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  std::int64_t units = 0;
  int int_digits = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9') return make_error(Errc::validation, "malformed money amount: " + shown);
    units = units * 10 + (text[i] - '0');
    if (++int_digits > 8) return make_error(Errc::validation, "money amount exceeds NUMERIC(10,2): " + shown);
  }
  if (int_digits == 0) return make_error(Errc::validation, "malformed money amount: " + shown);
  std::int64_t fraction = 0;
  int frac_digits = 0;
  if (i < text.size()) {
    ++i;  // the '.'
    if (i == text.size()) return make_error(Errc::validation, "malformed money amount: " + shown);
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return make_error(Errc::validation, "malformed money amount: " + shown);
      if (++frac_digits > 2) {
        return make_error(Errc::validation, "money amount has more than 2 decimal places: " + shown);
      }
      fraction = fraction * 10 + (text[i] - '0');
    }
  }
  if (frac_digits == 1) fraction *= 10;
  const std::int64_t cents = units * 100 + fraction;
  return Money(negative ? -cents : cents);
}

std::string Money::str() const {
  const bool negative = cents_ < 0;
  const std::int64_t magnitude = negative ? -cents_ : cents_;
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / 100);
  out.push_back('.');
  const std::int64_t fraction = magnitude % 100;
  out.push_back(static_cast<char>('0' + fraction / 10));
  out.push_back(static_cast<char>('0' + fraction % 10));
  return out;
}

}  // namespace dwsim::domain
