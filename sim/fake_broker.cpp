#include "sim/fake_broker.h"

#include <cassert>

namespace dwsim::sim {

FakeBroker::FakeBroker(Scheduler& scheduler, Trace& trace, Probes& probes, int created_partitions)
    : scheduler_(scheduler), trace_(trace), probes_(probes), up_waiters_(scheduler) {
  assert(created_partitions > 0);
  logs_[index(TopicId::order_created)].resize(created_partitions);
  logs_[index(TopicId::order_cancelled)].resize(1);
}

void FakeBroker::set_up(bool up) {
  if (up == up_) return;
  up_ = up;
  trace_.record(scheduler_.now_us(), Actor::broker, 0, up ? Op::broker_up : Op::broker_down);
  if (up) up_waiters_.notify_all();
}

int FakeBroker::partition_for(TopicId topic, const domain::Uuid& key) const {
  // FNV-1a over the key's 16 bytes: stable across runs and machines.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < 16; ++i) {
    const std::uint64_t word = i < 8 ? key.hi : key.lo;
    h ^= (word >> (8 * (i % 8))) & 0xFF;
    h *= 0x100000001b3ull;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(partitions(topic)));
}

FakeBroker::Appended FakeBroker::append(TopicId topic, const domain::Uuid& key, domain::EventPayload payload,
                                        std::uint64_t producer_id, std::int64_t seq) {
  assert(up_);
  const int partition = partition_for(topic, key);
  auto& log = logs_[index(topic)][partition];
  if (seq >= 0) {
    auto [it, inserted] = last_seq_.try_emplace({producer_id, partition}, -1);
    if (seq <= it->second) {
      probes_.hit(Probe::fault_idempotent_retry_deduped);
      return Appended{false, partition, -1};
    }
    it->second = seq;
  }
  const auto offset = static_cast<std::int64_t>(log.size());
  log.push_back(BrokerRecord{offset, key, std::move(payload), producer_id, scheduler_.now_us()});
  return Appended{true, partition, offset};
}

std::int64_t FakeBroker::committed(GroupId group, TopicId topic, int partition) const {
  auto it = offsets_.find({static_cast<int>(group), index(topic), partition});
  return it == offsets_.end() ? 0 : it->second;
}

void FakeBroker::commit(GroupId group, TopicId topic, int partition, std::int64_t next_offset) {
  auto& slot = offsets_[{static_cast<int>(group), index(topic), partition}];
  if (next_offset > slot) slot = next_offset;
}

}  // namespace dwsim::sim
