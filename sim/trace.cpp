#include "sim/trace.h"

#include <algorithm>

#include <cstdio>

namespace dwsim::sim {

const char* actor_name(Actor a) {
  switch (a) {
    case Actor::runner: return "runner";
    case Actor::client: return "client";
    case Actor::service: return "service";
    case Actor::relay: return "relay";
    case Actor::billing: return "billing";
    case Actor::canceller: return "cancel-consumer";
    case Actor::db: return "postgres";
    case Actor::broker: return "kafka";
  }
  return "?";
}

const char* probe_name(Probe p) {
  switch (p) {
    case Probe::crash_after_publish_before_commit: return "crash.after-publish-before-commit";
    case Probe::crash_after_commit_before_publish: return "crash.after-commit-before-publish";
    case Probe::crash_after_write_before_commit: return "crash.after-write-before-commit";
    case Probe::crash_after_commit_before_response: return "crash.after-commit-before-response";
    case Probe::crash_after_publish_before_mark: return "crash.after-publish-before-mark";
    case Probe::crash_after_mark_before_commit: return "crash.after-mark-before-commit";
    case Probe::crash_after_effect_before_commit: return "crash.after-effect-before-commit";
    case Probe::crash_after_effect_before_offset_commit: return "crash.after-effect-before-offset-commit";
    case Probe::fault_broker_down_produce_failed: return "fault.broker-down";
    case Probe::fault_ambiguous_produce: return "fault.ambiguous-produce";
    case Probe::fault_idempotent_retry_deduped: return "fault.idempotent-retry-deduped";
    case Probe::fault_commit_fail: return "fault.commit-fail";
    case Probe::fault_commit_ambiguous: return "fault.commit-ambiguous";
    case Probe::fault_connection_lost: return "fault.connection-lost";
    case Probe::fault_chaos_rollback: return "fault.chaos-rollback";
    case Probe::fault_latency: return "fault.latency";
    case Probe::window_unique_violation_at_flush: return "window.unique-violation-at-flush";
    case Probe::window_unique_wait: return "window.unique-index-wait";
    case Probe::window_skip_locked: return "window.skip-locked";
    case Probe::window_commit_out_of_id_order: return "window.commit-out-of-id-order";
    case Probe::window_consumer_redelivery: return "window.consumer-redelivery";
    case Probe::window_inbox_duplicate: return "window.inbox-duplicate";
    case Probe::window_event_before_commit: return "window.event-seen-before-commit";
    case Probe::count_: break;
  }
  return "?";
}

void Trace::mix(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) mix_word(p[i]);
}

void Trace::record(std::int64_t t_us, Actor actor, std::uint32_t index, Op op, const domain::Uuid& subject,
                   std::int64_t value) {
  ++count_;
  // Field by field (struct padding must never reach the hash), a word at a time.
  mix_word(static_cast<std::uint64_t>(t_us));
  mix_word((std::uint64_t{static_cast<std::uint8_t>(actor)} << 40) | (std::uint64_t{static_cast<std::uint8_t>(op)} << 32) |
           index);
  mix_word(subject.hi);
  mix_word(subject.lo);
  mix_word(static_cast<std::uint64_t>(value));
  if (keep_) events_.push_back(TraceEvent{t_us, actor, index, op, subject, value, 0});
}

void Trace::note(std::int64_t t_us, Actor actor, std::uint32_t index, Op op, std::string_view text) {
  record(t_us, actor, index, op, {}, static_cast<std::int64_t>(text.size()));
  mix(text.data(), text.size());
  if (keep_) {
    notes_.emplace_back(text);
    events_.back().note = static_cast<std::uint32_t>(notes_.size());
  }
}

void Trace::annotate(std::string_view text) {
  if (!keep_ || events_.empty()) return;
  notes_.emplace_back(text);
  events_.back().note = static_cast<std::uint32_t>(notes_.size());
}

namespace {

std::string errc_text(std::int64_t v) {
  static const char* names[] = {"validation", "not_found", "conflict", "unavailable",
                                "timeout",    "ambiguous", "aborted",  "internal"};
  return v >= 0 && v < 8 ? names[v] : "?";
}

const char* crash_text(std::int64_t v) {
  static const char* names[] = {"none",
                                "after-publish-before-commit",
                                "after-commit-before-publish",
                                "after-write-before-commit",
                                "after-commit-before-response",
                                "after-publish-before-mark",
                                "after-mark-before-commit",
                                "after-effect-before-commit",
                                "after-effect-before-offset-commit"};
  return v >= 0 && v < 9 ? names[v] : "?";
}

}  // namespace

