#include "net/ban_list.h"

#include <algorithm>

namespace wattle::net {

void BanList::ban(const PublicKey& id, Clock::time_point until) {
  auto it = until_.find(id);
  if (it != until_.end()) {
    it->second = std::max(it->second, until);
    return;
  }
  if (until_.size() >= capacity_) {
    auto soonest = std::min_element(until_.begin(), until_.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    });
    until_.erase(soonest);
  }
  until_.emplace(id, until);
}

bool BanList::is_banned(const PublicKey& id, Clock::time_point now) {
  auto it = until_.find(id);
  if (it == until_.end()) return false;
  if (now < it->second) return true;
  until_.erase(it);  // expired: forget it so the map only holds live bans
  return false;
}

}  // namespace wattle::net
