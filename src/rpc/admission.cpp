#include "rpc/admission.h"

#include <algorithm>
#include <chrono>
#include <climits>

#include "rpc/http_server.h"

namespace wattle::rpc {

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Admission::Ticket::Ticket(Admission& admission, std::string ip)
    : admission_(admission), ip_(std::move(ip)), phase_since_(now_ns()) {
  admission_.active_.fetch_add(1);
  admission_.open_.add(1);
}

Admission::Ticket::~Ticket() {
  {
    std::lock_guard lock(admission_.mu_);
    admission_.tickets_.erase(self_);
    auto& per_ip = admission_.per_ip_;
    if (auto it = per_ip.find(ip_); it != per_ip.end() && --it->second == 0) per_ip.erase(it);
    if (evicted_.load()) --admission_.evicting_;
  }
  admission_.open_.add(-1);
  admission_.active_.fetch_sub(1);
}

void Admission::Ticket::set_phase(Phase p) {
  phase_.store(static_cast<int>(p));
  phase_since_.store(now_ns());
}

void Admission::Ticket::set_owner(std::weak_ptr<Evictable> owner) {
  std::lock_guard lock(owner_mu_);
  owner_ = std::move(owner);
}

void Admission::Ticket::evict() {
  std::shared_ptr<Evictable> owner;
  {
    std::lock_guard lock(owner_mu_);
    owner = owner_.lock();
  }
  if (owner) owner->evict();  // gone: its connection is closing anyway
}

Admission::Admission(const HttpServerConfig& config, Counter& evicted, Gauge& open)
    : config_(config), evicted_(evicted), open_(open) {}

std::shared_ptr<Admission::Ticket> Admission::issue(const std::string& ip) {
  auto ticket = std::make_shared<Ticket>(*this, ip);
  std::lock_guard lock(mu_);
  ticket->self_ = tickets_.insert(tickets_.end(), ticket);
  return ticket;
}

std::shared_ptr<Admission::Ticket> Admission::admit(const std::string& ip, std::string_view& why) {
  static constexpr std::string_view kPerIp = "too many connections from this address";
  static constexpr std::string_view kFull = "too many connections";
  std::vector<std::shared_ptr<Ticket>> candidates;
  bool room = false;
  {
    std::lock_guard lock(mu_);
    size_t& mine = per_ip_[ip];
    if (mine >= std::max<size_t>(1, config_.max_connections_per_ip)) {
      why = kPerIp;
      return nullptr;
    }
    if (active_.load() - evicting_ < config_.max_connections) {
      ++mine;  // the Ticket's destructor gives it back
      room = true;
    } else {
      if (mine == 0) per_ip_.erase(ip);
      candidates.reserve(tickets_.size());
      for (const auto& w : tickets_)
        if (auto sp = w.lock()) candidates.push_back(std::move(sp));
    }
  }
  // (Only the acceptor admits, one connection at a time: nobody takes the
  // place between the check above and the ticket below.)
  if (room) return issue(ip);
  // Outside the lock: dropping the last reference to a ticket runs its
  // destructor, which takes the lock. Idle first, then the slowest header,
  // then the slowest body.
  std::shared_ptr<Ticket> victim = pick_victim(candidates);
  // Holding `victim` keeps its destructor (which counts evicting_ down) from
  // running before the count goes up.
  if (!victim || !victim->claim_eviction()) {
    why = kFull;
    return nullptr;
  }
  {
    std::lock_guard lock(mu_);
    ++evicting_;
    ++per_ip_[ip];
  }
  evicted_.inc();
  victim->evict();
  return issue(ip);
}

// The connection to close for a newcomer: the longest idle, else the one
// reading its headers longest, else the one whose body has arrived at the
// lowest average rate; null if every connection is busy answering.
std::shared_ptr<Admission::Ticket> Admission::pick_victim(
    const std::vector<std::shared_ptr<Ticket>>& candidates) {
  std::shared_ptr<Ticket> victim;
  for (const auto wanted : {Phase::kIdle, Phase::kHeader}) {
    int64_t oldest = INT64_MAX;
    for (const auto& c : candidates) {
      if (c->phase() == wanted && !c->evicted() && c->phase_since_ns() < oldest) {
        oldest = c->phase_since_ns();
        victim = c;
      }
    }
    if (victim) return victim;
  }
  const int64_t now = now_ns();
  double slowest = 0;
  for (const auto& c : candidates) {
    if (c->phase() != Phase::kBody || c->evicted()) continue;
    const double seconds =
        static_cast<double>(std::max<int64_t>(1, now - c->phase_since_ns())) / 1e9;
    const double rate = static_cast<double>(c->body_bytes()) / seconds;
    if (!victim || rate < slowest) {
      slowest = rate;
      victim = c;
    }
  }
  return victim;
}

bool Admission::charge_body(const std::string& ip, size_t n) {
  std::lock_guard lock(mu_);
  size_t& mine = body_per_ip_[ip];
  if (mine + n > config_.max_body_bytes_per_ip || body_total_ + n > config_.max_body_bytes_total) {
    if (mine == 0) body_per_ip_.erase(ip);
    return false;
  }
  mine += n;
  body_total_ += n;
  return true;
}

void Admission::release_body(const std::string& ip, size_t n) {
  if (n == 0) return;
  std::lock_guard lock(mu_);
  body_total_ -= n;
  if (auto it = body_per_ip_.find(ip); it != body_per_ip_.end() && (it->second -= n) == 0)
    body_per_ip_.erase(it);
}

size_t Admission::body_bytes_in_flight() const {
  std::lock_guard lock(mu_);
  return body_total_;
}

size_t Admission::idle_connections() const {
  std::vector<std::shared_ptr<Ticket>> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& w : tickets_)
      if (auto t = w.lock()) live.push_back(std::move(t));
  }
  // Counted (and the references dropped) outside the lock: a ticket's
  // destructor takes it.
  size_t n = 0;
  for (const auto& t : live) n += t->phase() == Phase::kIdle && !t->evicted();
  return n;
}

}  // namespace wattle::rpc
