// A small, strict command-line parser: every flag must be known to the
// subcommand, every value well-formed; anything else is a one-line error
// naming the problem (exit code 2).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace dwsim::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // value_flags take a value (--x V or --x=V); bool_flags take none.
  Args(const std::vector<std::string>& argv, std::set<std::string> value_flags, std::set<std::string> bool_flags);

  bool has(const std::string& flag) const { return values_.count(flag) || bools_.count(flag); }
  std::optional<std::string> value(const std::string& flag) const;
  std::uint64_t u64(const std::string& flag, std::uint64_t fallback) const;
  int positive_int(const std::string& flag, int fallback, int max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> bools_;
  std::vector<std::string> positional_;
};

}  // namespace dwsim::cli
