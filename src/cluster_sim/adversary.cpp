#include "cluster_sim/adversary.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

#include "cluster_sim/cluster.h"
#include "cluster_sim/message_text.h"
#include "cluster_sim/network.h"

namespace wattle::cluster_sim {

using namespace consensus;
using namespace consensus::bft;

namespace {

constexpr uint32_t kReplayPercent = 30;
constexpr size_t kArchiveSize = 128;

constexpr std::array<std::pair<Adversary, std::string_view>, 10> kAdversaryNames{{
    {Adversary::kRandom, "random"},
    {Adversary::kSilent, "silent"},
    {Adversary::kEquivocate, "equivocate"},
    {Adversary::kFork, "fork"},
    {Adversary::kInvalid, "invalid"},
    {Adversary::kReplay, "replay"},
    {Adversary::kHonest, "honest"},
    {Adversary::kMixed, "mixed"},
    {Adversary::kCoalition, "coalition"},
    {Adversary::kForger, "forger"},
}};

}  // namespace

std::string_view adversary_name(Adversary a) {
  for (const auto& [adv, name] : kAdversaryNames)
    if (adv == a) return name;
  return "?";
}

std::optional<Adversary> parse_adversary(std::string_view name) {
  for (const auto& [adv, n] : kAdversaryNames)
    if (n == name) return adv;
  return std::nullopt;
}

std::string adversary_names() {
  std::string out;
  for (const auto& [adv, name] : kAdversaryNames)
    out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

Adversaries::Adversaries(World& world, Cluster& cluster, Network& network)
    : world_(world), cluster_(cluster), network_(network), memory_(world.config.nodes()) {}

void Adversaries::choose() {
  const SimConfig& config = world_.config;
  Prng& rng = world_.rng;
  const uint32_t n = config.validators;
  // Byzantine validators: a uniform random subset of the configured size
  // (validate_config guarantees any subset is below 1/3 of the power).
  std::vector<NodeIndex> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  // A coalition is all of them or none; else each picks its own strategy.
  const bool coalition = config.adversary == Adversary::kCoalition ||
                         (config.adversary == Adversary::kRandom && rng.percent(20));
  for (uint32_t i = 0; i < config.byzantine; ++i) {
    // Staked chains: the last validators (the smallest stake), so a double
    // signer that is tombstoned and leaves the set moves no honest
    // validator's index (stake_load.h).
    if (config.staked())
      order[i] = n - 1 - i;
    else
      std::swap(order[i], order[i + rng.below(n - i)]);
    Cluster::Node& b = cluster_.node(order[i]);
    b.byzantine = true;
    const uint64_t pick = rng.below(12);
    b.strategy = coalition                                ? Adversary::kCoalition
                 : config.adversary != Adversary::kRandom ? config.adversary
                 : pick == 0                              ? Adversary::kSilent
                 : pick <= 2                              ? Adversary::kEquivocate
                 : pick <= 6                              ? Adversary::kFork
                 : pick == 7                              ? Adversary::kInvalid
                 : pick == 8                              ? Adversary::kReplay
                 : pick == 9                              ? Adversary::kMixed
                                                          : Adversary::kForger;
  }
  for (uint32_t i = 0; i < n; ++i)
    if (cluster_.node(i).byzantine)
      world_.trace(fmt::format("byzantine node={} strategy={}", i,
                               adversary_name(cluster_.node(i).strategy)));
}

void Adversaries::on_send(NodeIndex i, const Bytes& message,
                          const std::vector<NodeIndex>& targets) {
  Adversary s = cluster_.node(i).strategy;
  Prng& rng = world_.rng;
  if (s == Adversary::kMixed) s = static_cast<Adversary>(rng.below(6));  // per message
  if (s == Adversary::kSilent) return;
  auto m = decode_message(message);
  if (!m) return;
  const Rewrite w = s == Adversary::kCoalition ? coalition_rewrite(i, *m) : rewrite(i, s, *m);
  const Memory& mem = memory_[i];
  for (NodeIndex t : targets) {
    const Bytes* out = w.replacement ? &*w.replacement : &message;
    if (w.alternative && ((w.split >> (t % 64)) & 1)) out = &*w.alternative;
    network_.send(i, t, *out);
    if (s == Adversary::kReplay && !mem.archive.empty() && rng.percent(kReplayPercent))
      network_.send(i, t, mem.archive[rng.below(mem.archive.size())]);
  }
}

// Everyone in the group sees the coalition back w; everyone else sees what
// the members' engines say.
Adversaries::Rewrite Adversaries::coalition_rewrite(NodeIndex i, const Message& m) const {
  const KeyPair& key = *cluster_.node(i).key;
  Rewrite w;
  if (auto* v = std::get_if<Vote>(&m); v && v->validator == i) {
    auto [value, group] = coalition_plan(v->height, v->round);
    w.alternative =
        encode_message(sign_vote(kChainId, key, i, v->type, v->height, v->round, value.id));
    w.split = group;
  } else if (auto* p = std::get_if<ProposalMessage>(&m); p && p->proposal.proposer == i) {
    const Proposal& pr = p->proposal;
    auto [value, group] = coalition_plan(pr.height, pr.round);
    w.alternative = encode_message(
        ProposalMessage{sign_proposal(kChainId, key, i, pr.height, pr.round, value, -1), {}});
    w.split = group;
  }
  return w;
}

// Equivocation splits the peers into two groups per (height, round): one
// sees the engine's own message, the other an alternative proposal and votes
// for it, consistently, which is what it takes to try and fork.
Adversaries::Rewrite Adversaries::rewrite(NodeIndex i, Adversary s, const Message& m) {
  const KeyPair& key = *cluster_.node(i).key;
  Memory& mem = memory_[i];
  Rewrite w;
  auto alt_value = [&](uint64_t h, uint32_t r, bool valid) {
    return cluster_.make_value(valid, h, r, i, 1 + (world_.seed & 0xffff));
  };
  auto split_of = [&](uint64_t h, uint32_t r) {
    auto [it, fresh] = mem.split.emplace(std::make_pair(h, r), 0);
    if (fresh) it->second = world_.rng.next();
    return it->second;
  };
  if (auto* v = std::get_if<Vote>(&m); v && v->validator == i) {
    if (s == Adversary::kEquivocate) {
      Hash256 other = alt_value(v->height, v->round, true).id;
      std::optional<Hash256> id = v->value_id == other ? std::nullopt : std::optional(other);
      w.alternative = encode_message(sign_vote(kChainId, key, i, v->type, v->height, v->round, id));
      w.split = split_of(v->height, v->round);
    } else if (s == Adversary::kInvalid) {
      w.replacement = encode_message(sign_vote(kChainId, key, i, v->type, v->height, v->round,
                                               alt_value(v->height, v->round, false).id));
    } else if (s == Adversary::kFork && v->type == VoteType::kPrevote &&
               world_.set_at(v->height).proposer(v->height, v->round) == i) {
      w.replacement = encode_message(sign_vote(kChainId, key, i, v->type, v->height, v->round,
                                               alt_value(v->height, v->round, true).id));
    } else if (s == Adversary::kFork && v->type == VoteType::kPrecommit) {
      // The real precommit to one peer, nil to the rest.
      w.alternative =
          encode_message(sign_vote(kChainId, key, i, v->type, v->height, v->round, std::nullopt));
      w.split = ~(uint64_t{1} << (split_of(v->height, v->round) % cluster_.size()));
    }
  } else if (auto* p = std::get_if<ProposalMessage>(&m); p && p->proposal.proposer == i) {
    const Proposal& pr = p->proposal;
    if (s == Adversary::kEquivocate) {
      w.alternative =
          encode_message(ProposalMessage{sign_proposal(kChainId, key, i, pr.height, pr.round,
                                                       alt_value(pr.height, pr.round, true), -1),
                                         {}});
      w.split = split_of(pr.height, pr.round);
    } else if (s == Adversary::kInvalid || s == Adversary::kFork) {
      const bool valid = s == Adversary::kFork;
      w.replacement =
          encode_message(ProposalMessage{sign_proposal(kChainId, key, i, pr.height, pr.round,
                                                       alt_value(pr.height, pr.round, valid), -1),
                                         {}});
    }
  }
  return w;
}

std::pair<Value, uint64_t> Adversaries::coalition_plan(uint64_t h, uint32_t r) const {
  const uint64_t seed = world_.seed;
  Prng local(seed ^ (h * 0x9E3779B97F4A7C15ull) ^ (uint64_t{r} * 0xC2B2AE3D27D4EB4Full));
  uint64_t honest = 0, group = 0;
  for (NodeIndex j = 0; j < cluster_.size(); ++j)
    if (!cluster_.node(j).byzantine) honest |= uint64_t{1} << j;
  for (NodeIndex j = 0; j < cluster_.size(); ++j)
    if (((honest >> j) & 1) && local.percent(50)) group |= uint64_t{1} << j;
  // A proper, non-empty part of the honest validators: a split to exploit.
  if (group == 0 || group == honest) group ^= honest & (~honest + 1);  // flip the lowest
  if (group == 0) group = honest;  // one honest validator: nothing to split
  return {cluster_.make_value(true, h, r, world_.set_at(h).proposer(h, r), 3 + (seed & 0xffff)),
          group};
}

void Adversaries::on_receive(NodeIndex i, NodeIndex from, const Bytes& message) {
  Memory& mem = memory_[i];
  if (mem.archive.size() < kArchiveSize) {
    mem.archive.push_back(message);
  } else {
    mem.archive[mem.archive_next++ % kArchiveSize] = message;
  }
  const Adversary s = cluster_.node(i).strategy;
  if (s == Adversary::kFork || s == Adversary::kMixed) forge(i, message);
  if (s == Adversary::kForger) forger_forge(i, from, message);
}

void Adversaries::forge(NodeIndex i, const Bytes& received) {
  auto m = decode_message(received);
  if (!m) return;
  const auto hr = height_round(*m);
  if (!hr) return;
  const auto [h, r] = *hr;
  const KeyPair& key = *cluster_.node(i).key;
  // Its next proposer round at or after r within n rounds (always one with
  // equal powers; with weighted proposers a light validator may have none).
  for (uint32_t round = r; round <= r + cluster_.size(); ++round) {
    if (world_.set_at(h).proposer(h, round) != i) continue;
    if (!memory_[i].forged.insert({h, round}).second) break;
    const Value w = cluster_.make_value(true, h, round, i, 2 + (world_.seed & 0xffff));
    for (NodeIndex t : cluster_.peers_of(i)) {
      network_.send(
          i, t,
          encode_message(ProposalMessage{sign_proposal(kChainId, key, i, h, round, w, -1), {}}));
      for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit})
        network_.send(i, t, encode_message(sign_vote(kChainId, key, i, type, h, round, w.id)));
    }
    break;
  }
}

