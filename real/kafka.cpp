#include "real/kafka.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace dwsim::real {
namespace {

using domain::Errc;
using domain::make_error;
using domain::Result;
using Clock = std::chrono::steady_clock;

// librdkafka logs every refused connection while the broker is down; the
// errors that matter reach us through return values and delivery reports.
// DWSIM_RDKAFKA_DEBUG=<contexts> (e.g. fetch,broker) prints librdkafka's
// debug log on stderr instead.
class QuietEvents final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& e) override {
    if (std::getenv("DWSIM_RDKAFKA_DEBUG") != nullptr && e.type() == RdKafka::Event::EVENT_LOG) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count() % 100000;
      std::fprintf(stderr, "%05lld rdkafka %s: %s\n", static_cast<long long>(ms), e.fac().c_str(), e.str().c_str());
    }
  }
};
QuietEvents g_quiet;

Errc errc_of(RdKafka::ErrorCode code) {
  switch (code) {
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__ALL_BROKERS_DOWN:
    case RdKafka::ERR__RESOLVE:
    case RdKafka::ERR_BROKER_NOT_AVAILABLE:
    case RdKafka::ERR_LEADER_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_LEADER_FOR_PARTITION:
    case RdKafka::ERR_COORDINATOR_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_COORDINATOR:
    case RdKafka::ERR__WAIT_COORD:
    case RdKafka::ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RdKafka::ERR__TIMED_OUT_QUEUE:
      return Errc::unavailable;
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
      return Errc::timeout;
    case RdKafka::ERR__UNKNOWN_TOPIC:
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
      return Errc::not_found;
    default:
      return Errc::internal;
  }
}

domain::Error kafka_error(RdKafka::ErrorCode code, const std::string& what) {
  return make_error(errc_of(code), what + ": " + RdKafka::err2str(code));
}

Result<std::unique_ptr<RdKafka::Conf>> base_conf(const std::string& brokers) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  if (conf->set("bootstrap.servers", brokers, err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(&g_quiet), err) != RdKafka::Conf::CONF_OK ||
      conf->set("socket.connection.setup.timeout.ms", "3000", err) != RdKafka::Conf::CONF_OK ||
      conf->set("reconnect.backoff.max.ms", "500", err) != RdKafka::Conf::CONF_OK ||
      (std::getenv("DWSIM_RDKAFKA_DEBUG") != nullptr &&
       conf->set("debug", std::getenv("DWSIM_RDKAFKA_DEBUG"), err) != RdKafka::Conf::CONF_OK)) {
    return make_error(Errc::internal, "librdkafka configuration: " + err);
  }
  return conf;
}

Result<void> set_all(RdKafka::Conf& conf, std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::string err;
  for (const auto& [k, v] : kv) {
    if (conf.set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return make_error(Errc::internal, std::string("librdkafka configuration ") + k + ": " + err);
    }
  }
  return {};
}

Result<std::unique_ptr<RdKafka::KafkaConsumer>> make_consumer(const std::string& brokers, const std::string& group) {
  auto conf = base_conf(brokers);
  if (!conf) return conf.error();
  auto set = set_all(**conf, {{"group.id", group.c_str()},
                              {"enable.auto.commit", "false"},
                              {"enable.auto.offset.store", "false"},
                              {"enable.partition.eof", "true"},
                              {"auto.offset.reset", "earliest"},
                              {"fetch.wait.max.ms", "10"},
                              {"fetch.error.backoff.ms", "50"}});
  if (!set) return set.error();
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf->get(), err));
  if (!c) return make_error(Errc::internal, "cannot create a Kafka consumer: " + err);
  return c;
}

KafkaRecord record_of(const RdKafka::Message& m) {
  KafkaRecord r;
  r.partition = m.partition();
  r.offset = m.offset();
  if (m.key()) r.key = *m.key();
  r.payload.assign(static_cast<const char*>(m.payload()), m.len());
  if (const RdKafka::Headers* h = const_cast<RdKafka::Message&>(m).headers()) {
    const RdKafka::Headers::Header last = h->get_last("idempotency-key");
    if (last.err() == RdKafka::ERR_NO_ERROR && last.value() != nullptr) {
      r.idempotency_key.emplace(static_cast<const char*>(last.value()), last.value_size());
    }
  }
  return r;
}

