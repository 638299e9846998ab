#include "node/sync_pool.h"

#include <algorithm>

namespace wattle::node {

void SyncPool::set_claim(const PublicKey& peer, uint64_t height) {
  peers_[peer].claim = height;
}

uint64_t SyncPool::max_claim() const {
  uint64_t best = 0;
  for (const auto& [peer, s] : peers_) best = std::max(best, s.claim);
  return best;
}

void SyncPool::remove(const PublicKey& peer) {
  peers_.erase(peer);
  std::erase_if(requests_, [&](const auto& r) { return r.second.peer == peer; });
}

void SyncPool::on_head(uint64_t head) {
  // Only served heights are done. An unanswered request stays until its
  // answer or its timeout even if consensus got there first: whoever claimed
  // a height must serve it in time, or a liar would never be caught at the head.
  std::erase_if(requests_, [&](const auto& r) { return r.first <= head && r.second.served; });
}

void SyncPool::expire(Clock::time_point now) {
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.served || now - it->second.sent < limits_.timeout) {
      ++it;
      continue;
    }
    ++timeouts_;
    const PublicKey peer = it->second.peer;
    it = requests_.erase(it);
    auto p = peers_.find(peer);
    if (p == peers_.end()) continue;
    Peer& s = p->second;
    if (s.in_flight > 0) --s.in_flight;
    ++s.strikes;
    if (s.strikes >= limits_.drop_strikes) {
      ++drops_;
      dropped_.push_back(peer);
      remove(peer);
      it = requests_.lower_bound(0);  // remove() may have erased more entries
      continue;
    }
    const auto bench = std::min<std::chrono::milliseconds>(
        limits_.timeout * (int64_t{1} << std::min(s.strikes - 1, 20)), limits_.bench_cap);
    s.benched_until = now + bench;
  }
}

const PublicKey* SyncPool::pick(uint64_t height, Clock::time_point now) {
  // Start the scan at a rotating offset so that equally good peers share the work.
  const PublicKey* best = nullptr;
  const Peer* best_state = nullptr;
  const size_t n = peers_.size();
  if (n == 0) return nullptr;
  auto it = peers_.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(turn_ % n));
  for (size_t i = 0; i < n; ++i, ++it) {
    if (it == peers_.end()) it = peers_.begin();
    const Peer& s = it->second;
    if (s.claim < height || s.in_flight >= limits_.per_peer || s.benched_until > now) continue;
    if (!best_state ||
        std::tie(s.strikes, s.in_flight) < std::tie(best_state->strikes, best_state->in_flight)) {
      best = &it->first;
      best_state = &s;
    }
  }
  ++turn_;
  return best;
}

std::vector<SyncPool::Request> SyncPool::next(uint64_t head, Clock::time_point now) {
  on_head(head);
  expire(now);
  std::vector<Request> out;
  const uint64_t last = target(head);
  if (last <= head) return out;
  for (uint64_t h = head + 1; h <= last; ++h) {
    if (requests_.count(h)) continue;
    const PublicKey* peer = pick(h, now);
    if (!peer) continue;  // nobody free claims it now; a later height may still find one
    requests_.emplace(h, InFlight{*peer, now});
    ++peers_[*peer].in_flight;
    out.push_back(Request{h, *peer});
  }
  return out;
}

bool SyncPool::on_block(const PublicKey& peer, uint64_t height) {
  auto it = requests_.find(height);
  if (it == requests_.end() || it->second.peer != peer || it->second.served) return false;
  it->second.served = true;
  Peer& s = peers_[peer];
  if (s.in_flight > 0) --s.in_flight;
  s.strikes = 0;
  s.benched_until = {};
  return true;
}

std::vector<PublicKey> SyncPool::take_dropped() {
  return std::exchange(dropped_, {});
}

uint64_t SyncPool::target(uint64_t head) const {
  uint64_t best = 0;
  for (const auto& [id, s] : peers_) best = std::max(best, s.claim);
  // head + window cannot overflow in practice (heights are block counts),
  // but a claim near 2^64 must not wrap the cap.
  const uint64_t cap = head > UINT64_MAX - limits_.window ? UINT64_MAX : head + limits_.window;
  return std::min(best, cap);
}

size_t SyncPool::in_flight() const {
  return static_cast<size_t>(std::count_if(requests_.begin(), requests_.end(),
                                           [](const auto& r) { return !r.second.served; }));
}

int SyncPool::strikes(const PublicKey& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.strikes;
}

}  // namespace wattle::node