void Adversaries::to_all(NodeIndex i, const Message& m) {
  const Bytes b = encode_message(m);
  for (NodeIndex t : cluster_.peers_of(i)) network_.send(i, t, b);
}

void Adversaries::forger_forge(NodeIndex i, NodeIndex from, const Bytes& received) {
  // Only honest traffic sets it off: two forgers answering each other's
  // far-future rounds would escalate without bound.
  if (cluster_.node(from).byzantine) return;
  auto m = decode_message(received);
  if (!m) return;
  if (auto* p = std::get_if<ProposalMessage>(&*m);
      p && p->proposal.proposer != i && memory_[i].forged_from.insert(p->proposal.value.id).second)
    forge_from_proposal(i, *p);
  const auto hr = height_round(*m);
  if (!hr) return;
  forge_coming_rounds(i, hr->first, hr->second);
}

void Adversaries::forge_from_proposal(NodeIndex i, const ProposalMessage& p) {
  const KeyPair& key = *cluster_.node(i).key;
  const auto n = static_cast<NodeIndex>(cluster_.size());
  const NodeIndex outside = n + 7;  // an index no validator has
  const Proposal& pr = p.proposal;
  // Altered block bytes under the proposer's valid signature (still a
  // block the application accepts: only the engine's hash check stops it).
  ProposalMessage altered = p;
  altered.proposal.value.data =
      cluster_.make_value(true, pr.height, pr.round, pr.proposer, 4 + (world_.seed & 0xffff)).data;
  to_all(i, altered);
  // Prevotes and precommits for it in every other validator's name, signed
  // with the forger's key: none verifies.
  for (NodeIndex j = 0; j < n; ++j) {
    if (j == i) continue;
    for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit})
      to_all(i, sign_vote(kChainId, key, j, type, pr.height, pr.round, pr.value.id));
  }
  // Out-of-range indexes: a vote, and a certificate signer.
  to_all(i,
         sign_vote(kChainId, key, outside, VoteType::kPrecommit, pr.height, pr.round, pr.value.id));
  const Vote own =
      sign_vote(kChainId, key, i, VoteType::kPrecommit, pr.height, pr.round, pr.value.id);
  CommitCertificate too_little =
      make_certificate(world_.set_at(pr.height), pr.height, pr.round, pr.value.id, {own});
  to_all(i, DecisionMessage{pr.value, too_little});  // its own precommit only: < 2/3
  CommitCertificate stranger = too_little;
  stranger.signatures.push_back({outside, own.signature});
  to_all(i, DecisionMessage{pr.value, stranger});
}

