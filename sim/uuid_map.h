// UuidMap: a hash map keyed by Uuid with deterministic iteration, in
// insertion order. The fake database and the oracle look orders up by id
// hundreds of thousands of times a run; std::map's pointer chasing made those
// lookups the largest cost of a benchmark run. The standard unordered maps are not
// allowed in simulated code (its iteration order belongs to the standard
// library), so this is open addressing over an insertion-ordered vector:
// lookups touch one or two cache lines, iteration never depends on hashing.
// No erase: orders and inbox entries are never deleted.
#pragma once

#include <cassert>
#include <cstdint>
#include <utility>
#include <vector>

#include "domain/uuid.h"

namespace dwsim::sim {

template <typename V>
class UuidMap {
 public:
  using value_type = std::pair<domain::Uuid, V>;
  using const_iterator = typename std::vector<value_type>::const_iterator;
  using iterator = typename std::vector<value_type>::iterator;

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

  V* find(const domain::Uuid& key) {
    const std::uint32_t slot = locate(key);
    return slot == kNone ? nullptr : &items_[slots_[slot] - 1].second;
  }
  const V* find(const domain::Uuid& key) const { return const_cast<UuidMap*>(this)->find(key); }
  std::size_t count(const domain::Uuid& key) const { return find(key) ? 1 : 0; }
  const V& at(const domain::Uuid& key) const {
    const V* v = find(key);
    assert(v);
    return *v;
  }

  // Inserts when absent; returns the value and whether it was inserted.
  std::pair<V*, bool> try_emplace(const domain::Uuid& key, V value) {
    if (V* existing = find(key)) return {existing, false};
    if ((items_.size() + 1) * 2 > slots_.size()) grow();
    items_.emplace_back(key, std::move(value));
    place(key, static_cast<std::uint32_t>(items_.size()));
    return {&items_.back().second, true};
  }
  void insert_or_assign(const domain::Uuid& key, V value) {
    if (V* existing = find(key)) {
      *existing = std::move(value);
      return;
    }
    try_emplace(key, std::move(value));
  }
  V& operator[](const domain::Uuid& key) {
    if (V* existing = find(key)) return *existing;
    return *try_emplace(key, V{}).first;
  }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  static std::uint64_t hash(const domain::Uuid& k) {
    std::uint64_t h = (k.hi ^ (k.lo * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
  }
  // The slot holding key, or kNone.
  std::uint32_t locate(const domain::Uuid& key) const {
    if (slots_.empty()) return kNone;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      const std::uint32_t s = slots_[i];
      if (s == 0) return kNone;
      if (items_[s - 1].first == key) return static_cast<std::uint32_t>(i);
    }
  }
  void place(const domain::Uuid& key, std::uint32_t item_plus_one) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(key) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = item_plus_one;
  }
  void grow() {
    slots_.assign(slots_.empty() ? 16 : slots_.size() * 2, 0);
    for (std::size_t n = 0; n < items_.size(); ++n) place(items_[n].first, static_cast<std::uint32_t>(n + 1));
  }

  std::vector<value_type> items_;
  std::vector<std::uint32_t> slots_;  // 0: empty; else 1 + index into items_
};

}  // namespace dwsim::sim
