#include "scenarios/corpus.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace dwsim::scenarios {

using domain::Errc;
using domain::make_error;

domain::Result<CorpusEntry> parse_corpus_line(std::string_view line, int line_number) {
  const auto bar = line.find('|');
  if (bar == std::string_view::npos) return make_error(Errc::validation, "missing '|' before the commands");
  std::istringstream head{std::string(line.substr(0, bar))};
  std::string variant, consumer, invariant, verdict, seed, extra;
  if (!(head >> variant >> consumer >> invariant >> verdict >> seed) || (head >> extra)) {
    return make_error(Errc::validation, "expected '<variant> <consumer> <invariant> <holds|violated> <seed> |'");
  }
  CorpusEntry e;
  e.line = line_number;
  auto v = domain::parse_variant(variant);
  if (!v) return make_error(Errc::validation, "unknown variant '" + variant + "'");
  auto c = domain::parse_consumer(consumer);
  if (!c) return make_error(Errc::validation, "unknown consumer '" + consumer + "'");
  auto i = parse_invariant(invariant);
  if (!i) return make_error(Errc::validation, "unknown invariant '" + invariant + "'");
  if (verdict != "holds" && verdict != "violated") return make_error(Errc::validation, "verdict must be holds or violated");
  auto [p, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), e.seed);
  if (ec != std::errc{} || p != seed.data() + seed.size()) return make_error(Errc::validation, "bad seed '" + seed + "'");
  auto commands = decode(line.substr(bar + 1));
  if (!commands) return commands.error();
  e.variant = *v;
  e.consumer = *c;
  e.invariant = *i;
  e.verdict = verdict == "holds" ? Verdict::holds : Verdict::violated;
  e.commands = std::move(*commands);
  return e;
}

domain::Result<std::vector<CorpusEntry>> load_corpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot open corpus file " + path);
  std::vector<CorpusEntry> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto e = parse_corpus_line(line, n);
    if (!e) return make_error(Errc::validation, path + ":" + std::to_string(n) + ": " + e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

std::string format_corpus_line(const CorpusEntry& e) {
  return std::string(domain::variant_name(e.variant)) + " " + domain::consumer_name(e.consumer) + " " +
         invariant_name(e.invariant) + " " + verdict_name(e.verdict) + " " + std::to_string(e.seed) + " | " +
         encode(e.commands);
}

}  // namespace dwsim::scenarios
