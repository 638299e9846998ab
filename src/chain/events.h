// EventBus: what the application reports on commit (a block, each tx's
// result), in commit order, for the API and later the WebSocket stream.
//
// Promise: bounded: it keeps the last `capacity` events; a reader that falls
// further behind is told it missed some (Batch::missed) and resumes at the
// oldest kept event, so a slow subscriber never grows memory or blocks the
// publisher. Sequence numbers start at 1 and have no gaps. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/status.h"

namespace wattle::chain {

struct Event {
  // The market kinds (docs/market.md): kOrderPlaced (hash = order id),
  // kSlotCleared and kSlotSettled (index = orders in the book), kReadingPosted
  // (hash = the reading's tx hash); all carry `slot`.
  enum class Kind : uint8_t {
    kBlock = 0,
    kTx = 1,
    kOrderPlaced = 2,
    kSlotCleared = 3,
    kReadingPosted = 4,
    kSlotSettled = 5,
    // Certificates (docs/certificates.md, "Events"): kCertificatesIssued
    // (slot = production slot, index = bundles issued), kCertificateTransferred
    // and kCertificateCancelled (hash = the tx's hash, index = its position in
    // the block, slot = the bundle's production slot or the claimed slot).
    kCertificatesIssued = 6,
    kCertificateTransferred = 7,
    kCertificateCancelled = 8,
    // Staking (docs/staking.md, "Events"): kValidatorSetChanged (slot = the
    // height the set takes effect, index = its size, hash = the set record's
    // hash); kSlashed and kJailed (hash = the consensus key; slot = tokens
    // burned / the jail's last height); kUnbonded (hash = the delegator's
    // address, zero-padded; slot = the amount released).
    kValidatorSetChanged = 9,
    kSlashed = 10,
    kJailed = 11,
    kUnbonded = 12,
    // A chain that reorganises (proof of work, docs/consensus.md): the head
    // moved off `depth` blocks onto another branch. height/hash: the new
    // tip; old_height/old_tip: the one it left; index: the depth (blocks
    // disconnected). Published before the connected blocks' events; never
    // stored (a replay from the store sees only the branch that stayed).
    kReorg = 13,
  };
  uint64_t seq = 0;  // set by publish(); counts from 1 in each process
  Kind kind = Kind::kBlock;
  uint64_t height = 0;
  Hash256 hash;           // block hash or tx hash (market kinds: see above)
  uint32_t index = 0;     // kTx: position in the block; kBlock: tx count
  Code code = Code::kOk;  // kTx: the tx's result
  uint64_t slot = 0;      // market kinds: the delivery slot
  // Position among its block's events (block_events()): with `height`, the
  // event's durable cursor, the same after a restart or a replay.
  uint32_t position = 0;
  // On a chain that reorganises, the tip of the branch a kBlock was
  // connected on; kReorg: the tip left (zero otherwise). Live only.
  Hash256 branch;
  uint64_t old_height = 0;  // kReorg: the height of the tip left
};

// Every event of a committed block, in their order: the block, each tx (all
// applied: a failing tx fails its block), then `market` (what execution
// reported); positions set, seq left 0. One definition for the live events
// and their replay from the store (Store::events).
std::vector<Event> block_events(uint64_t height, const Hash256& block_hash,
                                const std::vector<Hash256>& tx_hashes, std::vector<Event> market);

// The market events of a block as the store keeps them (canonical codec).
Bytes encode_events(const std::vector<Event>& events);
Result<std::vector<Event>> decode_events(ByteView bytes);

class EventBus {
 public:
  explicit EventBus(size_t capacity = 4096) : capacity_(capacity ? capacity : 1) {}

  // Publishes events in order, assigning their sequence numbers.
  void publish(std::vector<Event> events);

  struct Batch {
    std::vector<Event> events;
    uint64_t next = 1;    // pass as `from` to read on
    bool missed = false;  // events from `from` on were dropped before this read
  };
  // Up to `max` events with seq >= from.
  Batch read(uint64_t from, size_t max) const;
  // Waits until an event with seq >= from exists or the timeout passes.
  bool wait(uint64_t from, std::chrono::milliseconds timeout) const;
  uint64_t next_seq() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Event> ring_;
  uint64_t next_ = 1;
};

}  // namespace wattle::chain