struct PartitionList {
  std::vector<RdKafka::TopicPartition*> v;
  ~PartitionList() { RdKafka::TopicPartition::destroy(v); }
};

// The group's committed offsets. Right after a broker restart the group
// coordinator moves or is still loading: those answers are retried for up to
// 15 s before they become an error.
RdKafka::ErrorCode committed_with_retry(RdKafka::KafkaConsumer& c, std::vector<RdKafka::TopicPartition*>& parts) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  for (;;) {
    const RdKafka::ErrorCode e = c.committed(parts, 5000);
    if (e == RdKafka::ERR_NO_ERROR || (errc_of(e) != Errc::unavailable && errc_of(e) != Errc::timeout) ||
        Clock::now() > deadline) {
      return e;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

// Delivery reports, matched to their sender by the message's opaque pointer.
struct KafkaProducer::Reports final : public RdKafka::DeliveryReportCb {
  struct Pending {
    bool done = false;  // guarded by mu
    RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
    std::condition_variable* wake = nullptr;  // the sender's: only it is woken
  };
  std::mutex mu;
  void dr_cb(RdKafka::Message& m) override {
    auto* p = static_cast<Pending*>(m.msg_opaque());
    if (p == nullptr) return;
    // Notified under the lock: the sender may return (and its condition
    // variable go) as soon as it sees `done`.
    std::lock_guard<std::mutex> lock(mu);
    p->err = m.err();
    p->done = true;
    p->wake->notify_one();
  }
};

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::create(const std::string& brokers) {
  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  p->reports_ = std::make_unique<Reports>();
  auto conf = base_conf(brokers);
  if (!conf) return conf.error();
  // The seed's producer: acks=all, delivery timeout 3000 ms, request timeout 1000 ms.
  auto set = set_all(**conf, {{"acks", "all"},
                              {"enable.idempotence", "true"},
                              {"message.timeout.ms", "3000"},
                              {"request.timeout.ms", "1000"},
                              {"linger.ms", "0"}});
  if (!set) return set.error();
  std::string err;
  if ((*conf)->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(p->reports_.get()), err) !=
      RdKafka::Conf::CONF_OK) {
    return make_error(Errc::internal, "librdkafka dr_cb: " + err);
  }
  p->producer_.reset(RdKafka::Producer::create(conf->get(), err));
  if (!p->producer_) return make_error(Errc::internal, "cannot create a Kafka producer: " + err);
  RdKafka::Producer* raw = p->producer_.get();
  std::atomic<bool>* stop = &p->stop_;
  p->poller_ = std::thread([raw, stop] {
    while (!stop->load(std::memory_order_acquire)) raw->poll(50);
  });
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (producer_) {
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->poll(0);  // every sender has had its reports (send_all waits for all of them)
  }
  stop_.store(true, std::memory_order_release);
  if (poller_.joinable()) poller_.join();
}

Result<void> KafkaProducer::send(const std::string& topic, const std::string& key, const std::string& payload,
                                 const std::optional<std::string>& idempotency_key) {
  return std::move(send_all(topic, {Record{key, payload, idempotency_key}})[0]);
}

namespace {

Result<void> report_result(RdKafka::ErrorCode err, const std::string& topic) {
  if (err == RdKafka::ERR_NO_ERROR) return {};
  if (err == RdKafka::ERR__MSG_TIMED_OUT) {
    return make_error(Errc::unavailable, "Expiring 1 record(s) for " + topic + ": 3000 ms has passed since batch "
                                         "creation (broker unreachable: " + RdKafka::err2str(err) + ")");
  }
  return kafka_error(err, "delivery to " + topic);
}

}  // namespace

std::vector<Result<void>> KafkaProducer::send_all(const std::string& topic, const std::vector<Record>& records) {
  std::condition_variable wake;
  std::vector<Reports::Pending> pending(records.size());
  for (auto& p : pending) p.wake = &wake;
  std::vector<Result<void>> out(records.size());
  std::vector<bool> queued(records.size(), false);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    RdKafka::Headers* headers = RdKafka::Headers::create();
    if (r.idempotency_key) headers->add("idempotency-key", *r.idempotency_key);
    RdKafka::ErrorCode e = RdKafka::ERR__QUEUE_FULL;
    for (int tries = 0; tries < 1000 && e == RdKafka::ERR__QUEUE_FULL; ++tries) {
      e = producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                             const_cast<char*>(r.payload.data()), r.payload.size(), r.key.data(), r.key.size(), 0,
                             headers, &pending[i]);
      if (e == RdKafka::ERR__QUEUE_FULL) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (e != RdKafka::ERR_NO_ERROR) {
      delete headers;  // ownership passes only on success
      out[i] = kafka_error(e, "produce to " + topic);
      continue;
    }
    queued[i] = true;
  }
  // message.timeout.ms bounds each report; the extra second is slack.
  const auto deadline = Clock::now() + std::chrono::milliseconds(4000);
  auto all_done = [&] {  // REQUIRES: reports_->mu held
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (queued[i] && !pending[i].done) return false;
    }
    return true;
  };
  std::unique_lock<std::mutex> lock(reports_->mu);
  while (!all_done()) {
    wake.wait_until(lock, deadline, all_done);
    if (Clock::now() > deadline && !all_done()) {
      // Never leave a report pointing at this frame: purge, then wait for
      // the purged records' reports (the poller serves them).
      lock.unlock();
      producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      lock.lock();
      wake.wait(lock, all_done);
      for (std::size_t i = 0; i < records.size(); ++i) {
        if (queued[i] && pending[i].err != RdKafka::ERR_NO_ERROR) {
          out[i] = make_error(Errc::timeout, "no delivery report for " + topic + " within 4000 ms");
          queued[i] = false;
        }
      }
      break;
    }
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (queued[i]) out[i] = report_result(pending[i].err, topic);
  }
  return out;
}