// Proposals for the coming rounds, once per round: where it is not the
// proposer, two values split between two groups of peers (only a missing
// proposer check would take them); where it is, a fresh value with a false
// valid round (vr = round - 1, no proof of lock).
void Adversaries::forge_coming_rounds(NodeIndex i, uint64_t h, uint32_t r) {
  const KeyPair& key = *cluster_.node(i).key;
  const uint64_t salt = world_.seed & 0xffff;
  const uint32_t horizon = liveness_round_bound(cluster_.size()) + 2;
  for (uint32_t round = r + 1; round <= r + horizon; ++round) {
    if (!memory_[i].forged.insert({h, round}).second) continue;
    if (world_.set_at(h).proposer(h, round) == i) {
      // With its own prevote and precommit for it: a lock that trusts the
      // valid round needs only f more honest votes to break.
      const Value w = cluster_.make_value(true, h, round, i, 5 + salt);
      to_all(i, ProposalMessage{sign_proposal(kChainId, key, i, h, round, w, round - 1), {}});
      for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit})
        to_all(i, sign_vote(kChainId, key, i, type, h, round, w.id));
      continue;
    }
    Bytes a = encode_message(
        ProposalMessage{sign_proposal(kChainId, key, i, h, round,
                                      cluster_.make_value(true, h, round, i, 6 + salt), -1),
                        {}});
    Bytes b = encode_message(
        ProposalMessage{sign_proposal(kChainId, key, i, h, round,
                                      cluster_.make_value(true, h, round, i, 7 + salt), -1),
                        {}});
    for (NodeIndex t : cluster_.peers_of(i)) network_.send(i, t, t % 2 ? a : b);
  }
}

}  // namespace wattle::cluster_sim
