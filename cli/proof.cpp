#include "cli/proof.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

#include <rapidcheck/detail/Configuration.h>

#include "scenarios/sim_runner.h"
#include "scenarios/simplify.h"
#include "sim/prng.h"

namespace dwsim::proof {

using domain::CrashPoint;
using scenarios::CommandKind;
using scenarios::CommitFaultKind;
using scenarios::ProduceFaultKind;

rc::Gen<Swarm> gen_swarm() {
  return rc::gen::exec([] {
    Swarm s;
    auto on = [] { return *rc::gen::arbitrary<bool>(); };
    s.broker_outage = on();
    s.ambiguous_produce = on();
    s.producer_retry = on();
    s.commit_fail = on();
    s.commit_ambiguous = on();
    s.connection_lost = on();
    s.chaos_rollback = on();
    s.latency = on();
    s.crash_service = on();
    s.crash_relay = on();
    s.crash_consumer = on();
    s.idempotency_keys = on();
    s.invalid_requests = on();
    s.cancels = on();
    return s;
  });
}

namespace {

// gen::inRange scales its range with RapidCheck's size; scheduling choices
// must not (a small case still needs long delays), so fix the size. Shrinking
// still moves toward `lo`.
rc::Gen<int> uniform(int lo, int hi_exclusive) { return rc::gen::resize(rc::kNominalSize, rc::gen::inRange(lo, hi_exclusive)); }

std::vector<CrashPoint> service_crash_points(Variant v) {
  switch (v) {
    case Variant::dual_write: return {CrashPoint::after_publish_before_commit, CrashPoint::after_commit_before_response};
    case Variant::publish_after_commit:
      return {CrashPoint::after_commit_before_publish, CrashPoint::after_commit_before_response};
    case Variant::outbox_cursor:
    case Variant::outbox:
    case Variant::outbox_mark_before_ack:
      return {CrashPoint::after_write_before_commit, CrashPoint::after_commit_before_response};
  }
  return {};
}

// A crash point (mostly none) if the swarm enables crashes of this process.
CrashPoint pick_crash(bool enabled, const std::vector<CrashPoint>& points) {
  if (!enabled) return CrashPoint::none;
  // Every process has two named crash points (see service_crash_points).
  const int pick = *rc::gen::weightedElement<int>({{8, -1}, {1, 0}, {1, 1}});
  return pick < 0 ? CrashPoint::none : points.at(static_cast<std::size_t>(pick));
}

CommitFaultKind pick_commit(const Swarm& s) {
  if (!s.commit_fail && !s.commit_ambiguous && !s.connection_lost) return CommitFaultKind::none;
  return *rc::gen::weightedElement<CommitFaultKind>({{10, CommitFaultKind::none},
                                                     {s.commit_fail ? 1u : 0u, CommitFaultKind::fail},
                                                     {s.commit_ambiguous ? 1u : 0u, CommitFaultKind::ambiguous},
                                                     {s.connection_lost ? 1u : 0u, CommitFaultKind::lost}});
}

ProduceFaultKind pick_produce(const Swarm& s) {
  if (!s.ambiguous_produce && !s.producer_retry) return ProduceFaultKind::none;
  return *rc::gen::weightedElement<ProduceFaultKind>({{8, ProduceFaultKind::none},
                                                      {s.ambiguous_produce ? 1u : 0u, ProduceFaultKind::ambiguous},
                                                      {s.producer_retry ? 1u : 0u, ProduceFaultKind::retry}});
}

int pick_delay(const Swarm& s) {
  if (!s.latency) return 0;
  // A quarter of the steps without delay, the rest 1..18 ms; shrinks to 0.
  const int n = *uniform(0, 24);
  return n < 6 ? 0 : n - 5;
}

}  // namespace

rc::Gen<Command> gen_command(Variant variant, const Swarm& s) {
  const bool outbox = domain::uses_outbox(variant);
  const bool service_publishes = !outbox;
  auto create = rc::gen::exec([=] {
    Command c;
    c.kind = CommandKind::create;
    if (s.idempotency_keys) c.key = *rc::gen::weightedElement<int>({{4, -1}, {2, 0}, {2, 1}, {1, 2}});
    c.customer = *uniform(0, 3);
    c.items = *uniform(1, 4);
    if (s.invalid_requests) {
      c.bad = *rc::gen::weightedElement<scenarios::BadField>(
          {{12, scenarios::BadField::none}, {1, scenarios::BadField::customer}, {1, scenarios::BadField::items},
           {1, scenarios::BadField::product}, {1, scenarios::BadField::quantity}, {1, scenarios::BadField::price}});
    }
    if (s.chaos_rollback) c.rollback = *rc::gen::weightedElement<bool>({{6, false}, {1, true}});
    c.delay_ms = pick_delay(s);
    c.crash = pick_crash(s.crash_service, service_crash_points(variant));
    c.commit = pick_commit(s);
    if (service_publishes) c.produce = pick_produce(s);
    return c;
  });
  auto relay = rc::gen::exec([=] {
    Command c;
    c.kind = CommandKind::relay;
    c.delay_ms = pick_delay(s);
    c.crash = pick_crash(s.crash_relay, {CrashPoint::after_publish_before_mark, CrashPoint::after_mark_before_commit});
    c.commit = pick_commit(s);
    c.produce = pick_produce(s);
    return c;
  });
  auto consume = rc::gen::exec([=] {
    Command c;
    c.kind = CommandKind::consume;
    c.delay_ms = pick_delay(s);
    c.crash = pick_crash(s.crash_consumer,
                         {CrashPoint::after_effect_before_commit, CrashPoint::after_effect_before_offset_commit});
    c.commit = pick_commit(s);
    return c;
  });
  auto lookup = [](CommandKind kind) {
    return rc::gen::map(uniform(0, 4), [kind](int n) {
      Command c;
      c.kind = kind;
      c.order = n;
      return c;
    });
  };
  Command down, up;
  down.kind = CommandKind::broker_down;
  up.kind = CommandKind::broker_up;
  return rc::gen::weightedOneOf<Command>({
      {10, create},
      {outbox ? 5u : 0u, relay},
      {4, consume},
      {s.broker_outage ? 2u : 0u, rc::gen::just(down)},
      {s.broker_outage ? 2u : 0u, rc::gen::just(up)},
      {s.cancels ? 1u : 0u, lookup(CommandKind::cancel)},
      {1, lookup(CommandKind::get)},
  });
}

rc::Gen<std::vector<Command>> gen_case(Variant variant) {
  return rc::gen::mapcat(gen_swarm(), [variant](const Swarm& s) {
    return rc::gen::container<std::vector<Command>>(gen_command(variant, s));
  });
}

std::vector<Cell> cells(std::optional<Variant> variant, std::optional<ConsumerKind> consumer) {
  std::vector<Cell> out;
  for (Variant v : domain::kAllVariants) {
    if (variant && *variant != v) continue;
    for (ConsumerKind c : domain::kAllConsumers) {
      if (consumer && *consumer != c) continue;
      for (Invariant i : scenarios::kAllInvariants) out.push_back(Cell{v, c, i, scenarios::expected(v, c, i)});
    }
  }
  return out;
}

std::string replay_command(const Cell& cell, std::uint64_t seed, const std::vector<Command>& commands) {
  return "./dwsim replay --variant " + std::string(domain::variant_name(cell.variant)) + " --consumer " +
         domain::consumer_name(cell.consumer) + " --seed " + std::to_string(seed) + " '" + scenarios::encode(commands) +
         "'";
}

namespace {

// Silences RapidCheck's own reporting: the engine reports results itself.
class QuietListener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override { shrinks += accepted ? 1 : 0; }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
  int shrinks = 0;
};

// RapidCheck 2021 prints "Using configuration: seed=<random>" the first time
// its default configuration loads, although every run here passes explicit
// parameters. Load it once with stderr pointed at /dev/null so users never
// see a seed that was not used.
void load_rapidcheck_quietly() {
  static const bool loaded = [] {
    std::fflush(stderr);
    const int saved = ::dup(STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    if (saved >= 0 && null >= 0) ::dup2(null, STDERR_FILENO);
    (void)rc::detail::configuration();
    std::fflush(stderr);
    if (saved >= 0) {
      ::dup2(saved, STDERR_FILENO);
      ::close(saved);
    }
    if (null >= 0) ::close(null);
    return true;
  }();
  (void)loaded;
}

std::uint64_t cell_seed(const ProveOptions& o, const Cell& c) {
  const std::uint64_t id = static_cast<std::uint64_t>(c.variant) * 100 + static_cast<std::uint64_t>(c.consumer) * 10 +
                           static_cast<std::uint64_t>(c.invariant);
  return sim::derive_seed(o.seed, id + 1);
}

}  // namespace

CellResult prove_cell(const Cell& cell, const ProveOptions& options) {
  load_rapidcheck_quietly();
  CellResult result;
  result.cell = cell;
  bool searching = true;
  int evaluated = 0;
  const auto started = std::chrono::steady_clock::now();
  std::vector<Command> last_failing;
  std::string last_explanation;
  std::string harness_error;

  auto property = [&](void) -> bool {
    const std::vector<Command> commands = *gen_case(cell.variant);
    const scenarios::Case c{cell.variant, cell.consumer, world_seed(options), commands};
    scenarios::RunResult run;
    try {
      run = scenarios::run_in_simulation(c);
    } catch (const std::exception& e) {
      harness_error = std::string(e.what()) + " in: " + scenarios::encode(commands);
      return false;
    }
    const auto& verdict = run.verdicts[static_cast<int>(cell.invariant)];
    if (searching) {
      ++evaluated;
      result.probes.add(run.probes);
    }
    if (!verdict.holds) {
      if (searching) {
        searching = false;
        result.cases_to_first_failure = evaluated;
        result.ms_to_first_failure =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      }
      // Every failing case RapidCheck tries while shrinking is accepted at
      // once, so the last failing case evaluated is the shrunk one.
      last_failing = commands;
      last_explanation = verdict.explanation;
    }
    return verdict.holds;
  };

  rc::detail::TestParams params;
  params.seed = cell_seed(options, cell);
  params.maxSuccess = options.cases;
  params.maxSize = options.max_size;
  params.disableShrinking = !options.shrink;
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(domain::variant_name(cell.variant)) + "/" + domain::consumer_name(cell.consumer) + "/" +
                scenarios::invariant_name(cell.invariant);
  metadata.description = metadata.id;
  QuietListener listener;
  const auto outcome = rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params, listener);