void KafkaProducer::flush(std::chrono::milliseconds limit) { producer_->flush(static_cast<int>(limit.count())); }

Result<void> KafkaProducer::warm_up(const std::string& probe_topic, const std::vector<std::string>& topics) {
  auto sent = send(probe_topic, "warm-up", "{}", std::nullopt);
  if (!sent) return sent.error();
  std::string err;
  for (const auto& name : topics) {
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer_.get(), name, nullptr, err));
    RdKafka::Metadata* raw = nullptr;
    const RdKafka::ErrorCode e = producer_->metadata(false, t.get(), &raw, 5000);
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "metadata of " + name);
  }
  return {};
}

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::create(const std::string& brokers, const std::string& group,
                                                             const std::string& topic) {
  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer());
  c->topic_ = topic;
  auto parts = topic_partitions(brokers, topic, std::chrono::milliseconds(5000));
  if (!parts) return parts.error();
  for (int p = 0; p < *parts; ++p) c->partitions_.push_back(p);
  auto consumer = make_consumer(brokers, group);
  if (!consumer) return consumer.error();
  c->consumer_ = std::move(*consumer);
  PartitionList list;
  for (int p : c->partitions_) list.v.push_back(RdKafka::TopicPartition::create(topic, p));
  const RdKafka::ErrorCode got = committed_with_retry(*c->consumer_, list.v);
  if (got != RdKafka::ERR_NO_ERROR) return kafka_error(got, "reading the committed offsets of group " + group);
  for (auto* tp : list.v) {
    c->committed_[tp->partition()] = tp->offset() >= 0 ? tp->offset() : RdKafka::Topic::OFFSET_BEGINNING;
  }
  auto assigned = c->assign_at(c->committed_);
  if (!assigned) return assigned.error();
  return c;
}

KafkaConsumer::~KafkaConsumer() {
  if (consumer_) consumer_->close();
}

