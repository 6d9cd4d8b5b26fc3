// The oracle: checks the invariants of failure-catalogue.md against the final
// state of a run, after the liveness phase. It only observes; truth is the
// database's final state (including commits whose outcome the client never
// learned), the broker's log, billing's effects and the clients' history.
// Names are part of the CLI/JSON contract.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "domain/order.h"
#include "sim/uuid_map.h"

namespace dwsim::scenarios {

enum class Invariant : std::uint8_t {
  lost_event,            // L: every committed order has at least one order.created event
  phantom_event,         // P: every order.created refers to a committed order, same payload
  duplicate_event,       // D: no order has two order.created events
  exactly_once_effect,   // E: billing charged each committed order exactly once, nothing else
  acknowledged_durable,  // A: every create the client saw succeed (201) is committed
  idempotent_create,     // I: requests sharing an idempotency key yield one order
  early_event,           // V: billing never saw an event before its (committed) order was visible
  liveness,              // Lv: after healing, the relay and consumers drained within the bound
};
inline constexpr std::array kAllInvariants = {
    Invariant::lost_event,          Invariant::phantom_event,        Invariant::duplicate_event,
    Invariant::exactly_once_effect, Invariant::acknowledged_durable, Invariant::idempotent_create,
    Invariant::early_event,         Invariant::liveness};
const char* invariant_name(Invariant i);
std::optional<Invariant> parse_invariant(std::string_view name);

struct RequestRecord {
  int command_index = -1;
  bool is_create = false;
  std::optional<std::string> key;
  int status = -1;  // 201, 200 (chaos report / GET), 400, 404, 500; 0 = no response; -1 = never finished
  std::optional<domain::Uuid> order_id;
};

struct ChargeRecord {
  domain::Uuid order_id;
  domain::Money amount;
};

struct FinalState {
  sim::UuidMap<domain::Order> committed_orders;  // in commit order
  std::vector<domain::OrderCreatedEvent> events;  // order.created, every partition
  std::vector<ChargeRecord> charges;
  std::vector<std::pair<domain::Uuid, bool>> deliveries;  // billing's sightings: order, visible then
  std::vector<RequestRecord> requests;
  bool converged = false;
  std::string convergence_note;
};

struct InvariantResult {
  Invariant invariant;
  bool holds;
  std::string explanation;  // why it is violated: the first offending order
};

std::vector<InvariantResult> check_all(const FinalState& state);
InvariantResult check(const FinalState& state, Invariant invariant);

}  // namespace dwsim::scenarios
