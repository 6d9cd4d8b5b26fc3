#include "scenarios/workload.h"

#include "sim/prng.h"

namespace dwsim::scenarios {

using domain::CrashPoint;

std::vector<Command> make_workload(std::uint64_t seed, domain::Variant variant, const WorkloadOptions& options) {
  sim::Prng prng(seed);
  std::vector<Command> out;
  out.reserve(static_cast<std::size_t>(options.creates) * 13 / 10);
  const bool outbox = domain::uses_outbox(variant);
  int per_mille_crash = 0, per_mille_commit = 0, per_mille_produce = 0, per_mille_latency = 0;
  int key = 0;
  for (int created = 0; created < options.creates;) {
    if (out.size() % 1000 == 0 && options.faults) {
      // Swarm testing: this block's fault mix.
      per_mille_crash = prng.chance(500) ? static_cast<int>(prng.range(1, 10)) : 0;
      per_mille_commit = prng.chance(500) ? static_cast<int>(prng.range(1, 20)) : 0;
      per_mille_produce = prng.chance(500) ? static_cast<int>(prng.range(1, 10)) : 0;
      per_mille_latency = prng.chance(500) ? static_cast<int>(prng.range(10, 200)) : 0;
      if (prng.chance(200)) out.push_back(Command{.kind = CommandKind::broker_down});
    }
    const auto roll = prng.below(100);
    Command c;
    if (roll < 80) {
      c.kind = CommandKind::create;
      c.items = static_cast<int>(prng.range(1, 3));
      c.customer = static_cast<int>(prng.below(3));
      if (prng.chance(100)) c.key = key++ % 64;
      if (prng.chance(per_mille_latency)) c.delay_ms = static_cast<int>(prng.range(1, 5));
      if (prng.chance(per_mille_crash)) {
        c.crash = outbox ? CrashPoint::after_write_before_commit : CrashPoint::after_commit_before_response;
      }
      if (prng.chance(per_mille_commit)) c.commit = static_cast<CommitFaultKind>(prng.range(1, 3));
      ++created;
    } else if (roll < 90) {
      c.kind = outbox ? CommandKind::relay : CommandKind::consume;
      if (outbox && prng.chance(per_mille_crash * 10)) {
        c.crash = prng.chance(500) ? CrashPoint::after_publish_before_mark : CrashPoint::after_mark_before_commit;
      }
      if (outbox && prng.chance(per_mille_produce * 10)) c.produce = static_cast<ProduceFaultKind>(prng.range(1, 2));
    } else if (roll < 99) {
      c.kind = CommandKind::consume;
      if (prng.chance(per_mille_crash * 10)) {
        c.crash = prng.chance(500) ? CrashPoint::after_effect_before_commit
                                   : CrashPoint::after_effect_before_offset_commit;
      }
      if (prng.chance(per_mille_commit * 5)) c.commit = static_cast<CommitFaultKind>(prng.range(1, 3));
    } else {
      c.kind = CommandKind::broker_up;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace dwsim::scenarios
