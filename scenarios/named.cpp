#include "scenarios/named.h"

#include <cstdio>

#include "scenarios/command_ids.h"

namespace dwsim::scenarios {

const std::vector<NamedScenario>& named_scenarios() {
  static const std::vector<NamedScenario> all = {
      {"happy-path", "create; relay; consume", 1, domain::Variant::dual_write,
       "one order, no fault: committed, published once, charged once"},
      {"phantom-event", "create rollback; relay; consume", 1, domain::Variant::dual_write,
       "the chaos endpoint: the whole create runs, then the transaction is forced to roll back"},
      {"lost-event", "create; broker down; create c=1; relay; consume", 3, domain::Variant::dual_write,
       "the seed's lost-event procedure: an order created while the broker is stopped"},
      {"natural-phantom", "create k=1; create k=1; relay; consume", 2, domain::Variant::dual_write,
       "a client retries with the same idempotency key under the ORM's write-behind"},
      {"relay-crash-duplicate", "create; relay crash=after-mark-before-commit; relay; consume", 1,
       domain::Variant::outbox, "the relay crashes after publishing, before its delete commits"},
      {"cursor-gap", "create d=3; create; relay; relay; consume", 1, domain::Variant::outbox_cursor,
       "two transactions commit out of id order while the cursor relay runs"},
  };
  return all;
}

const NamedScenario* find_scenario(std::string_view name) {
  for (const auto& s : named_scenarios()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

std::string scenario_names() {
  std::string out;
  for (const auto& s : named_scenarios()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

domain::Uuid focus_order_id(std::uint64_t seed, int focus) {
  // Order::create takes the first id a create draws.
  return CommandIds(seed, static_cast<std::uint32_t>(focus)).next();
}

ScenarioReport make_report(const NamedScenario& s, std::string mode, domain::Variant variant,
                           domain::ConsumerKind consumer, std::uint64_t seed, const FinalState& state,
                           const std::vector<InvariantResult>& verdicts) {
  ScenarioReport r;
  r.scenario = s.name;
  r.mode = std::move(mode);
  r.variant = domain::variant_name(variant);
  r.consumer = domain::consumer_name(consumer);
  r.order_id = focus_order_id(seed, s.focus);
  r.exists_in_db = state.committed_orders.count(r.order_id) > 0;
  for (const auto& e : state.events) r.events_in_kafka += e.order_id == r.order_id ? 1 : 0;
  for (const auto& c : state.charges) r.charges += c.order_id == r.order_id ? 1 : 0;
  for (const auto& q : state.requests) {
    if (q.command_index == s.focus - 1) r.client_saw = q.status;
  }
  r.db_rolled_back = !r.exists_in_db;
  for (const auto& v : verdicts) {
    if (v.holds) continue;
    r.violations.push_back(invariant_name(v.invariant));
    if (r.explanation.empty()) r.explanation = v.explanation;
  }
  if (r.explanation.empty()) {
    r.explanation = "CONSISTENT: PostgreSQL and Kafka agree; every invariant holds.";
  }
  return r;
}

namespace {

std::string client_text(int status) {
  switch (status) {
    case 201: return "201 Created";
    case 200: return "200 (chaos report)";
    case 400: return "400 Bad Request";
    case 500: return "500 error";
    case 0: return "no response (crash)";
    default: return "never answered";
  }
}

}  // namespace

std::string render_report(const ScenarioReport& r) {
  const std::string db = r.exists_in_db ? "order EXISTS" : "order does NOT exist";
  const std::string kafka = r.events_in_kafka == 0   ? "event does NOT exist"
                            : r.events_in_kafka == 1 ? "event EXISTS"
                                                     : std::to_string(r.events_in_kafka) + " events (duplicate)";
  std::string verdict = "consistent";
  if (!r.violations.empty()) {
    verdict.clear();
    for (const auto& v : r.violations) verdict += (verdict.empty() ? "" : ", ") + v;
  }
  char buf[1024];
  std::string out;
  std::snprintf(buf, sizeof buf, "scenario %s  mode=%s  variant=%s  consumer=%s\norder %s\n\n", r.scenario.c_str(),
                r.mode.c_str(), r.variant.c_str(), r.consumer.c_str(), r.order_id.str().c_str());
  out += buf;
  std::snprintf(buf, sizeof buf, "  %-22s | %-24s | %-20s | %s\n", "PostgreSQL", "Kafka (order.created)", "client",
                "verdict");
  out += buf;
  out += "  " + std::string(22, '-') + "-+-" + std::string(24, '-') + "-+-" + std::string(20, '-') + "-+-" +
         std::string(20, '-') + "\n";
  std::snprintf(buf, sizeof buf, "  %-22s | %-24s | %-20s | %s\n", db.c_str(), kafka.c_str(),
                client_text(r.client_saw).c_str(), verdict.c_str());
  out += buf;
  out += "\nbilling charged this order " + std::to_string(r.charges) + " time(s)\n" + r.explanation + "\n";
  return out;
}

}  // namespace dwsim::scenarios
