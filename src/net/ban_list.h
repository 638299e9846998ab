// BanList: node ids refused until a deadline. Bounded: at capacity, banning
// one more evicts the ban that ends soonest, so an attacker minting keys
// cannot grow our memory (and with an allow-list such keys are refused
// anyway). The clock is a parameter. Thread safety: none.
#pragma once

#include <chrono>
#include <map>

#include "core/keys.h"

namespace wattle::net {

class BanList {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BanList(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  void ban(const PublicKey& id, Clock::time_point until);
  bool is_banned(const PublicKey& id, Clock::time_point now);
  size_t size() const { return until_.size(); }

 private:
  size_t capacity_;
  std::map<PublicKey, Clock::time_point> until_;
};

}  // namespace wattle::net
