// Admission: the HTTP server's policy on who gets a connection and how much
// request body may be in flight (docs/rpc.md; the limits are the fields of
// HttpServerConfig, rpc/http_server.h).
//
// Promises (all thread-safe; one mutex, never held while a session closes):
// - At most max_connections_per_ip connections per client address (counting
//   event streams); a newcomer over it is refused.
// - At most max_connections in all: when full, a newcomer evicts one
//   connection (the longest idle, else the one reading its headers longest,
//   else the one whose body arrives at the lowest average rate) and is
//   refused only if every connection is busy (handling or writing a
//   request, or streaming events: those are never evicted). A connection
//   claimed for eviction no longer counts against max_connections, so two
//   newcomers never evict for one place.
// - Request-body bytes in flight stay within max_body_bytes_per_ip per
//   address and max_body_bytes_total in all (charge_body / release_body).
// - A Ticket is a connection's place: it counts while the ticket lives and
//   is given back (address count, open-connection gauge) when the last owner
//   drops it, whichever session (HTTP, or the event stream an upgrade hands
//   it to) that is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rpc/metrics.h"

namespace wattle::rpc {

struct HttpServerConfig;

class Admission {
 public:
  // What a connection is doing, for choosing whom to evict.
  enum class Phase : int { kIdle, kHeader, kBody, kBusy };

  // A session that can be told to close (on its own strand, without answering).
  class Evictable {
   public:
    virtual ~Evictable() = default;
    virtual void evict() = 0;
  };

  class Ticket {
   public:
    Ticket(Admission& admission, std::string ip);
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

    const std::string& ip() const { return ip_; }
    Phase phase() const { return static_cast<Phase>(phase_.load()); }
    int64_t phase_since_ns() const { return phase_since_.load(); }
    void set_phase(Phase p);
    // While reading a body: its bytes so far (else 0).
    size_t body_bytes() const { return body_bytes_.load(); }
    void set_body_bytes(size_t n) { body_bytes_.store(n); }
    // The session serving the connection now (an upgrade hands it over).
    void set_owner(std::weak_ptr<Evictable> owner);

   private:
    friend class Admission;
    bool claim_eviction() { return !evicted_.exchange(true); }
    bool evicted() const { return evicted_.load(); }
    void evict();

    Admission& admission_;
    const std::string ip_;
    std::atomic<int> phase_{static_cast<int>(Phase::kIdle)};
    std::atomic<int64_t> phase_since_;
    std::atomic<bool> evicted_{false};
    std::atomic<size_t> body_bytes_{0};
    std::mutex owner_mu_;
    std::weak_ptr<Evictable> owner_;
    std::list<std::weak_ptr<Ticket>>::iterator self_;  // in Admission::tickets_
  };

  // `evicted` counts evictions; `open` is the open-connection gauge.
  // `config` must outlive the Admission, which must outlive every Ticket.
  Admission(const HttpServerConfig& config, Counter& evicted, Gauge& open);

  // A place for a new connection from `ip` (evicting one if needed), or
  // null with `why` it must be refused.
  std::shared_ptr<Ticket> admit(const std::string& ip, std::string_view& why);

  // Reserves `n` body bytes for `ip` within both budgets; false if over.
  bool charge_body(const std::string& ip, size_t n);
  void release_body(const std::string& ip, size_t n);

  // Connections holding a ticket (including ones being closed).
  size_t active() const { return active_.load(); }
  size_t body_bytes_in_flight() const;
  // Live connections waiting for a next request (the first to be evicted).
  size_t idle_connections() const;

 private:
  std::shared_ptr<Ticket> issue(const std::string& ip);
  std::shared_ptr<Ticket> pick_victim(const std::vector<std::shared_ptr<Ticket>>& candidates);

  const HttpServerConfig& config_;
  Counter& evicted_;
  Gauge& open_;
  std::atomic<size_t> active_{0};
  mutable std::mutex mu_;
  std::list<std::weak_ptr<Ticket>> tickets_;  // every live connection, for eviction
  std::unordered_map<std::string, size_t> per_ip_;
  size_t evicting_ = 0;  // connections told to close that have not closed yet
  // Request-body bytes in flight, per address and in all (see charge_body).
  std::unordered_map<std::string, size_t> body_per_ip_;
  size_t body_total_ = 0;
};

}  // namespace wattle::rpc
