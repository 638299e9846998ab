// World: what every part of one simulated schedule shares (docs/consensus.md).
//
// Promises: one per schedule, owned by the driver (simulator.cpp) and handed
// by reference to the network, the cluster, the adversaries and the
// checkers. It holds the schedule's only source of randomness (rng: every
// draw, by any part, comes from it in program order, so a schedule is a pure
// function of its seed and config), the virtual clock and event queue, the
// validator set with its signature cache, GST, and the report: the trace
// (always hashed, kept as text when SimConfig::record_trace) and the
// violations, the first of which (a bad certificate aside) stops the run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "cluster_sim/events.h"
#include "cluster_sim/prng.h"
#include "cluster_sim/sim_app.h"

#include "cluster_sim/simulator.h"
#include "consensus/bft/validator_set.h"
#include "core/hash.h"

namespace wattle::cluster_sim {

// A schedule that has not ended after this many events fails liveness; a
// long one (many heights) gets kEventsPerHeight per height if that is more:
// with a slow post-GST network (delays up to ~250 ms) a height costs about
// 2,300 events at 5 validators. Messages grow with the square of the
// nodes, so from 8 nodes on (validators and candidates) a height gets
// kEventsPerHeight times nodes^2 / 25 (9 nodes on that network: ~8,000).
inline constexpr uint64_t kMaxEvents = 200'000;
inline constexpr uint64_t kEventsPerHeight = 5'000;
inline uint64_t event_budget(const SimConfig& c) {
  const uint64_t n = c.nodes();
  return std::max<uint64_t>(
      kMaxEvents, uint64_t{c.heights} * kEventsPerHeight * std::max<uint64_t>(1, n * n / 25));
}

class World {
 public:
  World(const SimConfig& config, uint64_t seed) : config(config), seed(seed), rng(seed) {
    result.seed = seed;
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  void push(Event e) { events.push(std::move(e)); }
  // One line of the trace: into its hash, and into result.trace when kept.
  void trace(const std::string& line);
  // Counts a violation of the kind `counter` (a field of result) and stops
  // the run; after the first bad certificate it runs on for a while instead
  // (to show the fork such a commit allows).
  void violation(uint32_t& counter, const std::string& text);
  // The hash of everything traced so far (finishes the hasher: call once).
  Hash256 finish_trace() { return trace_hasher_.finish(); }
  // Delivered bytes go into the hash but not the text.
  void hash_bytes(ByteView bytes) { trace_hasher_.update(bytes); }

  const SimConfig& config;
  const uint64_t seed;
  Prng rng;
  consensus::bft::ValidatorSet set;   // the genesis set
  std::vector<PublicKey> candidates;  // staked: the candidates' keys (candidates.h)
  // Staked chains: the set of each height from which it differs from the one
  // before, as the first honest replica to know it recorded it
  // (stake_check.h); empty otherwise.
  std::map<uint64_t, consensus::bft::ValidatorSet> staked_sets;
  // The set deciding `height`: the latest staked set recorded at or before it,
  // else the genesis set. Heights ahead of every replica's state get the
  // latest set known (what a replica would check them against).
  const consensus::bft::ValidatorSet& set_at(uint64_t height) const {
    auto it = staked_sets.upper_bound(height);
    return it == staked_sets.begin() ? set : std::prev(it)->second;
  }
  CachingVerifier verifier;
  EventQueue events;
  uint64_t now = 0;
  uint64_t gst = 0;
  bool after_gst = false;
  ScheduleResult result;
  bool stop = false;
  uint64_t event_limit = event_budget(config);

 private:
  Hasher trace_hasher_;
};

}  // namespace wattle::cluster_sim
