// Named scenarios: the seed's failure procedures as short command sequences,
// run in simulation or on real infrastructure with the same oracle, and
// reported as the seed reports them (PostgreSQL / Kafka / client / verdict).
// Every field of a report is measured from the run's final state: existsInDb
// from the database (a query on real PostgreSQL), eventInKafka from the log
// (a consumer reading the real topic).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/variants.h"
#include "scenarios/command.h"
#include "scenarios/oracle.h"

namespace dwsim::scenarios {

struct NamedScenario {
  const char* name;
  const char* commands;  // the command language
  int focus;             // 1-based index of the create the report is about
  domain::Variant default_variant;
  const char* what;      // one line for --help and the README
};

const std::vector<NamedScenario>& named_scenarios();
const NamedScenario* find_scenario(std::string_view name);
std::string scenario_names();  // "happy-path, phantom-event, ..."

struct ScenarioReport {
  std::string scenario, mode, variant, consumer;
  domain::Uuid order_id;
  bool exists_in_db = false;
  int events_in_kafka = 0;
  bool db_rolled_back = false;
  int client_saw = -1;  // HTTP status; 0: no response (the service crashed)
  int charges = 0;
  std::vector<std::string> violations;
  std::string explanation;
};

// The id of the order the focus create made (ids come from (seed, command)).
domain::Uuid focus_order_id(std::uint64_t seed, int focus);
ScenarioReport make_report(const NamedScenario& s, std::string mode, domain::Variant variant,
                           domain::ConsumerKind consumer, std::uint64_t seed, const FinalState& state,
                           const std::vector<InvariantResult>& verdicts);
// The seed's side-by-side table.
std::string render_report(const ScenarioReport& r);

}  // namespace dwsim::scenarios