Result<void> KafkaConsumer::assign_at(const std::map<int, std::int64_t>& offsets) {
  PartitionList list;
  for (const auto& [p, off] : offsets) list.v.push_back(RdKafka::TopicPartition::create(topic_, p, off));
  const RdKafka::ErrorCode e = consumer_->assign(list.v);
  if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "assign " + topic_);
  for (int p : partitions_) at_end_[p] = false;
  return {};
}

Result<std::vector<KafkaRecord>> KafkaConsumer::poll(int max, std::chrono::milliseconds wait) {
  std::vector<KafkaRecord> out;
  const auto deadline = Clock::now() + wait;
  auto all_at_end = [&] {
    for (const auto& [p, end] : at_end_) if (!end) return false;
    return true;
  };
  while (static_cast<int>(out.size()) < max) {
    // Wait only for the first record: once something arrived (or every
    // partition is at its end) take what is already fetched and return.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int timeout = all_at_end() || !out.empty() ? 0 : static_cast<int>(std::max<long long>(0, left));
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(timeout));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      at_end_[m->partition()] = false;
      out.push_back(record_of(*m));
    } else if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      at_end_[m->partition()] = true;
    } else if (m->err() == RdKafka::ERR__TIMED_OUT) {
      if (timeout == 0 || Clock::now() >= deadline) break;
    } else {
      if (!out.empty()) break;
      return kafka_error(m->err(), "consume " + topic_);
    }
  }
  return out;
}

Result<void> KafkaConsumer::commit(int partition, std::int64_t next_offset) {
  PartitionList list;
  list.v.push_back(RdKafka::TopicPartition::create(topic_, partition, next_offset));
  const RdKafka::ErrorCode e = consumer_->commitSync(list.v);
  if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "offset commit on " + topic_);
  if (list.v[0]->err() != RdKafka::ERR_NO_ERROR) return kafka_error(list.v[0]->err(), "offset commit on " + topic_);
  committed_[partition] = next_offset;
  return {};
}

Result<void> KafkaConsumer::rewind() { return assign_at(committed_); }

Result<void> KafkaConsumer::reset_to(const std::map<int, std::int64_t>& offsets) {
  PartitionList list;
  for (const auto& [p, off] : offsets) list.v.push_back(RdKafka::TopicPartition::create(topic_, p, off));
  const RdKafka::ErrorCode e = consumer_->commitSync(list.v);
  if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "offset commit on " + topic_);
  committed_ = offsets;
  auto assigned = assign_at(committed_);
  if (!assigned) return assigned;
  return wait_ready(std::chrono::milliseconds(3000));
}

Result<void> KafkaConsumer::wait_ready(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  bool saw_record = false;
  auto all_at_end = [&] {
    for (const auto& [p, end] : at_end_) if (!end) return false;
    return true;
  };
  while (!all_at_end()) {
    if (Clock::now() > deadline) return make_error(Errc::timeout, "consumer of " + topic_ + " did not start fetching");
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(20));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      at_end_[m->partition()] = true;
    } else if (m->err() == RdKafka::ERR_NO_ERROR) {
      at_end_[m->partition()] = true;  // fetching; the record is handed out again after the rewind below
      saw_record = true;
    }
  }
  if (saw_record) {
    auto r = rewind();
    if (!r) return r;
  }
  return {};
}

Result<std::int64_t> KafkaConsumer::lag() {
  PartitionList list;
  for (int p : partitions_) list.v.push_back(RdKafka::TopicPartition::create(topic_, p));
  const RdKafka::ErrorCode got = committed_with_retry(*consumer_, list.v);
  if (got != RdKafka::ERR_NO_ERROR) return kafka_error(got, "reading committed offsets");
  std::int64_t lag = 0;
  for (auto* tp : list.v) {
    std::int64_t low = 0, high = 0;
    const RdKafka::ErrorCode e = consumer_->query_watermark_offsets(topic_, tp->partition(), &low, &high, 5000);
    if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "watermarks of " + topic_);
    const std::int64_t at = tp->offset() >= 0 ? tp->offset() : low;
    lag += std::max<std::int64_t>(0, high - at);
  }
  return lag;
}

