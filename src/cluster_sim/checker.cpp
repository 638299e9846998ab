#include "cluster_sim/checker.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster_sim/cluster.h"
#include "cluster_sim/community.h"
#include "cluster_sim/message_text.h"
#include "modules/certificates/cert_ledger.h"
#include "modules/energy/market_state.h"
#include "modules/records.h"
#include "node/chain_consensus.h"

namespace wattle::cluster_sim {

using namespace consensus;
using namespace consensus::bft;

// Whether validator `index` of the set deciding `height` is node i (on a
// staked chain a candidate's index is wherever its power sorts it).
bool Checker::is_node(NodeIndex i, uint64_t height, NodeIndex index) const {
  const ValidatorSet& set = world_.set_at(height);
  return set.contains(index) && set.at(index).key == cluster_.node(i).key->public_key();
}

std::optional<NodeIndex> Checker::accused_node(const AnyEvidence& ev) const {
  const ValidatorSet& set =
      world_.set_at(std::visit([](const auto& e) { return e.first.height; }, ev));
  const NodeIndex index = accused(ev);
  if (!set.contains(index)) return std::nullopt;
  return cluster_.node_with(set.at(index).key);
}

void Checker::check_own_message(NodeIndex i, const Bytes& message) {
  auto m = decode_message(message);
  assert(m.is_ok());
  if (!m) return;
  std::optional<std::tuple<NodeIndex, uint64_t, uint32_t, uint8_t>> key;
  std::optional<Hash256> id;
  const Vote* own_vote = nullptr;
  if (auto* v = std::get_if<Vote>(&*m); v && is_node(i, v->height, v->validator)) {
    key = {i, v->height, v->round, v->type == VoteType::kPrevote ? uint8_t{1} : uint8_t{2}};
    id = v->value_id;
    own_vote = v;
    world_.result.candidate_votes_checked += cluster_.node(i).candidate;
  } else if (auto* p = std::get_if<ProposalMessage>(&*m);
             p && is_node(i, p->proposal.height, p->proposal.proposer)) {
    key = {i, p->proposal.height, p->proposal.round, uint8_t{0}};
    id = p->proposal.value.id;
  }
  if (!key) return;
  if (const Vote* v = own_vote; v && v->value_id) {
    check_justified(i, *v);
    check_lock(i, *v);
  }
  record_signed(*m);
  auto [it, inserted] = signed_.emplace(*key, id);
  if (!inserted && it->second != id)
    world_.violation(
        world_.result.equivocations,
        fmt::format("equivocation: honest node {} signed {} and {} at h={} r={} kind={}", i,
                    short_id(it->second), short_id(id), std::get<1>(*key), std::get<2>(*key),
                    std::get<3>(*key)));
}

// Justification (see simulator.h), checked before the message counts itself.
void Checker::check_justified(NodeIndex i, const Vote& v) {
  bool justified = false;
  if (v.type == VoteType::kPrecommit) {
    justified = prevotes_quorum(v.height, v.round, *v.value_id);
  } else if (auto it = signed_proposals_.find({v.height, v.round, *v.value_id});
             it != signed_proposals_.end()) {
    for (int64_t vr : it->second)
      justified = justified || vr == -1 ||
                  prevotes_quorum(v.height, static_cast<uint32_t>(vr), *v.value_id);
  }
  if (!justified)
    world_.violation(
        world_.result.unjustified_votes,
        fmt::format("unjustified: honest node {} {} {} at h={} r={} without the "
                    "messages that justify it",
                    i, vote_type_name(v.type), short_id(v.value_id), v.height, v.round));
}

// The lock check (see simulator.h): a prevote for a value other than the one
// an honest validator last precommitted at this height, in a later round,
// needs a proposal of that value whose valid round is at or after the lock
// round and has 2f+1 prevotes behind it (rule 29's lockedRound <= vr). The
// justification check alone accepts a fresh proposal (vr = -1) there.
void Checker::check_lock(NodeIndex i, const Vote& v) {
  const auto key = std::make_pair(i, v.height);
  auto lock = locks_.find(key);
  if (v.type == VoteType::kPrecommit) {
    if (lock == locks_.end() || lock->second.first <= v.round) locks_[key] = {v.round, *v.value_id};
    return;
  }
  if (lock == locks_.end() || v.round <= lock->second.first || *v.value_id == lock->second.second)
    return;  // not locked, an earlier round re-sent, or the locked value itself
  const uint32_t locked_round = lock->second.first;
  bool justified = false;
  if (auto it = signed_proposals_.find({v.height, v.round, *v.value_id});
      it != signed_proposals_.end())
    for (int64_t vr : it->second)
      justified = justified || (vr >= static_cast<int64_t>(locked_round) &&
                                prevotes_quorum(v.height, static_cast<uint32_t>(vr), *v.value_id));
  if (!justified)
    world_.violation(
        world_.result.lock_violations,
        fmt::format("lock: honest node {} precommitted {} at h={} r={}, then prevoted {} at "
                    "r={} without a proof of lock from round {} or later",
                    i, short_id(lock->second.second), v.height, locked_round, short_id(v.value_id),
                    v.round, locked_round));
}

void Checker::record_vote(const Vote& v) {
  if (!v.value_id || v.validator >= 64) return;
  auto [it, fresh] = signed_votes_.try_emplace({v.height, v.round, v.type, *v.value_id}, 0);
  const uint64_t bit = uint64_t{1} << v.validator;
  if (it->second & bit) return;
  if (!verify_vote(kChainId, world_.set_at(v.height), v, world_.verifier))
    return;  // forgeries justify nothing
  it->second |= bit;
}

void Checker::record_signed(const Message& m) {
  if (auto* v = std::get_if<Vote>(&m)) {
    record_vote(*v);
  } else if (auto* p = std::get_if<ProposalMessage>(&m)) {
    for (const Vote& v : p->proof_of_lock) record_vote(v);
    const Proposal& pr = p->proposal;
    auto key = std::make_tuple(pr.height, pr.round, pr.value.id);
    auto it = signed_proposals_.find(key);
    if (it != signed_proposals_.end() && it->second.count(pr.valid_round)) return;
    if (!verify_proposal(kChainId, world_.set_at(pr.height), pr, world_.verifier)) return;
    signed_proposals_[key].insert(pr.valid_round);
  }
}

bool Checker::prevotes_quorum(uint64_t h, uint32_t r, const Hash256& id) const {
  auto it = signed_votes_.find({h, r, VoteType::kPrevote, id});
  if (it == signed_votes_.end()) return false;
  const ValidatorSet& set = world_.set_at(h);
  uint64_t power = 0;
  for (NodeIndex j = 0; j < set.size(); ++j)
    if ((it->second >> j) & 1) power += set.at(j).power;
  return set.is_two_thirds(power);
}

std::optional<CommitCertificate> Checker::check_commit(NodeIndex i, const Commit& c,
                                                       uint64_t committed) {
  ScheduleResult& result = world_.result;
  if (c.height != committed + 1)
    world_.violation(result.safety_violations,
                     fmt::format("node {} committed height {} after {}", i, c.height, committed));
  auto cert = decode_exact<CommitCertificate>(c.certificate);
  uint32_t round = 0;
  if (!cert) {
    world_.violation(result.certificate_violations,
                     fmt::format("node {} h={}: certificate does not decode", i, c.height));
  } else {
    round = cert->round;
    Status st = verify_certificate(kChainId, world_.set_at(c.height), *cert, world_.verifier);
    if (!st || cert->value_id != c.value.id || cert->height != c.height)
      world_.violation(result.certificate_violations,
                       fmt::format("node {} h={}: certificate invalid: {}", i, c.height,
                                   st ? "wrong value or height" : st.message()));
  }
  // In full mode the replica executed the block before reporting it, and a
  // block it cannot execute halts it (a divergence).
  const bool full = world_.config.full;
  if (!full && !fake_value_valid(c.height, c.value))
    world_.violation(result.safety_violations,
                     fmt::format("node {} committed an invalid value at h={}", i, c.height));
  const ValueHasher& hasher = full ? node::block_value_hasher() : blake2b_value_hasher();
  if (hasher.id_of(c.value.data) != c.value.id)
    world_.violation(result.safety_violations,
                     fmt::format("node {} committed bytes that do not hash to the value id at h={}",
                                 i, c.height));
  auto [it, first] = decided_.emplace(c.height, std::make_pair(c.value.id, round));
  if (first) {
    ++result.heights_committed;
    result.rounds_total += round + 1;
    if (cert && signed_by_candidate(*cert)) ++result.candidate_signed_commits;
  } else if (it->second.first != c.value.id) {
    world_.violation(result.safety_violations,
                     fmt::format("safety: node {} committed {} at h={} but {} was committed before",
                                 i, short_id(c.value.id), c.height, short_id(it->second.first)));
  }
  if (!cert) return std::nullopt;
  return std::move(*cert);
}

void Checker::check_evidence(NodeIndex i, const Bytes& bytes) {
  ++world_.result.evidence_found;
  auto ev = decode_evidence(bytes);
  if (!ev ||
      !verify_any_evidence(
          kChainId, world_.set_at(std::visit([](const auto& e) { return e.first.height; }, *ev)),
          *ev, world_.verifier)) {
    world_.violation(world_.result.evidence_violations,
                     fmt::format("node {} reported unverifiable evidence", i));
    return;
  }
  const auto against = accused_node(*ev);
  world_.trace(fmt::format("{} evidence node={} against={} kind={}", world_.now, i,
                           against ? int64_t{*against} : -1,
                           std::holds_alternative<ProposalEvidence>(*ev) ? "proposals" : "votes"));
  if (!against || !cluster_.node(*against).byzantine)
    world_.violation(world_.result.evidence_violations,
                     fmt::format("node {} holds evidence against honest node {}", i,
                                 against ? int64_t{*against} : -1));
}

void Checker::check_liveness(NodeIndex i, uint64_t post_gst_delay_ms) {
  const Cluster::Node& node = cluster_.node(i);
  ScheduleResult& result = world_.result;
  if (!world_.after_gst || node.byzantine || !node.alive || world_.stop ||
      result.certificate_violations)
    return;
  const BftEngine* engine = cluster_.engine_of(i);
  if (!engine) return;
  const uint64_t h = engine->height();
  const uint32_t r = engine->round();
  auto it = gst_rounds_.find(h);
  const uint32_t base = it == gst_rounds_.end() ? 0 : it->second;
  const uint32_t used = r > base ? r - base : 0;
  result.max_rounds_after_gst = std::max(result.max_rounds_after_gst, used);
  const uint32_t bound = liveness_round_bound(world_.config.nodes(), post_gst_delay_ms);
  if (used > bound) {
    world_.violation(result.liveness_failures,
                     fmt::format("liveness: node {} at h={} reached round {} ({} rounds after GST, "
                                 "bound {})",
                                 i, h, r, used, bound));
  }
}

bool Checker::signed_by_candidate(const CommitCertificate& cert) const {
  const ValidatorSet& set = world_.set_at(cert.height);
  for (const CommitSig& sig : cert.signatures)
    if (set.contains(sig.validator) &&
        std::find(world_.candidates.begin(), world_.candidates.end(), set.at(sig.validator).key) !=
            world_.candidates.end())
      return true;
  return false;
}

void Checker::record_gst_rounds() {
  for (NodeIndex i = 0; i < cluster_.size(); ++i) {
    if (cluster_.node(i).byzantine) continue;
    const BftEngine* engine = cluster_.engine_of(i);
    if (!engine) continue;
    auto& r = gst_rounds_[engine->height()];
    r = std::max(r, engine->round());
  }
}

const chain::BlockHeader* Checker::committed_header(uint64_t height) const {
  auto it = headers_.find(height);
  return it == headers_.end() ? nullptr : &it->second;
}

void Checker::check_full_commit(NodeIndex i, const chain::CommitInfo& info,
                                const chain::Application& app) {
  ScheduleResult& result = world_.result;
  const chain::BlockHeader& h = info.header;
  auto [it, first] = headers_.emplace(h.height, h);
  if (!first && it->second.hash() != h.hash())
    world_.violation(result.state_divergences,
                     fmt::format("divergence: replica {} has block {} at h={} with state root {}, "
                                 "others {} with {}",
                                 i, short_id(h.hash()), h.height, short_id(h.state_root),
                                 short_id(it->second.hash()), short_id(it->second.state_root)));
  for (const Hash256& tx : info.tx_hashes) committed_txs_.emplace(tx, h.height);
  if (first && std::find(world_.candidates.begin(), world_.candidates.end(), h.proposer) !=
                   world_.candidates.end())
    ++result.candidate_blocks;
  if (first && (info.evidence_count > 0 || !info.tx_hashes.empty())) {
    auto block = app.block(h.height);
    if (block) {
      count_certificate_txs(*block);
      // Committed evidence accuses only Byzantine validators (honest ones never equivocate).
      result.evidence_committed += info.evidence_count;
      for (const Bytes& item : block->evidence) {
        auto ev = decode_evidence(item);
        const auto against = ev ? accused_node(*ev) : std::nullopt;
        if (!against || !cluster_.node(*against).byzantine)
          world_.violation(
              result.evidence_violations,
              fmt::format("block at h={} commits evidence against an honest validator", h.height));
      }
    }
  }
  if (world_.config.staked()) {
    if (!stake_) stake_.emplace(world_, cluster_.genesis());
    stake_->on_commit(i, h.height, first, app);
  }
  check_conservation(i, h.height, app);
  check_certificates(i, h.height, app);
}

void Checker::count_certificate_txs(const chain::Block& block) {
  for (const chain::Tx& tx : block.txs)
    world_.result.cert_txs_committed += community::is_certificate_tx(tx);
}

// The certificate identity on replica i's committed state (cert_check.h).
// The same certificate state on every replica needs no check of its own:
// it is part of the state root, which check_full_commit compares.
void Checker::check_certificates(NodeIndex i, uint64_t height, const chain::Application& app) {
  const chain::Genesis& g = cluster_.genesis();
  if (!g.market || !g.certificates) return;
  auto it = cert_shadows_.find(i);
  if (it == cert_shadows_.end())
    it = cert_shadows_
             .emplace(i,
                      CertShadow(community::device_meters(), g.market->slot_of(g.genesis_time_ms)))
             .first;
  Status st = it->second.advance(app.committed_state());
  if (!st)
    world_.violation(
        world_.result.certificate_identity_violations,
        fmt::format("certificate identity: replica {} at h={}: {}", i, height, st.to_string()));
}

// Money is conserved: every balance there is, plus escrow less debts, less
// the reward tokens the certificates module minted, adds up to the genesis
// total (the supply identity, docs/certificates.md).
void Checker::check_conservation(NodeIndex i, uint64_t height, const chain::Application& app) {
  __int128 total = 0;
  const chain::StateReader& state = app.committed_state();
  for (const Address& a : cluster_.addresses()) {
    auto acc = app.account(a);
    if (acc) total += acc->account.balance.value();
    auto ma =
        modules::read_or_default<modules::MarketAccount>(state, modules::market_keys::account(a));
    if (ma) total += __int128{ma->escrow.value()} - ma->debt.value();
  }
  auto cursor = modules::read_cursor(state);
  if (cursor) total -= cursor->minted.value();
  __int128 expected = 0;
  for (const auto& [address, amount] : cluster_.genesis().balances) expected += amount.value();
  uint32_t* counter = &world_.result.conservation_violations;
  if (stake_) {
    // Staked: what the staking module holds by its own conservation term.
    counter = &world_.result.stake_conservation_violations;
    auto held = stake_->held(state);
    if (held) total += *held;
    expected += stake_->genesis_stake();
  }
  if (total != expected)
    world_.violation(
        *counter,
        fmt::format(
            "conservation: replica {} at h={} holds {} micro-units (less minted), genesis {}", i,
            height, static_cast<int64_t>(total), static_cast<int64_t>(expected)));
}

void Checker::check_full_end() {
  uint64_t common = UINT64_MAX;
  for (NodeIndex i = 0; i < cluster_.size(); ++i)
    if (cluster_.node(i).full) common = std::min<uint64_t>(common, cluster_.node(i).chain.size());
  for (NodeIndex i = 0; i < cluster_.size(); ++i) {
    const Cluster::Node& node = cluster_.node(i);
    if (!node.full || !node.full->app) continue;
    for (const auto& [hash, height] : committed_txs_) {
      if (height > common) continue;
      auto stored = node.full->app->committed_tx(hash);
      if (!stored || !*stored)
        world_.violation(world_.result.state_divergences,
                         fmt::format("divergence: tx {} committed at h={} is missing on replica {}",
                                     short_id(hash), height, i));
    }
  }
  world_.result.txs_committed = committed_txs_.size();
  for (NodeIndex i = 0; i < cluster_.size(); ++i) {
    const Cluster::Node& node = cluster_.node(i);
    if (!node.full || !node.full->app) continue;
    auto cursor = modules::read_cursor(node.full->app->committed_state());
    if (cursor)
      world_.result.cert_wh_issued =
          std::max<uint64_t>(world_.result.cert_wh_issued, cursor->next_cert_id);
  }
}

}  // namespace wattle::cluster_sim
