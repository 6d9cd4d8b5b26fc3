// dwsim: the command-line front end.
//
// Exit codes: 0 success (prove/check: every verdict as expected; replay: every
// invariant holds); 1 a verdict differs from the table / an invariant is
// violated; 2 bad usage or malformed input; 3 internal error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/bench.h"
#include "bench/real_bench.h"
#include "cli/args.h"
#include "cli/pool.h"
#include "cli/real_cli.h"
#include "cli/report.h"
#include "scenarios/corpus.h"
#include "scenarios/sim_runner.h"

namespace dwsim::cli {
namespace {

constexpr int kExitOk = 0, kExitViolated = 1, kExitUsage = 2, kExitInternal = 3;

const char* kUsage =
    "usage: dwsim <command> [flags]\n"
    "\n"
    "  prove  [--cases N] [--seed S] [--jobs N] [--max-size N] [--json]\n"
    "         every delivery variant x consumer x invariant; exit 0 iff every verdict is as expected\n"
    "  check  --variant V [--consumer C] [--cases N] [--seed S] [--jobs N] [--max-size N] [--json]\n"
    "         the cells of one variant (and consumer)\n"
    "  replay [--variant V] [--consumer C] [--seed S] [--json] 'CMD; CMD; ...'\n"
    "  replay --from FILE [--line N] [--json]\n"
    "         plays a command sequence (or a corpus entry) in simulation: timeline, verdicts, trace-hash;\n"
    "         exit 1 if an invariant is violated\n"
    "  replay --mode real [--variant V] [--consumer C] [--seed S] [--json] 'CMD; ...'\n"
    "         the same sequence on real PostgreSQL and Kafka (DWSIM_PG_URL, DWSIM_KAFKA_BROKERS), same oracle\n"
    "  scenario NAME [--mode sim|real] [--variant V] [--consumer C] [--json]\n"
    "         happy-path, phantom-event, lost-event, natural-phantom, relay-crash-duplicate, cursor-gap\n"
    "  smoke  [--variant V] [--json]   the seed's smoke test on real infrastructure: PASS or FAIL\n"
    "  smoke  --http [--url http://HOST:PORT] [--variant V] [--json]\n"
    "         the same through the HTTP API: of a server it starts (and stops with SIGTERM), or of --url\n"
    "  serve  [--variant V] [--chaos] [--port 8082] [--bind 127.0.0.1] [--body-limit BYTES]\n"
    "         [--relay-batch N] [--relay-idle-ms MS] [--threads N] [--max-connections N]\n"
    "         the seed's order service over HTTP on real infrastructure (default variant dual-write),\n"
    "         with the order.cancelled consumer and, for outbox variants, the relay; SIGINT/SIGTERM drain\n"
    "  conformance [--variant V] [--sequences N] [--seed S] [--json]\n"
    "         generated sequences in simulation and on real infrastructure, compared order by order\n"
    "  events TOPIC [--offsets | --since P:O,...] [--json]\n"
    "         the end offsets of a topic, or its records after them: partition offset key payload\n"
    "  infra  up|down|status|env        (run by ./dwsim) start and stop the local PostgreSQL and Kafka\n"
    "  bench  [--json] [--quick] [--mode sim|real]\n"
    "         simulated throughput, cases and time to first failure over 21 seeds, prove's duration\n"
    "  bench  --http [--quick] [--json] [--variants \"V ...\"]   (run by ./dwsim) dwsim serve under wrk\n"
    "  test   (run by ./dwsim only) install, build and run the full ctest suite\n"
    "\n"
    "variants: dual-write, publish-after-commit, outbox-cursor, outbox, outbox-mark-before-ack\n"
    "consumers: inbox, naive\n"
    "exit codes: 0 ok, 1 a verdict differs / an invariant is violated, 2 bad usage, 3 internal error,\n"
    "            4 PostgreSQL or the broker unreachable, 5 database migrations disagree with this binary,\n"
    "            6 serve cannot listen on its address\n";

int default_jobs() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

domain::Variant variant_flag(const Args& a, domain::Variant fallback) {
  auto v = a.value("variant");
  if (!v) return fallback;
  auto parsed = domain::parse_variant(*v);
  if (!parsed) throw UsageError("unknown variant '" + *v + "' (dual-write, publish-after-commit, outbox-cursor, outbox)");
  return *parsed;
}

std::optional<domain::ConsumerKind> consumer_flag(const Args& a) {
  auto v = a.value("consumer");
  if (!v) return std::nullopt;
  auto parsed = domain::parse_consumer(*v);
  if (!parsed) throw UsageError("unknown consumer '" + *v + "' (inbox, naive)");
  return parsed;
}

int prove_or_check(const std::vector<std::string>& argv, bool is_check) {
  Args a(argv, {"cases", "seed", "jobs", "max-size", "variant", "consumer"}, {"json"});
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  if (!is_check && (a.has("variant") || a.has("consumer"))) {
    throw UsageError("prove runs every variant; use 'check --variant V' for one");
  }
  if (is_check && !a.has("variant")) throw UsageError("check needs --variant V");
  proof::ProveOptions options;
  options.cases = a.positive_int("cases", options.cases, 10'000'000);
  options.seed = a.u64("seed", options.seed);
  options.max_size = a.positive_int("max-size", options.max_size, 1000);
  const int jobs = a.positive_int("jobs", default_jobs(), 256);
  std::optional<domain::Variant> variant;
  if (is_check) variant = variant_flag(a, domain::Variant::outbox);
  const auto cells = proof::cells(variant, consumer_flag(a));
  const bool json = a.has("json");
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (!json) {
    std::cerr << "dwsim " << (is_check ? "check" : "prove") << ": " << cells.size() << " cells, " << options.cases
              << " cases per cell, seed " << options.seed << " (replay with --seed " << options.seed << "), jobs "
              << jobs << "\n";
  }
  const auto started = std::chrono::steady_clock::now();
  Progress progress;
  if (tty) {
    progress = [started](int done, int total, long long cases, int violations) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "\r  %d/%d cells  %lld cases  %.0f cases/s  %d violated so far ", done, total, cases,
                   s > 0 ? static_cast<double>(cases) / s : 0.0, violations);
      if (done == total) std::fputc('\n', stderr);
    };
  }
  const auto results = run_cells(cells, options, jobs, progress);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (json) {
    std::cout << prove_json(results, options).dump() << "\n";
  } else {
    print_table(std::cout, results, options, seconds, jobs);
  }
  return all_as_expected(results) ? kExitOk : kExitViolated;
}

