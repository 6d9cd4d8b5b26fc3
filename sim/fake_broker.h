// FakeBroker: the Kafka behaviours the variants depend on
// (failure-catalogue.md, "Kafka behaviour the fake must reproduce"):
//  - per-partition append-only logs with offsets; key -> partition by a stable
//    hash; the log survives a broker restart (down/up keeps every record).
//  - acks=all delivery reports. An idempotent producer session stamps each
//    record with (producer id, sequence); a retry inside the session is
//    recognised and not appended twice; a new session (a restarted process)
//    gets a new producer id and is not deduplicated against the old one.
//  - consumer-group offsets committed explicitly; a consumer that restarts
//    resumes from the committed offsets and gets uncommitted records again.
// While the broker is down, produce waits (up to the producer's max block),
// poll and offset commits fail with Errc::unavailable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "domain/ports.h"
#include "sim/scheduler.h"
#include "sim/trace.h"

namespace dwsim::sim {

enum class TopicId : std::uint8_t { order_created, order_cancelled };
enum class GroupId : std::uint8_t { billing, order_service };

struct BrokerRecord {
  std::int64_t offset;
  domain::Uuid key;
  domain::EventPayload payload;
  std::uint64_t producer_id;
  std::int64_t t_us;
};

class FakeBroker {
 public:
  FakeBroker(Scheduler& scheduler, Trace& trace, Probes& probes, int created_partitions = 3);

  bool up() const { return up_; }
  void set_up(bool up);
  WaitList& up_waiters() { return up_waiters_; }

  int partitions(TopicId topic) const { return static_cast<int>(logs_[index(topic)].size()); }
  int partition_for(TopicId topic, const domain::Uuid& key) const;
  std::uint64_t new_producer_id() { return next_producer_id_++; }

  struct Appended {
    bool appended;  // false: a recognised idempotent retry
    int partition;
    std::int64_t offset;
  };
  // REQUIRES: up(). seq < 0: a non-idempotent producer.
  Appended append(TopicId topic, const domain::Uuid& key, domain::EventPayload payload, std::uint64_t producer_id,
                  std::int64_t seq);

  const std::vector<BrokerRecord>& log(TopicId topic, int partition) const {
    return logs_[index(topic)][partition];
  }
  // Hands a partition's records over at the end of a run.
  std::vector<BrokerRecord> take_log(TopicId topic, int partition) { return std::move(logs_[index(topic)][partition]); }
  std::int64_t committed(GroupId group, TopicId topic, int partition) const;
  void commit(GroupId group, TopicId topic, int partition, std::int64_t next_offset);

 private:
  static int index(TopicId t) { return static_cast<int>(t); }
  Scheduler& scheduler_;
  Trace& trace_;
  Probes& probes_;
  bool up_ = true;
  WaitList up_waiters_;
  std::uint64_t next_producer_id_ = 1;
  std::vector<std::vector<BrokerRecord>> logs_[2];
  std::map<std::pair<std::uint64_t, int>, std::int64_t> last_seq_;  // (producer, partition) -> seq
  std::map<std::tuple<int, int, int>, std::int64_t> offsets_;       // (group, topic, partition)
};

}  // namespace dwsim::sim