std::string Trace::format(const TraceEvent& e) const {
  char head[64];
  if (e.t_us % 1000 == 0) {
    std::snprintf(head, sizeof head, "t=%lldms", static_cast<long long>(e.t_us / 1000));
  } else {
    std::snprintf(head, sizeof head, "t=%lld.%03lldms", static_cast<long long>(e.t_us / 1000),
                  static_cast<long long>(e.t_us % 1000));
  }
  std::string who = actor_name(e.actor);
  if (e.actor != Actor::db && e.actor != Actor::broker && e.actor != Actor::runner) {
    who += "#" + std::to_string(e.index);
  }
  const std::string id = e.subject.is_nil() ? std::string() : e.subject.short_str();
  const std::string note = e.note ? notes_[e.note - 1] : std::string();
  std::string what;
  switch (e.op) {
    case Op::command: what = "command " + std::to_string(e.value) + ": " + note; break;
    case Op::request: what = note.empty() ? "POST /orders" : note; break;
    case Op::response:
      what = e.value == 0 ? "no response (connection reset)" : "<- " + std::to_string(e.value);
      if (!id.empty()) what += " {orderId " + id + "}";
      break;
    case Op::tx_begin: what = "BEGIN"; break;
    case Op::tx_commit: what = "COMMIT ok"; break;
    case Op::tx_commit_failed: what = "COMMIT failed (" + errc_text(e.value) + "), rolled back"; break;
    case Op::tx_commit_unknown: what = "COMMIT applied, but the answer was lost (caller sees an error)"; break;
    case Op::tx_rollback: what = "ROLLBACK"; break;
    case Op::order_save:
      what = e.value ? "repository.save(order " + id + ") [buffered until flush]"
                     : "INSERT INTO orders (order " + id + ")";
      break;
    case Op::order_flush: what = "flush: INSERT INTO orders (order " + id + ")"; break;
    case Op::order_update: what = "UPDATE orders SET status (order " + id + ")"; break;
    case Op::order_find: what = "SELECT order " + id; break;
    case Op::unique_wait: what = "INSERT waits: another open transaction holds the same unique key"; break;
    case Op::unique_violation:
      what = "ERROR duplicate key value violates unique constraint (order " + id + ")";
      break;
    case Op::outbox_append: what = "INSERT INTO outbox id=" + std::to_string(e.value) + " (order " + id + ")"; break;
    case Op::outbox_claim:
      what = "SELECT outbox FOR UPDATE SKIP LOCKED -> " + std::to_string(e.value) + " rows";
      break;
    case Op::outbox_delete: what = "DELETE FROM outbox id=" + std::to_string(e.value); break;
    case Op::outbox_read_after: what = "SELECT outbox WHERE id > " + std::to_string(e.value); break;
    case Op::cursor_store: what = "UPDATE relay_cursor SET last_seen_id=" + std::to_string(e.value); break;
    case Op::inbox_insert: what = "INSERT INTO inbox (event " + id + ")"; break;
    case Op::inbox_duplicate: what = "inbox: event " + id + " already processed, skipped"; break;
    case Op::charge: what = "INSERT INTO charges (order " + id + ")"; break;
    case Op::produce: what = "kafka.send(order.created, key=" + id + ")"; break;
    case Op::produce_appended:
      what = "order.created[" + std::to_string(e.value >> 32) + "] @" + std::to_string(e.value & 0xFFFFFFFF) +
             " appended (order " + id + ")";
      break;
    case Op::produce_acked: what = "delivery report: ok (order " + id + ")"; break;
    case Op::produce_failed: what = "delivery report: " + errc_text(e.value) + " (order " + id + ")"; break;
    case Op::produce_deduped: what = "idempotent producer: retry recognised, not appended again (order " + id + ")"; break;
    case Op::broker_down: what = "broker DOWN"; break;
    case Op::broker_up: what = "broker UP"; break;
    case Op::poll: what = "poll -> " + std::to_string(e.value) + " records"; break;
    case Op::delivered:
      what = "handles order.created (order " + id + ")" + (e.value ? "" : " BEFORE the order is visible in the DB");
      break;
    case Op::offset_commit: what = "commit offset " + std::to_string(e.value); break;
    case Op::rewind: what = "rewind to committed offsets"; break;
    case Op::crash: what = std::string("CRASH at ") + crash_text(e.value); break;
    case Op::restart: what = "restarted (volatile state lost)"; break;
    case Op::warn: what = "WARN " + note; break;
    case Op::phase: what = "== " + note + " =="; break;
  }
  std::string line = head;
  line.resize(std::max<std::size_t>(line.size() + 1, 12), ' ');
  line += who;
  line.resize(std::max<std::size_t>(line.size() + 1, 32), ' ');
  line += "-> ";
  line += what;
  return line;
}

std::string Trace::timeline() const {
  std::string out;
  for (const TraceEvent& e : events_) {
    out += format(e);
    out.push_back('\n');
  }
  return out;
}

}  // namespace dwsim::sim
