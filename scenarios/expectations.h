// The verdict table dwsim proves: for every delivery variant, consumer and
// invariant, whether the invariant must hold or must be shown violated, the
// bound on the shrunk counterexample's length, and why. README.md carries the
// same reasons for people.
#pragma once

#include "domain/variants.h"
#include "scenarios/oracle.h"

namespace dwsim::scenarios {

enum class Verdict { holds, violated };
inline const char* verdict_name(Verdict v) { return v == Verdict::holds ? "holds" : "violated"; }

struct Expectation {
  Verdict verdict;
  int shrink_bound;  // violated cells: the shrunk sequence has at most this many commands
  const char* reason;
};

Expectation expected(domain::Variant variant, domain::ConsumerKind consumer, Invariant invariant);

}  // namespace dwsim::scenarios