int replay(const std::vector<std::string>& argv) {
  Args a(argv, {"variant", "consumer", "seed", "from", "line", "mode", "tick-ms"}, {"json"});
  const std::string mode = a.value("mode").value_or("sim");
  if (mode != "sim" && mode != "real") throw UsageError("--mode is sim or real, not '" + mode + "'");
  scenarios::Case c;
  std::string source;
  if (auto from = a.value("from")) {
    if (!a.positional().empty()) throw UsageError("give either --from FILE or a command sequence, not both");
    auto corpus = scenarios::load_corpus(*from);
    if (!corpus) throw UsageError(corpus.error().message);
    if (corpus->empty()) throw UsageError(*from + " holds no corpus entry");
    const int line = a.positive_int("line", 0 + 1, 1'000'000);
    const scenarios::CorpusEntry* chosen = nullptr;
    if (a.has("line")) {
      for (const auto& e : *corpus) {
        if (e.line == line) chosen = &e;
      }
      if (!chosen) throw UsageError(*from + ":" + std::to_string(line) + " is not a corpus entry");
    } else {
      chosen = &corpus->front();
    }
    c = scenarios::Case{chosen->variant, chosen->consumer, chosen->seed, chosen->commands};
    source = *from + ":" + std::to_string(chosen->line);
  } else {
    if (a.has("line")) throw UsageError("--line goes with --from");
    if (a.positional().empty()) throw UsageError("replay needs a command sequence, e.g. 'broker down; create'");
    std::string text;
    for (const auto& p : a.positional()) text += (text.empty() ? "" : " ") + p;
    auto commands = scenarios::decode(text);
    if (!commands) throw UsageError(commands.error().message);
    c.commands = std::move(*commands);
    c.seed = proof::ProveOptions{}.seed;
  }
  c.variant = variant_flag(a, c.variant);
  if (auto consumer = consumer_flag(a)) c.consumer = *consumer;
  c.seed = a.u64("seed", c.seed);
  if (mode == "real") return replay_real(c, a.has("json"), source, a.positive_int("tick-ms", 40, 10'000));
  scenarios::RunOptions options;
  options.keep_trace = true;
  const auto r = scenarios::run_in_simulation(c, options);
  bool all_hold = true;
  for (const auto& v : r.verdicts) all_hold &= v.holds;
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(r.trace_hash));
  if (a.has("json")) {
    nlohmann::json verdicts = nlohmann::json::array();
    for (const auto& v : r.verdicts) {
      verdicts.push_back({{"invariant", scenarios::invariant_name(v.invariant)},
                          {"observed", v.holds ? "holds" : "violated"},
                          {"explanation", v.explanation}});
    }
    std::cout << nlohmann::json{{"variant", domain::variant_name(c.variant)},
                                {"consumer", domain::consumer_name(c.consumer)},
                                {"seed", c.seed},
                                {"commands", scenarios::encode(c.commands)},
                                {"verdicts", verdicts},
                                {"sim_time_us", r.sim_time_us},
                                {"trace_hash", hash}}
                     .dump()
              << "\n";
  } else {
    std::cout << "dwsim replay  variant=" << domain::variant_name(c.variant)
              << "  consumer=" << domain::consumer_name(c.consumer) << "  seed=" << c.seed
              << (source.empty() ? "" : "  from=" + source) << "\n"
              << "commands (" << c.commands.size() << "): " << scenarios::encode(c.commands) << "\n\n"
              << r.timeline << "\nverdicts:\n";
    for (const auto& v : r.verdicts) {
      char line[64];
      std::snprintf(line, sizeof line, "  %-22s %-9s ", scenarios::invariant_name(v.invariant),
                    v.holds ? "holds" : "VIOLATED");
      std::cout << line << v.explanation << "\n";
    }
    std::cout << "trace-hash: " << hash << "\n";
  }
  return all_hold ? kExitOk : kExitViolated;
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "prove") return prove_or_check(rest, false);
  if (command == "check") return prove_or_check(rest, true);
  if (command == "replay") return replay(rest);
  if (command == "scenario") return scenario_command(rest);
  if (command == "smoke") return smoke_command(rest);
  if (command == "serve") return serve_command(rest);
  if (command == "events") return events_command(rest);
  if (command == "conformance") return conformance_command(rest);
  if (command == "bench") {
    Args a(rest, {"seed", "mode"}, {"json", "quick", "http"});
    if (a.has("http")) throw UsageError("bench --http is run by ./dwsim (scripts/http_bench.sh)");
    if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
    const std::string mode = a.value("mode").value_or("sim");
    if (mode != "sim" && mode != "real") throw UsageError("--mode is sim or real, not '" + mode + "'");
    if (mode == "real") {
      std::string error;
      const int rc = bench::run_real(std::cout, a.has("json"), a.has("quick"), a.u64("seed", 1), &error);
      if (rc == kExitInfra) std::cerr << "dwsim: " << error << "\n";
      return rc;
    }
    return bench::run(std::cout, a.has("json"), a.has("quick"), a.u64("seed", 1)) ? kExitOk : kExitViolated;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  throw UsageError("unknown command '" + command + "' (prove, check, replay, scenario, smoke, serve, events, conformance, bench, infra, test, help)");
}

}  // namespace
}  // namespace dwsim::cli

int main(int argc, char** argv) {
  try {
    return dwsim::cli::dispatch(argc, argv);
  } catch (const dwsim::cli::UsageError& e) {
    std::cerr << "dwsim: " << e.what() << "\n";
    return dwsim::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "dwsim: internal error: " << e.what() << "\n";
    return dwsim::cli::kExitInternal;
  }
}
