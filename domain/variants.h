// Delivery variants (how order.created gets from the order transaction to the
// broker) and consumer variants (how billing applies it). Names are part of
// the CLI and JSON contract.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace dwsim::domain {

enum class Variant {
  dual_write,            // the seed: write-behind INSERT, publish inside the transaction, error swallowed
  publish_after_commit,  // commit, then publish; a failed publish is logged
  outbox_cursor,         // outbox row in the transaction; relay reads id > last_seen_id
  outbox,                // outbox row; relay claims with SKIP LOCKED, waits for each report, deletes by id
  // A canary (TigerBeetle's term): a deliberately broken relay the harness must
  // always catch. It claims rows like `outbox` but deletes and commits them
  // before it publishes ("mark before ack"), so a failed publish loses them.
  outbox_mark_before_ack,
};
inline constexpr std::array kAllVariants = {Variant::dual_write, Variant::publish_after_commit,
                                            Variant::outbox_cursor, Variant::outbox,
                                            Variant::outbox_mark_before_ack};

enum class ConsumerKind {
  naive,  // apply, then commit the offset; no dedupe
  inbox,  // unique event id inserted in the same transaction as the effect
};
inline constexpr std::array kAllConsumers = {ConsumerKind::inbox, ConsumerKind::naive};

const char* variant_name(Variant v);
std::optional<Variant> parse_variant(std::string_view name);
const char* consumer_name(ConsumerKind c);
std::optional<ConsumerKind> parse_consumer(std::string_view name);

inline bool uses_outbox(Variant v) { return v != Variant::dual_write && v != Variant::publish_after_commit; }
// The relay claims rows with SKIP LOCKED (and may run as several instances).
inline bool uses_claiming_relay(Variant v) { return v == Variant::outbox || v == Variant::outbox_mark_before_ack; }
// The seed's ORM defers the INSERT until flush, just before COMMIT.
inline bool uses_write_behind(Variant v) { return v == Variant::dual_write; }

}  // namespace dwsim::domain
