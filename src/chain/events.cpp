#include "chain/events.h"

#include <algorithm>

namespace wattle::chain {

void EventBus::publish(std::vector<Event> events) {
  {
    std::lock_guard lock(mu_);
    for (Event& e : events) {
      e.seq = next_++;
      ring_.push_back(e);
      if (ring_.size() > capacity_) ring_.pop_front();
    }
  }
  cv_.notify_all();
}

EventBus::Batch EventBus::read(uint64_t from, size_t max) const {
  std::lock_guard lock(mu_);
  Batch b;
  uint64_t oldest = ring_.empty() ? next_ : ring_.front().seq;
  if (from < oldest) {
    b.missed = from != 0;  // 0 means "from the oldest kept"
    from = oldest;
  }
  for (uint64_t s = from; s < next_ && b.events.size() < max; ++s)
    b.events.push_back(ring_[s - oldest]);
  b.next = from + b.events.size();
  return b;
}

bool EventBus::wait(uint64_t from, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return next_ > from; });
}

uint64_t EventBus::next_seq() const {
  std::lock_guard lock(mu_);
  return next_;
}

}  // namespace wattle::chain
