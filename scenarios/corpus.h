// The regression corpus: counterexamples stored as encoded command sequences
// (text, so they survive generator changes), replayed on every test run.
// One entry a line:
//   <variant> <consumer> <invariant> <holds|violated> <seed> | <commands>
// Blank lines and lines starting with '#' are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"
#include "domain/variants.h"
#include "scenarios/command.h"
#include "scenarios/expectations.h"

namespace dwsim::scenarios {

struct CorpusEntry {
  int line = 0;
  domain::Variant variant;
  domain::ConsumerKind consumer;
  Invariant invariant;
  Verdict verdict;
  std::uint64_t seed;
  std::vector<Command> commands;
};

domain::Result<CorpusEntry> parse_corpus_line(std::string_view line, int line_number);
// Every entry of a corpus file; the error names the file and line.
domain::Result<std::vector<CorpusEntry>> load_corpus(const std::string& path);
std::string format_corpus_line(const CorpusEntry& entry);

}  // namespace dwsim::scenarios
