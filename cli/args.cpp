#include "cli/args.h"

#include <charconv>

namespace dwsim::cli {

Args::Args(const std::vector<std::string>& argv, std::set<std::string> value_flags, std::set<std::string> bool_flags) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (bool_flags.count(name)) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
      bools_.insert(name);
    } else if (value_flags.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value");
        value = argv[++i];
      }
      if (values_.count(name)) throw UsageError("--" + name + " given twice");
      values_[name] = value;
    } else {
      throw UsageError("unknown flag --" + name);
    }
  }
}

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t Args::u64(const std::string& flag, std::uint64_t fallback) const {
  auto v = value(flag);
  if (!v) return fallback;
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc{} || p != v->data() + v->size() || v->empty()) {
    throw UsageError("--" + flag + " expects a non-negative integer, got '" + *v + "'");
  }
  return out;
}

int Args::positive_int(const std::string& flag, int fallback, int max) const {
  auto v = value(flag);
  if (!v) return fallback;
  int out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc{} || p != v->data() + v->size() || out < 1 || out > max) {
    throw UsageError("--" + flag + " expects an integer from 1 to " + std::to_string(max) + ", got '" + *v + "'");
  }
  return out;
}

}  // namespace dwsim::cli
