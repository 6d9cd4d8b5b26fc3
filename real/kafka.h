// A Kafka-protocol broker through librdkafka 2.0 (C++ API). Internal to real/.
//
// Producer: acks=all, enable.idempotence=true, one delivery report per record
// awaited before send() returns (a poller thread serves the reports; waiting
// senders sleep); the seed's timeouts (delivery 3000 ms,
// request 1000 ms). One producer is one idempotent-producer session: a
// process restart makes a new one, which the broker does not deduplicate
// against the old.
//
// Consumer: a member of a consumer group that commits offsets explicitly
// (enable.auto.commit=false). It assigns itself every partition of its topic
// at the group's committed offsets (one consumer per group, as in the
// simulator), so a restart resumes from the last commit and redelivers the
// rest. rdkafka error codes are translated into domain errors here.
//
// Blocking: every call here blocks; the world calls them through offload().
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/result.h"

namespace dwsim::real {

struct KafkaRecord {
  int partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string payload;
  std::optional<std::string> idempotency_key;
};

class KafkaProducer {
 public:
  static domain::Result<std::unique_ptr<KafkaProducer>> create(const std::string& brokers);
  ~KafkaProducer();
  // Produces one record and waits for its delivery report. Errors:
  // unavailable (the broker could not be reached before the delivery timeout),
  // timeout (sent, no report: the record may be in the log).
  domain::Result<void> send(const std::string& topic, const std::string& key, const std::string& payload,
                            const std::optional<std::string>& idempotency_key);
  struct Record {
    std::string key;
    std::string payload;
    std::optional<std::string> idempotency_key;
  };
  // Produces every record (in flight together), then waits for every
  // delivery report; result i is record i's. Errors as for send().
  std::vector<domain::Result<void>> send_all(const std::string& topic, const std::vector<Record>& records);
  // Waits for every outstanding report (graceful shutdown).
  void flush(std::chrono::milliseconds limit);
  // Opens the session before the first real record: acquires the idempotent
  // producer id (a record to the probe topic) and the topics' metadata.
  domain::Result<void> warm_up(const std::string& probe_topic, const std::vector<std::string>& topics);

 private:
  KafkaProducer() = default;
  struct Reports;
  std::unique_ptr<Reports> reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
  // Serves the delivery reports (rd_kafka_poll) for every sender: senders
  // sleep on a condition variable instead of polling the queue themselves.
  std::thread poller_;
  std::atomic<bool> stop_{false};
};

class KafkaConsumer {
 public:
  // Assigns every partition of topic at the group's committed offsets
  // (earliest where the group has none).
  static domain::Result<std::unique_ptr<KafkaConsumer>> create(const std::string& brokers, const std::string& group,
                                                               const std::string& topic);
  ~KafkaConsumer();
  // Up to max records, waiting at most `wait` for the first one; returns early
  // once every partition is at its end.
  domain::Result<std::vector<KafkaRecord>> poll(int max, std::chrono::milliseconds wait);
  // Commits offset+1 of the record's partition for the group (synchronous).
  domain::Result<void> commit(int partition, std::int64_t next_offset);
  // Commits `offsets` for the group and moves there (a new run starts).
  domain::Result<void> reset_to(const std::map<int, std::int64_t>& offsets);
  // Back to the last committed offsets: uncommitted records are redelivered.
  domain::Result<void> rewind();
  // Blocks until the consumer is fetching every partition (each reported its
  // end once), at most `limit`. A new consumer starts fetching only after
  // some hundreds of milliseconds; a warm one answers a poll at once.
  domain::Result<void> wait_ready(std::chrono::milliseconds limit);
  // Records of the topic the group has not committed (queries the broker).
  domain::Result<std::int64_t> lag();

 private:
  KafkaConsumer() = default;
  domain::Result<void> assign_at(const std::map<int, std::int64_t>& offsets);
  std::string topic_;
  std::vector<int> partitions_;
  std::map<int, std::int64_t> committed_;  // next offset to read, per partition, as committed
  std::map<int, bool> at_end_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

// Partition count of a topic; unavailable when the broker is unreachable,
// not_found when the topic does not exist.
domain::Result<int> topic_partitions(const std::string& brokers, const std::string& topic,
                                     std::chrono::milliseconds wait);
// High watermark (end offset) of each partition.
domain::Result<std::map<int, std::int64_t>> end_offsets(const std::string& brokers, const std::string& topic,
                                                        std::chrono::milliseconds wait);
// Commits `offsets` for `group` without joining it (a fresh group starts there).
domain::Result<void> commit_group_offsets(const std::string& brokers, const std::string& group,
                                          const std::string& topic, const std::map<int, std::int64_t>& offsets);
// Every record of topic from `from` (per partition) to the current end.
domain::Result<std::vector<KafkaRecord>> read_range(const std::string& brokers, const std::string& topic,
                                                    const std::map<int, std::int64_t>& from,
                                                    std::chrono::milliseconds wait);

}  // namespace dwsim::real
