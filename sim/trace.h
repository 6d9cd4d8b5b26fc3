// Trace: a structured record of every step a world takes, in order. The hash
// of the trace is the determinism fingerprint of a run: the same case must
// give the same hash, every time, on every machine. Events are hashed as they
// are recorded; the text timeline is kept only when asked for (replay).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/uuid.h"

namespace dwsim::sim {

enum class Actor : std::uint8_t { runner, client, service, relay, billing, canceller, db, broker };
const char* actor_name(Actor a);

enum class Op : std::uint8_t {
  command,            // value = command index; note = its text
  request,            // a client request left
  response,           // value = HTTP-like status (201, 400, 500; 0 = no response)
  tx_begin,
  tx_commit,
  tx_commit_failed,   // value = domain::Errc
  tx_commit_unknown,  // applied, but the caller saw an error
  tx_rollback,
  order_save,         // value = 1 if buffered (write-behind)
  order_flush,
  order_update,
  order_find,
  unique_wait,
  unique_violation,
  outbox_append,      // value = row id
  outbox_claim,       // value = rows claimed
  outbox_delete,      // value = row id
  outbox_read_after,  // value = cursor
  cursor_store,       // value = cursor
  inbox_insert,
  inbox_duplicate,
  charge,
  produce,            // subject = key; the send left
  produce_appended,   // value = partition << 32 | offset
  produce_acked,
  produce_failed,     // value = domain::Errc
  produce_deduped,    // an idempotent retry the broker recognised
  broker_down,
  broker_up,
  poll,               // value = records returned
  delivered,          // subject = order id; value = 1 if the order was visible in the DB
  offset_commit,      // value = offset
  rewind,
  crash,              // value = crash point
  restart,
  warn,               // note = the log line
  phase,              // note = phase name
};

struct TraceEvent {
  std::int64_t t_us;
  Actor actor;
  std::uint32_t index;  // which request / incarnation
  Op op;
  domain::Uuid subject;
  std::int64_t value;
  std::uint32_t note = 0;  // 1-based index into notes when present
};

class Trace {
 public:
  explicit Trace(bool keep_events) : keep_(keep_events) {}

  void record(std::int64_t t_us, Actor actor, std::uint32_t index, Op op, const domain::Uuid& subject = {},
              std::int64_t value = 0);
  void note(std::int64_t t_us, Actor actor, std::uint32_t index, Op op, std::string_view text);
  // Attaches text to the last event for the timeline, without hashing it
  // (it must be derived from what was hashed). No-op unless events are kept.
  void annotate(std::string_view text);

  std::uint64_t hash() const { return hash_; }
  std::uint64_t events_recorded() const { return count_; }
  bool keeps_events() const { return keep_; }
  const std::vector<TraceEvent>& events() const { return events_; }

  // The timeline in the seed's style: "t=3ms     service#1  -> repository.save(order 3f2a1c9e)".
  std::string format(const TraceEvent& e) const;
  std::string timeline() const;

 private:
  void mix(const void* data, std::size_t n);
  // A multiply-xorshift step (a fixed function: the hash is part of the
  // replay contract, identical on every machine).
  void mix_word(std::uint64_t w) {
    hash_ = (hash_ ^ w) * 0x9E3779B97F4A7C15ull;
    hash_ ^= hash_ >> 29;
  }
  bool keep_;
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
  std::uint64_t count_ = 0;
  std::vector<TraceEvent> events_;
  std::vector<std::string> notes_;
};

// Coverage probes ("sometimes" assertions): how often each interesting window
// was reached. A campaign that never reached one has not tested it.
enum class Probe : std::uint8_t {
  crash_after_publish_before_commit,
  crash_after_commit_before_publish,
  crash_after_write_before_commit,
  crash_after_commit_before_response,
  crash_after_publish_before_mark,
  crash_after_mark_before_commit,
  crash_after_effect_before_commit,
  crash_after_effect_before_offset_commit,
  fault_broker_down_produce_failed,
  fault_ambiguous_produce,
  fault_idempotent_retry_deduped,
  fault_commit_fail,
  fault_commit_ambiguous,
  fault_connection_lost,
  fault_chaos_rollback,
  fault_latency,
  window_unique_violation_at_flush,
  window_unique_wait,
  window_skip_locked,
  window_commit_out_of_id_order,
  window_consumer_redelivery,
  window_inbox_duplicate,
  window_event_before_commit,
  count_,
};
inline constexpr int kProbeCount = static_cast<int>(Probe::count_);
const char* probe_name(Probe p);

struct Probes {
  std::int64_t hits[kProbeCount] = {};
  void hit(Probe p) { ++hits[static_cast<int>(p)]; }
  std::int64_t get(Probe p) const { return hits[static_cast<int>(p)]; }
  void add(const Probes& other) {
    for (int i = 0; i < kProbeCount; ++i) hits[i] += other.hits[i];
  }
};

}  // namespace dwsim::sim