  if (!harness_error.empty()) throw std::runtime_error("harness error in cell " + metadata.id + ": " + harness_error);
  result.cases_run = evaluated;
  if (outcome.template is<rc::detail::FailureResult>()) {
    result.observed = Verdict::violated;
    if (options.shrink) {
      std::string explanation = last_explanation;
      last_failing = scenarios::simplify(last_failing, [&](const std::vector<Command>& commands) {
        const auto run =
            scenarios::run_in_simulation(scenarios::Case{cell.variant, cell.consumer, world_seed(options), commands});
        const auto& verdict = run.verdicts[static_cast<int>(cell.invariant)];
        if (!verdict.holds) explanation = verdict.explanation;
        return !verdict.holds;
      });
      last_explanation = explanation;
    }
    result.counterexample = last_failing;
    result.explanation = last_explanation;
    result.shrink_steps = listener.shrinks;
  } else if (!outcome.template is<rc::detail::SuccessResult>()) {
    std::ostringstream why;
    rc::detail::printResultMessage(outcome, why);
    throw std::runtime_error("RapidCheck did not complete cell " + metadata.id + ": " + why.str());
  }
  const bool verdict_ok = result.observed == cell.expectation.verdict;
  const bool bound_ok = result.observed == Verdict::holds || !result.counterexample ||
                        static_cast<int>(result.counterexample->size()) <= cell.expectation.shrink_bound ||
                        !options.shrink;
  result.as_expected = verdict_ok && bound_ok;
  return result;
}

}  // namespace dwsim::proof