Result<int> topic_partitions(const std::string& brokers, const std::string& topic, std::chrono::milliseconds wait) {
  auto conf = base_conf(brokers);
  if (!conf) return conf.error();
  std::string err;
  std::unique_ptr<RdKafka::Producer> handle(RdKafka::Producer::create(conf->get(), err));
  if (!handle) return make_error(Errc::internal, "cannot create a Kafka client: " + err);
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(handle.get(), topic, nullptr, err));
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode e = handle->metadata(false, t.get(), &raw, static_cast<int>(wait.count()));
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (e != RdKafka::ERR_NO_ERROR) {
    return make_error(Errc::unavailable, "cannot reach the Kafka broker at " + brokers + ": " + RdKafka::err2str(e));
  }
  for (const auto* tm : *md->topics()) {
    if (tm->topic() != topic) continue;
    if (tm->err() != RdKafka::ERR_NO_ERROR || tm->partitions()->empty()) {
      return make_error(Errc::not_found, "topic " + topic + " does not exist on " + brokers +
                                             " (create it: ./dwsim infra up)");
    }
    return static_cast<int>(tm->partitions()->size());
  }
  return make_error(Errc::not_found, "topic " + topic + " does not exist on " + brokers);
}

Result<std::map<int, std::int64_t>> end_offsets(const std::string& brokers, const std::string& topic,
                                                 std::chrono::milliseconds wait) {
  auto parts = topic_partitions(brokers, topic, wait);
  if (!parts) return parts.error();
  auto c = make_consumer(brokers, "dwsim-watermarks");
  if (!c) return c.error();
  std::map<int, std::int64_t> out;
  for (int p = 0; p < *parts; ++p) {
    std::int64_t low = 0, high = 0;
    const RdKafka::ErrorCode e =
        (*c)->query_watermark_offsets(topic, p, &low, &high, static_cast<int>(wait.count()));
    if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "watermarks of " + topic);
    out[p] = high;
  }
  (*c)->close();
  return out;
}

Result<void> commit_group_offsets(const std::string& brokers, const std::string& group, const std::string& topic,
                                  const std::map<int, std::int64_t>& offsets) {
  auto c = make_consumer(brokers, group);
  if (!c) return c.error();
  PartitionList list;
  for (const auto& [p, off] : offsets) list.v.push_back(RdKafka::TopicPartition::create(topic, p, off));
  const RdKafka::ErrorCode e = (*c)->commitSync(list.v);
  (*c)->close();
  if (e != RdKafka::ERR_NO_ERROR) return kafka_error(e, "committing the start offsets of group " + group);
  return {};
}

Result<std::vector<KafkaRecord>> read_range(const std::string& brokers, const std::string& topic,
                                            const std::map<int, std::int64_t>& from, std::chrono::milliseconds wait) {
  auto ends = end_offsets(brokers, topic, wait);
  if (!ends) return ends.error();
  auto c = make_consumer(brokers, "dwsim-reader");
  if (!c) return c.error();
  PartitionList list;
  std::map<int, std::int64_t> remaining;
  for (const auto& [p, end] : *ends) {
    const auto it = from.find(p);
    const std::int64_t start = it == from.end() ? 0 : it->second;
    if (end > start) {
      remaining[p] = end;
      list.v.push_back(RdKafka::TopicPartition::create(topic, p, start));
    }
  }
  std::vector<KafkaRecord> out;
  if (list.v.empty()) return out;
  const RdKafka::ErrorCode a = (*c)->assign(list.v);
  if (a != RdKafka::ERR_NO_ERROR) return kafka_error(a, "assign " + topic);
  const auto deadline = Clock::now() + wait;
  while (!remaining.empty() && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m((*c)->consume(100));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    auto it = remaining.find(m->partition());
    if (it == remaining.end()) continue;
    out.push_back(record_of(*m));
    if (m->offset() + 1 >= it->second) remaining.erase(it);
  }
  (*c)->close();
  if (!remaining.empty()) return make_error(Errc::timeout, "could not read " + topic + " to its end in time");
  return out;
}

}  // namespace dwsim::real
