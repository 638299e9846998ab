// Network: the simulated network between validators (docs/consensus.md), the part
// TigerBeetle calls the packet simulator.
//
// Promises: every message sent is counted (ScheduleResult::messages) and
// shown to the checker (which records what was really signed) before the
// network decides its fate. Before GST a message is lost with
// SimConfig::loss_percent, duplicated now and then, delayed up to
// kPreGstMaxDelayMs (a tenth straggle up to kStragglerMaxDelayMs: reordering
// across rounds); partitions and one-way cuts drop what crosses them. At GST
// every partition and cut heals, loss stops and delays drop to at most
// post_gst_delay_ms() (20 ms, or 120..250 ms in a quarter of the schedules).
// All draws come from the World's PRNG, in the order the calls are made.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "cluster_sim/world.h"

namespace wattle::cluster_sim {

class Checker;

inline constexpr uint64_t kPreGstMaxDelayMs = 120;
inline constexpr uint64_t kPostGstMaxDelayMs = 20;

class Network {
 public:
  Network(World& world, Checker& checker);

  // Draws the bound on delays after GST (plan time, after GST is drawn).
  void plan_post_gst_delay();
  // Schedules 1..3 partition episodes and 0..2 one-way cuts before GST.
  void plan_partitions();
  uint64_t post_gst_delay_ms() const { return post_gst_delay_ms_; }

  // Queues delivery of `message` from `from` to `to` (or loses it).
  void send(NodeIndex from, NodeIndex to, const Bytes& message);
  // Whether a message from `from` reaches `to` now (partitions, cuts).
  bool connected(NodeIndex from, NodeIndex to) const;

  // Event handlers: a partition forms or heals, a one-way link is cut or restored.
  void on_partition(const Event& e);
  void on_one_way(const Event& e);
  // GST: every partition and cut heals.
  void heal();
  // The network adversary before GST may react to what it sees: now and then
  // it cuts off a validator that just decided, so the others must finish the
  // height without its precommit or its catch-up help. This is the schedule
  // that makes a broken lock (the no-lock mutation) fork the chain.
  void maybe_isolate_decider(NodeIndex i);

 private:
  World& world_;
  Checker& checker_;
  const uint32_t n_;
  std::vector<uint8_t> groups_;                            // partition group per node
  std::set<std::pair<NodeIndex, NodeIndex>> one_way_cut_;  // (from, to) links that drop
  uint64_t post_gst_delay_ms_ = kPostGstMaxDelayMs;
};

}  // namespace wattle::cluster_sim
