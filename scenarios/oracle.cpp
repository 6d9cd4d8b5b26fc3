#include "scenarios/oracle.h"

#include <set>

namespace dwsim::scenarios {

const char* invariant_name(Invariant i) {
  switch (i) {
    case Invariant::lost_event: return "lost-event";
    case Invariant::phantom_event: return "phantom-event";
    case Invariant::duplicate_event: return "duplicate-event";
    case Invariant::exactly_once_effect: return "exactly-once-effect";
    case Invariant::acknowledged_durable: return "acknowledged-durable";
    case Invariant::idempotent_create: return "idempotent-create";
    case Invariant::early_event: return "early-event";
    case Invariant::liveness: return "liveness";
  }
  return "?";
}

std::optional<Invariant> parse_invariant(std::string_view name) {
  for (Invariant i : kAllInvariants) {
    if (name == invariant_name(i)) return i;
  }
  return std::nullopt;
}

namespace {

InvariantResult ok(Invariant i) { return InvariantResult{i, true, ""}; }
InvariantResult bad(Invariant i, std::string why) { return InvariantResult{i, false, std::move(why)}; }

sim::UuidMap<int> count_events(const FinalState& s) {
  sim::UuidMap<int> n;
  for (const auto& e : s.events) ++n[e.order_id];
  return n;
}

// Derived once per check_all: order id -> number of order.created events.
struct Index {
  sim::UuidMap<int> events_per_order;
};

InvariantResult check_with(const FinalState& s, Invariant inv, const Index& index) {
  switch (inv) {
    case Invariant::lost_event: {
      const auto& n = index.events_per_order;
      for (const auto& [id, order] : s.committed_orders) {
        if (!n.count(id)) {
          return bad(inv, "LOST EVENT: order " + id.str() + " is committed in PostgreSQL but order.created never "
                          "reached Kafka; consumers never learn of it");
        }
      }
      return ok(inv);
    }
    case Invariant::phantom_event: {
      for (const auto& e : s.events) {
        const domain::Order* order = s.committed_orders.find(e.order_id);
        if (!order) {
          return bad(inv, "PHANTOM EVENT: order.created for order " + e.order_id.str() +
                              " is in Kafka, but the order does NOT exist in PostgreSQL");
        }
        if (!e.matches(*order)) {
          return bad(inv, "PHANTOM EVENT: order.created for order " + e.order_id.str() +
                              " does not match the committed order's payload");
        }
      }
      return ok(inv);
    }
    case Invariant::duplicate_event: {
      for (const auto& [id, count] : index.events_per_order) {
        if (count > 1) {
          return bad(inv, "DUPLICATE EVENT: order " + id.str() + " has " + std::to_string(count) +
                              " order.created events in the log (at-least-once delivery)");
        }
      }
      return ok(inv);
    }
    case Invariant::exactly_once_effect: {
      sim::UuidMap<int> charged;
      for (const auto& c : s.charges) {
        ++charged[c.order_id];
        const domain::Order* order = s.committed_orders.find(c.order_id);
        if (!order) {
          return bad(inv, "EFFECT ON A NON-EXISTENT ORDER: billing charged order " + c.order_id.str() +
                              ", which is not committed");
        }
        if (order->total() != c.amount) {
          return bad(inv, "WRONG EFFECT: billing charged " + c.amount.str() + " for order " + c.order_id.str() +
                              " whose total is " + order->total().str());
        }
      }
      for (const auto& [id, order] : s.committed_orders) {
        const int* n_charged = charged.find(id);
        const int n = n_charged ? *n_charged : 0;
        if (n != 1) {
          return bad(inv, "EFFECT NOT EXACTLY ONCE: committed order " + id.str() + " was charged " +
                              std::to_string(n) + " times");
        }
      }
      return ok(inv);
    }
    case Invariant::acknowledged_durable: {
      for (const auto& r : s.requests) {
        if (r.is_create && r.status == 201 && r.order_id && !s.committed_orders.count(*r.order_id)) {
          return bad(inv, "ACKNOWLEDGED BUT NOT DURABLE: request " + std::to_string(r.command_index + 1) +
                              " got 201 for order " + r.order_id->str() + ", which is not committed");
        }
      }
      return ok(inv);
    }
    case Invariant::idempotent_create: {
      std::map<std::string, std::set<domain::Uuid>> by_key;
      for (const auto& [id, order] : s.committed_orders) {
        if (order.idempotency_key()) by_key[*order.idempotency_key()].insert(id);
      }
      for (const auto& e : s.events) {
        if (e.idempotency_key) by_key[*e.idempotency_key].insert(e.order_id);
      }
      for (const auto& r : s.requests) {
        if (r.is_create && r.key && r.status == 201 && r.order_id) by_key[*r.key].insert(*r.order_id);
      }
      for (const auto& [key, ids] : by_key) {
        if (ids.size() > 1) {
          std::string list;
          for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id.short_str();
          return bad(inv, "NOT IDEMPOTENT: idempotency key '" + key + "' yielded " + std::to_string(ids.size()) +
                              " orders across DB, Kafka and responses (" + list + ")");
        }
      }
      return ok(inv);
    }
    case Invariant::early_event: {
      for (const auto& [id, visible] : s.deliveries) {
        if (!visible && s.committed_orders.count(id)) {
          return bad(inv, "EARLY EVENT: billing handled order.created for order " + id.str() +
                              " before the order was visible in PostgreSQL");
        }
      }
      return ok(inv);
    }
    case Invariant::liveness:
      if (!s.converged) return bad(inv, "NOT LIVE: " + s.convergence_note);
      return ok(inv);
  }
  return ok(inv);
}

}  // namespace

InvariantResult check(const FinalState& state, Invariant invariant) {
  return check_with(state, invariant, Index{count_events(state)});
}

std::vector<InvariantResult> check_all(const FinalState& state) {
  const Index index{count_events(state)};
  std::vector<InvariantResult> out;
  for (Invariant i : kAllInvariants) out.push_back(check_with(state, i, index));
  return out;
}

}  // namespace dwsim::scenarios
