#include "chain/record_cache.h"

namespace wattle::chain {

std::optional<std::optional<Bytes>> RecordCache::get(const std::string& key, uint64_t* generation) {
  std::lock_guard lock(mu_);
  *generation = generation_;
  if (auto it = records_.find(key); it != records_.end()) return it->second;
  return std::nullopt;
}

void RecordCache::fill(const std::string& key, const std::optional<Bytes>& value,
                       uint64_t generation) {
  std::lock_guard lock(mu_);
  // Odd: the read may have seen part of a write's effect or none of it.
  // Changed: a write has ended since, and the value read may be older.
  if (generation % 2 == 1 || generation != generation_) return;
  put_locked(key, value);
}

void RecordCache::begin_write() {
  std::lock_guard lock(mu_);
  if (generation_ % 2 == 0) ++generation_;
}

void RecordCache::end_write(
    const std::vector<std::pair<std::string, std::optional<Bytes>>>* written) {
  std::lock_guard lock(mu_);
  if (!written) {
    records_.clear();
  } else {
    for (const auto& [key, value] : *written) put_locked(key, value);
  }
  if (generation_ % 2 == 1) ++generation_;
}

size_t RecordCache::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

void RecordCache::put_locked(const std::string& key, const std::optional<Bytes>& value) {
  if (capacity_ == 0) return;
  if (records_.size() >= capacity_ && !records_.contains(key)) records_.clear();
  records_.insert_or_assign(key, value);
}

}  // namespace wattle::chain
