// The command language: one entry of a generated sequence is a client request
// (with its retries and overlaps expressed through idempotency keys and
// latency), a fault switch, or a background step. Faults and crash points ride
// on the step they hit, so a shrunk sequence names exactly what went wrong.
//
// Text form (what counterexamples, the corpus and `replay` use), "; "-separated:
//   create [k=N] [c=N] [n=N] [bad=FIELD] [rollback] [d=MS] [crash=POINT]
//          [commit=fail|ambiguous|lost] [produce=ambiguous|retry]
//   get o=N | cancel o=N
//   relay [d=MS] [crash=POINT] [commit=...] [produce=...]
//   consume [d=MS] [crash=POINT] [commit=...]
//   broker down | broker up
// Commands run 1 ms of virtual time apart; `d` delays the step's COMMITs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ports.h"
#include "domain/result.h"

namespace dwsim::scenarios {

enum class CommandKind : std::uint8_t { create, get, cancel, relay, consume, broker_down, broker_up };
enum class BadField : std::uint8_t { none, customer, items, product, quantity, price };
enum class CommitFaultKind : std::uint8_t { none, fail, ambiguous, lost };
enum class ProduceFaultKind : std::uint8_t { none, ambiguous, retry };

struct Command {
  CommandKind kind = CommandKind::create;
  // create
  int key = -1;  // idempotency key "key-N"; -1: no key
  int customer = 0;
  int items = 1;
  BadField bad = BadField::none;
  bool rollback = false;  // the chaos endpoint: force a rollback after the publish
  // get / cancel: the N-th order the clients saw created (modulo their count)
  int order = 0;
  // faults of the step
  int delay_ms = 0;
  domain::CrashPoint crash = domain::CrashPoint::none;
  CommitFaultKind commit = CommitFaultKind::none;
  ProduceFaultKind produce = ProduceFaultKind::none;

  bool operator==(const Command&) const = default;
};

std::string encode(const Command& c);
std::string encode(const std::vector<Command>& commands);
// Parses one command; the error names the offending word.
domain::Result<Command> decode_command(std::string_view text);
// Parses a "; "-separated sequence (empty entries are skipped).
domain::Result<std::vector<Command>> decode(std::string_view text);

// The request a create command sends (the seed's customers and products).
domain::CreateOrderRequest request_for(const Command& c);

}  // namespace dwsim::scenarios
