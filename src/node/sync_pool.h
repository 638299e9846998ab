// SyncPool: which peer to ask for which block while a node catches up
// (CometBFT's blocksync pool, reduced to what one consensus thread needs).
// Pure bookkeeping: no sockets and no clock of its own (callers pass `now`),
// so tests drive it step by step.
//
// What it promises (docs/network.md, section 7):
//   - Bounded: at most `window` heights after the head are asked at once, at
//     most `per_peer` of them of one peer; nothing else is kept per peer.
//   - A claim is believed only as far as the node can check next: a peer's
//     claimed height counts up to head + window (target()), so "2^64 - 1"
//     buys a liar no more than an honest peer one window ahead.
//   - Rotation: each height goes to the eligible peer with the fewest
//     unanswered requests (strikes), then the fewest in flight, ties broken
//     round-robin; a request not answered within `timeout` is a strike, the
//     height goes back to be asked of someone else, and the peer is benched
//     for timeout * 2^(strikes - 1) (capped). A served block clears the strikes.
//   - A peer reaching `drop_strikes` is dropped: forgotten here and returned
//     once by take_dropped() so the node disconnects it.
//
// Thread safety: none; the node's consensus thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "core/keys.h"

namespace wattle::node {

class SyncPool {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    uint64_t window = 8;
    size_t per_peer = 2;
    std::chrono::milliseconds timeout{2000};
    int drop_strikes = 4;
    std::chrono::milliseconds bench_cap{30000};
  };
  struct Request {
    uint64_t height;
    PublicKey peer;
  };

  explicit SyncPool(Limits limits) : limits_(limits) {}

  // A Status from `peer`. A new claim replaces the old one (a wiped peer may
  // legitimately go down).
  void set_claim(const PublicKey& peer, uint64_t height);
  // The peer disconnected: its claim and requests are forgotten.
  void remove(const PublicKey& peer);

  // Expires overdue requests (strikes), then returns the new requests to send
  // for a node whose head is `head`, as soon as some peer claims more than
  // head. One height behind is also the normal race of a committing network
  // (the engine's catch-up answers a validator that votes), but a validator
  // whose signing state refuses to vote there (docs/consensus.md, "Signing
  // state") hears no decision unless it asks.
  std::vector<Request> next(uint64_t head, Clock::time_point now);
  // A block of `height` arrived from `peer`. True if it was asked of that
  // peer and not yet served: the peer's strikes are cleared and the height
  // is not asked again until the head passes it or release(height). False
  // for an unasked block (ignored by the caller).
  bool on_block(const PublicKey& peer, uint64_t height);
  // The served block of `height` did not commit (bad parent, refused): ask
  // for that height again.
  void release(uint64_t height) { requests_.erase(height); }
  // The node's head moved to `head` (a commit): served heights at or below it
  // are done. Unanswered requests still count until answered or timed out,
  // even if consensus got there first: a peer that claimed a height serves
  // it in time, honest or not.
  void on_head(uint64_t head);
  // Peers that reached drop_strikes since the last call.
  std::vector<PublicKey> take_dropped();

  // The highest claim of any peer, uncapped (what peers say, not what we checked).
  uint64_t max_claim() const;
  // The highest claim, capped at head + window: how far the node may sync next.
  uint64_t target(uint64_t head) const;
  // Requests sent and not answered yet.
  size_t in_flight() const;
  int strikes(const PublicKey& peer) const;
  uint64_t timeouts() const { return timeouts_; }
  uint64_t drops() const { return drops_; }

 private:
  struct Peer {
    uint64_t claim = 0;
    int strikes = 0;
    size_t in_flight = 0;
    Clock::time_point benched_until{};
  };
  struct InFlight {
    PublicKey peer;
    Clock::time_point sent;
    bool served = false;  // the block came; it waits for its parent to commit
  };
  void expire(Clock::time_point now);
  const PublicKey* pick(uint64_t height, Clock::time_point now);

  Limits limits_;
  std::map<PublicKey, Peer> peers_;
  std::map<uint64_t, InFlight> requests_;  // by height; at most `window`
  std::vector<PublicKey> dropped_;
  uint64_t turn_ = 0;  // round-robin among equally good peers
  uint64_t timeouts_ = 0;
  uint64_t drops_ = 0;
};

}  // namespace wattle::node
