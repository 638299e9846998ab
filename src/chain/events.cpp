#include "chain/events.h"

#include <algorithm>

#include "core/codec.h"

namespace wattle::chain {

std::vector<Event> block_events(uint64_t height, const Hash256& block_hash,
                                const std::vector<Hash256>& tx_hashes, std::vector<Event> market) {
  std::vector<Event> events;
  events.reserve(tx_hashes.size() + 1 + market.size());
  events.push_back(Event{0, Event::Kind::kBlock, height, block_hash,
                         static_cast<uint32_t>(tx_hashes.size()), Code::kOk, 0});
  for (uint32_t i = 0; i < tx_hashes.size(); ++i)
    events.push_back(Event{0, Event::Kind::kTx, height, tx_hashes[i], i, Code::kOk, 0});
  for (Event& m : market) events.push_back(std::move(m));
  for (size_t i = 0; i < events.size(); ++i) events[i].position = static_cast<uint32_t>(i);
  return events;
}

namespace {
// Per stored event: kind u8, height u64, hash 32, index u32, code u8, slot u64.
constexpr size_t kStoredEventBytes = 1 + 8 + 32 + 4 + 1 + 8;
// The kinds a block stores (kReorg is live only).
constexpr uint8_t kMaxKind = static_cast<uint8_t>(Event::Kind::kUnbonded);
}  // namespace

Bytes encode_events(const std::vector<Event>& events) {
  Writer w;
  w.u32(static_cast<uint32_t>(events.size()));
  for (const Event& e : events) {
    w.u8(static_cast<uint8_t>(e.kind));
    w.u64(e.height);
    encode(w, e.hash);
    w.u32(e.index);
    w.u8(static_cast<uint8_t>(e.code));
    w.u64(e.slot);
  }
  return std::move(w).take();
}

Result<std::vector<Event>> decode_events(ByteView bytes) {
  Reader r(bytes);
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, UINT32_MAX, kStoredEventBytes));
  std::vector<Event> out(n);
  for (Event& e : out) {
    WATTLE_RETURN_IF_ERROR(r.enumeration(e.kind, kMaxKind));
    WATTLE_RETURN_IF_ERROR(r.u64(e.height));
    WATTLE_RETURN_IF_ERROR(decode(r, e.hash));
    WATTLE_RETURN_IF_ERROR(r.u32(e.index));
    uint8_t code = 0;
    WATTLE_RETURN_IF_ERROR(r.u8(code));
    e.code = static_cast<Code>(code);
    WATTLE_RETURN_IF_ERROR(r.u64(e.slot));
  }
  WATTLE_RETURN_IF_ERROR(r.finish());
  return out;
}

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
