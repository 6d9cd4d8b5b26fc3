#include "scenarios/command.h"

#include <charconv>

namespace dwsim::scenarios {
namespace {

using domain::Errc;
using domain::make_error;
using domain::Uuid;

const char* bad_name(BadField b) {
  switch (b) {
    case BadField::none: return "none";
    case BadField::customer: return "customer";
    case BadField::items: return "items";
    case BadField::product: return "product";
    case BadField::quantity: return "quantity";
    case BadField::price: return "price";
  }
  return "?";
}
const char* commit_name(CommitFaultKind f) {
  switch (f) {
    case CommitFaultKind::none: return "none";
    case CommitFaultKind::fail: return "fail";
    case CommitFaultKind::ambiguous: return "ambiguous";
    case CommitFaultKind::lost: return "lost";
  }
  return "?";
}
const char* produce_name(ProduceFaultKind f) {
  switch (f) {
    case ProduceFaultKind::none: return "none";
    case ProduceFaultKind::ambiguous: return "ambiguous";
    case ProduceFaultKind::retry: return "retry";
  }
  return "?";
}

void append_faults(std::string& out, const Command& c, bool with_produce) {
  if (c.delay_ms) out += " d=" + std::to_string(c.delay_ms);
  if (c.crash != domain::CrashPoint::none) out += std::string(" crash=") + domain::crash_point_name(c.crash);
  if (c.commit != CommitFaultKind::none) out += std::string(" commit=") + commit_name(c.commit);
  if (with_produce && c.produce != ProduceFaultKind::none) out += std::string(" produce=") + produce_name(c.produce);
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != '\r') ++j;
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

domain::Result<int> small_int(std::string_view word, std::string_view value, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || p != value.data() + value.size() || v < lo || v > hi) {
    return make_error(Errc::validation, "bad value in '" + std::string(word) + "': expected an integer in [" +
                                            std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

template <typename E, std::size_t N>
domain::Result<E> one_of(std::string_view word, std::string_view value, const E (&options)[N],
                         const char* (*name)(E)) {
  for (E e : options) {
    if (value == name(e)) return e;
  }
  std::string allowed;
  for (E e : options) allowed += std::string(allowed.empty() ? "" : "|") + name(e);
  return make_error(Errc::validation, "bad value in '" + std::string(word) + "': expected " + allowed);
}

}  // namespace

std::string encode(const Command& c) {
  std::string out;
  switch (c.kind) {
    case CommandKind::create:
      out = "create";
      if (c.key >= 0) out += " k=" + std::to_string(c.key);
      if (c.customer) out += " c=" + std::to_string(c.customer);
      if (c.items != 1) out += " n=" + std::to_string(c.items);
      if (c.bad != BadField::none) out += std::string(" bad=") + bad_name(c.bad);
      if (c.rollback) out += " rollback";
      append_faults(out, c, true);
      return out;
    case CommandKind::get: return "get o=" + std::to_string(c.order);
    case CommandKind::cancel: return "cancel o=" + std::to_string(c.order);
    case CommandKind::relay:
      out = "relay";
      append_faults(out, c, true);
      return out;
    case CommandKind::consume:
      out = "consume";
      append_faults(out, c, false);
      return out;
    case CommandKind::broker_down: return "broker down";
    case CommandKind::broker_up: return "broker up";
  }
  return "?";
}

std::string encode(const std::vector<Command>& commands) {
  std::string out;
  for (const Command& c : commands) {
    if (!out.empty()) out += "; ";
    out += encode(c);
  }
  return out;
}

domain::Result<Command> decode_command(std::string_view text) {
  const auto w = words(text);
  if (w.empty()) return make_error(Errc::validation, "empty command");
  Command c;
  const std::string_view verb = w[0];
  if (verb == "broker") {
    if (w.size() != 2 || (w[1] != "down" && w[1] != "up")) {
      return make_error(Errc::validation, "expected 'broker down' or 'broker up' in '" + std::string(text) + "'");
    }
    c.kind = w[1] == "down" ? CommandKind::broker_down : CommandKind::broker_up;
    return c;
  }
  if (verb == "create") c.kind = CommandKind::create;
  else if (verb == "get") c.kind = CommandKind::get;
  else if (verb == "cancel") c.kind = CommandKind::cancel;
  else if (verb == "relay") c.kind = CommandKind::relay;
  else if (verb == "consume") c.kind = CommandKind::consume;
  else return make_error(Errc::validation, "unknown command '" + std::string(verb) +
                                               "' (expected create, get, cancel, relay, consume, broker)");

  static constexpr BadField kBad[] = {BadField::customer, BadField::items, BadField::product, BadField::quantity,
                                      BadField::price};
  static constexpr CommitFaultKind kCommit[] = {CommitFaultKind::fail, CommitFaultKind::ambiguous,
                                                CommitFaultKind::lost};
  static constexpr ProduceFaultKind kProduce[] = {ProduceFaultKind::ambiguous, ProduceFaultKind::retry};
  const bool is_create = c.kind == CommandKind::create;
  const bool is_step = is_create || c.kind == CommandKind::relay || c.kind == CommandKind::consume;
  const bool is_lookup = c.kind == CommandKind::get || c.kind == CommandKind::cancel;
  bool saw_order = false;
  for (std::size_t i = 1; i < w.size(); ++i) {
    const std::string_view word = w[i];
    const auto eq = word.find('=');
    const std::string_view name = word.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : word.substr(eq + 1);
    auto reject = [&]() {
      return make_error(Errc::validation, "'" + std::string(word) + "' does not apply to '" + std::string(verb) + "'");
    };
    if (is_create && word == "rollback") {
      c.rollback = true;
      continue;
    }
    if (eq == std::string_view::npos) return reject();
    if (is_create && name == "k") {
      auto v = small_int(word, value, 0, 1'000'000);
      if (!v) return v.error();
      c.key = *v;
    } else if (is_create && name == "c") {
      auto v = small_int(word, value, 0, 2);
      if (!v) return v.error();
      c.customer = *v;
    } else if (is_create && name == "n") {
      auto v = small_int(word, value, 1, 3);
      if (!v) return v.error();
      c.items = *v;
    } else if (is_create && name == "bad") {
      auto v = one_of(word, value, kBad, bad_name);
      if (!v) return v.error();
      c.bad = *v;
    } else if (is_lookup && name == "o") {
      auto v = small_int(word, value, 0, 1'000'000);
      if (!v) return v.error();
      c.order = *v;
      saw_order = true;
    } else if (is_step && name == "d") {
      auto v = small_int(word, value, 0, 10'000);
      if (!v) return v.error();
      c.delay_ms = *v;
    } else if (is_step && name == "crash") {
      auto p = domain::parse_crash_point(value);
      if (!p || *p == domain::CrashPoint::none) {
        return make_error(Errc::validation, "unknown crash point in '" + std::string(word) + "'");
      }
      c.crash = *p;
    } else if (is_step && name == "commit") {
      auto v = one_of(word, value, kCommit, commit_name);
      if (!v) return v.error();
      c.commit = *v;
    } else if ((is_create || c.kind == CommandKind::relay) && name == "produce") {
      auto v = one_of(word, value, kProduce, produce_name);
      if (!v) return v.error();
      c.produce = *v;
    } else {
      return reject();
    }
  }
  if (is_lookup && !saw_order) return make_error(Errc::validation, "'" + std::string(verb) + "' needs o=N");
  return c;
}

domain::Result<std::vector<Command>> decode(std::string_view text) {
  std::vector<Command> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(';', start);
    const std::string_view part = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
    if (!words(part).empty()) {
      auto c = decode_command(part);
      if (!c) {
        return make_error(Errc::validation,
                          "command " + std::to_string(out.size() + 1) + ": " + c.error().message);
      }
      out.push_back(*c);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (out.empty()) return make_error(Errc::validation, "the command sequence is empty");
  return out;
}

domain::CreateOrderRequest request_for(const Command& c) {
  // The seed's example customer and product first, then the lost-event procedure's.
  static const Uuid kCustomers[] = {*Uuid::parse("550e8400-e29b-41d4-a716-446655440000"),
                                    *Uuid::parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
                                    *Uuid::parse("3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4a5b")};
  static const Uuid kProducts[] = {*Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                                   *Uuid::parse("11111111-2222-3333-4444-555555555555"),
                                   *Uuid::parse("7c9e6679-7425-40de-944b-e07fc1f90ae7")};
  static const std::int64_t kCents[] = {14995, 9999, 500};
  static const int kQuantities[] = {2, 1, 3};
  domain::CreateOrderRequest r;
  r.customer_id = kCustomers[c.customer % 3];
  for (int i = 0; i < c.items; ++i) {
    r.items.push_back(domain::ItemRequest{kProducts[i % 3], kQuantities[i % 3],
                                          domain::Money::from_cents(kCents[i % 3])});
  }
  if (c.key >= 0) r.idempotency_key = "key-" + std::to_string(c.key);
  switch (c.bad) {
    case BadField::none: break;
    case BadField::customer: r.customer_id.reset(); break;
    case BadField::items: r.items.clear(); break;
    case BadField::product: r.items[0].product_id.reset(); break;
    case BadField::quantity: r.items[0].quantity = 0; break;
    case BadField::price: r.items[0].unit_price = domain::Money::from_cents(0); break;
  }
  return r;
}

}  // namespace dwsim::scenarios
