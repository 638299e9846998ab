// Event and EventQueue: the simulator's virtual time (docs/consensus.md).
//
// Promises: events leave the queue in (virtual time, insertion sequence)
// order, a total order fixed by the order of push() calls alone, so a
// schedule replays from its seed whatever the machine. An Event is a plain
// record: what it means is up to the part of the simulator that handles its
// kind (simulator.cpp dispatches them).
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "consensus/engine.h"

namespace wattle::cluster_sim {

using consensus::NodeIndex;

enum class EventKind : uint8_t {
  kDeliver,
  kOneWay,  // from -> node cut (incarnation 1) or restored (0)
  kTimeout,
  kValueReady,
  kCrash,
  kRestart,
  kPartition,
  kGst,
  kSubmit,       // full mode: a signed transfer or community tx reaches `node`
  kCandidateTx,  // staked: candidate `node`'s join (incarnation 0) or leave (1), try `from`
  kSync,         // staked: candidate `node` catches up by block sync (candidates.h)
};

struct Event {
  uint64_t time = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::kDeliver;
  NodeIndex node = 0;
  NodeIndex from = 0;
  uint64_t incarnation = 0;
  consensus::Timeout timeout{};
  Bytes message{};
  std::vector<uint8_t> groups{};  // kPartition: group per node; all equal = healed
};

// Any record with `time` and `seq` fields queues the same way (the PoW
// simulator's events are its own record type).
template <class E>
class BasicEventQueue {
 public:
  void push(E e) {
    e.seq = seq_++;
    queue_.push(std::move(e));
  }
  bool empty() const { return queue_.empty(); }
  // The earliest event. Precondition: !empty().
  E pop() {
    E e = std::move(const_cast<E&>(queue_.top()));  // only time/seq order the heap
    queue_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const E& a, const E& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  std::priority_queue<E, std::vector<E>, Later> queue_;
  uint64_t seq_ = 0;
};
using EventQueue = BasicEventQueue<Event>;

}  // namespace wattle::cluster_sim
