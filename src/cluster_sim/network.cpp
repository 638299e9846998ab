#include "cluster_sim/network.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster_sim/checker.h"

namespace wattle::cluster_sim {

namespace {
constexpr uint32_t kDuplicatePercent = 3;
constexpr uint32_t kStragglerPercent = 10;
constexpr uint64_t kStragglerMaxDelayMs = 1800;
constexpr uint32_t kIsolateDeciderPercent = 60;
}  // namespace

Network::Network(World& world, Checker& checker)
    : world_(world), checker_(checker), n_(world.config.nodes()), groups_(n_, 0) {}

void Network::plan_post_gst_delay() {
  // A quarter of the schedules keep delays after GST above the base
  // timeouts (100/50/50 ms): rounds fail until the timeouts have grown.
  if (world_.rng.percent(25)) post_gst_delay_ms_ = world_.rng.between(120, 250);
  world_.result.post_gst_delay_ms = post_gst_delay_ms_;
}

void Network::plan_partitions() {
  Prng& rng = world_.rng;
  const uint32_t n = n_;
  const uint64_t gst = world_.gst;
  const uint64_t episodes = rng.between(1, 3);
  for (uint64_t k = 0; k < episodes; ++k) {
    Event form{.kind = EventKind::kPartition};
    form.time = rng.below(gst);
    const uint32_t group_count = static_cast<uint32_t>(rng.between(2, std::min(3u, n)));
    form.groups.resize(n);
    for (auto& g : form.groups) g = static_cast<uint8_t>(rng.below(group_count));
    form.groups[rng.below(n)] = 1;  // at least two groups
    form.groups[rng.below(n)] = 0;
    Event heal{.kind = EventKind::kPartition};
    heal.time = std::min(gst, form.time + rng.between(100, 1500));
    heal.groups.assign(n, 0);
    world_.push(std::move(form));
    world_.push(std::move(heal));
  }
  // One-way links: a hears b while b does not hear a, until GST.
  const uint64_t one_way = rng.between(0, 2);
  for (uint64_t k = 0; k < one_way; ++k) {
    Event cut{.kind = EventKind::kOneWay};
    cut.from = static_cast<NodeIndex>(rng.below(n));
    cut.node = static_cast<NodeIndex>((cut.from + 1 + rng.below(n - 1)) % n);
    cut.time = rng.below(gst);
    cut.incarnation = 1;  // 1: cut, 0: restored
    Event restore = cut;
    restore.time = std::min(gst, cut.time + rng.between(100, 2000));
    restore.incarnation = 0;
    world_.push(std::move(cut));
    world_.push(std::move(restore));
  }
}

void Network::send(NodeIndex from, NodeIndex to, const Bytes& message) {
  ++world_.result.messages;
  if (auto m = consensus::bft::decode_message(message)) checker_.record_signed(*m);
  const bool after_gst = world_.after_gst;
  Prng& rng = world_.rng;
  const uint64_t max_delay = after_gst ? post_gst_delay_ms_ : kPreGstMaxDelayMs;
  if (!after_gst && rng.percent(world_.config.loss_percent)) return;  // lost
  const int copies = rng.percent(kDuplicatePercent) ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    Event e{.kind = EventKind::kDeliver, .node = to, .from = from};
    // Before GST a tenth of the messages straggle (up to 15x the usual
    // bound): reordering across rounds, which is what lock violations need.
    const bool straggle = !after_gst && rng.percent(kStragglerPercent);
    e.time = world_.now +
             (straggle ? rng.between(max_delay, kStragglerMaxDelayMs) : rng.between(1, max_delay));
    e.message = message;
    world_.push(std::move(e));
  }
}

bool Network::connected(NodeIndex from, NodeIndex to) const {
  return groups_[to] == groups_[from] && !one_way_cut_.count({from, to});
}

void Network::on_partition(const Event& e) {
  std::string g;
  for (uint8_t x : e.groups) g += static_cast<char>('0' + x);
  world_.trace(fmt::format("{} partition {}", world_.now, g));
  groups_ = e.groups;
}

void Network::on_one_way(const Event& e) {
  world_.trace(fmt::format("{} one-way {}->{} {}", world_.now, e.from, e.node,
                           e.incarnation ? "cut" : "restored"));
  if (e.incarnation) {
    one_way_cut_.insert({e.from, e.node});
  } else {
    one_way_cut_.erase({e.from, e.node});
  }
}

void Network::heal() {
  groups_.assign(n_, 0);
  one_way_cut_.clear();
}

void Network::maybe_isolate_decider(NodeIndex i) {
  if (!world_.config.partitions || world_.after_gst || !world_.rng.percent(kIsolateDeciderPercent))
    return;
  Event cut{.kind = EventKind::kPartition};
  cut.time = world_.now;
  cut.groups.assign(n_, 0);
  cut.groups[i] = 1;
  Event heal{.kind = EventKind::kPartition};
  heal.time = std::min(world_.gst, world_.now + world_.rng.between(300, 2000));
  heal.groups.assign(n_, 0);
  world_.push(std::move(cut));
  world_.push(std::move(heal));
}

}  // namespace wattle::cluster_sim
