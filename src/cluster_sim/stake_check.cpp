#include "cluster_sim/stake_check.h"

#include <fmt/format.h>

#include "cluster_sim/message_text.h"
#include "cluster_sim/stake_load.h"
#include "consensus/bft/messages.h"
#include "core/assert.h"
#include "node/chain_consensus.h"

namespace wattle::cluster_sim {

namespace {

using consensus::bft::ValidatorSet;

Hash256 hash_of(const modules::ValidatorSetRecord& record) {
  std::vector<consensus::bft::Validator> vs;
  for (const auto& e : record.validators) vs.push_back({e.key, e.power});
  auto set = ValidatorSet::create(std::move(vs));
  return set ? set->hash() : Hash256{};
}

uint64_t evidence_height(const consensus::bft::AnyEvidence& ev) {
  return std::visit([](const auto& e) { return e.first.height; }, ev);
}

int64_t cut_of(int64_t amount, uint32_t bp) {
  return static_cast<int64_t>(static_cast<__int128>(amount) * bp / 10'000);
}

}  // namespace

StakeCheck::StakeCheck(World& world, const chain::Genesis& genesis)
    : world_(world), genesis_(genesis) {
  const chain::ChainParams params = genesis.params();
  for (const auto& m : params.modules->modules())
    if (m->name() == "staking") staking_ = m;
  WATTLE_ASSERT(staking_ && genesis.staking, "a staked schedule without a staking module");
  for (const auto& v : genesis.validators)
    genesis_stake_ += __int128{static_cast<int64_t>(v.power)} * genesis.staking->power_unit;
  computed_.emplace(0, world.set.hash());
  in_force_.emplace(1, world.set.hash());
  in_force_.emplace(2, world.set.hash());
}

// The module's own term over every record it holds value in: its
// validators, their unbonding lists and the global record, as writes onto
// an empty state (a state cannot be listed, but the candidates are).
Result<__int128> StakeCheck::held(const chain::StateReader& state) const {
  auto g = modules::read_or_default<modules::StakingGlobal>(state, modules::global_key());
  if (!g) return g.status();
  std::vector<chain::StateKey> keys{modules::global_key()};
  for (const Address& op : g->candidates) {
    keys.push_back(modules::validator_key(op));
    keys.push_back(modules::unbonding_key(op));
  }
  chain::StateWrites records;
  for (const auto& key : keys) {
    auto bytes = state.read(key);
    if (!bytes) return bytes.status();
    if (*bytes) records.emplace(key, std::move(*bytes));
  }
  return staking_->value_delta(chain::State(), records);
}

void StakeCheck::on_commit(NodeIndex i, uint64_t height, bool first,
                           const chain::Application& app) {
  const chain::StateReader& state = app.committed_state();
  check_sets(i, height, state);
  if (first) {
    auto block = app.block(height);
    if (!block)
      return divergence(fmt::format("replica {} h={}: {}", i, height, block.status().to_string()));
    for (const chain::Tx& tx : block->txs)
      world_.result.staking_txs_committed += stake::is_staking_tx(tx);
    check_slashes(height, *block, app);
  }
  check_unbonding_cuts(i, height, state);
}

void StakeCheck::divergence(const std::string& text) {
  world_.violation(world_.result.validator_set_divergences, text);
}

void StakeCheck::check_sets(NodeIndex i, uint64_t height, const chain::StateReader& state) {
  for (uint64_t k : {height + 1, height + 2}) {
    auto set = node::validator_set_at(genesis_, state, k);
    if (!set) {
      divergence(fmt::format("validator set: replica {} at h={} cannot read the set of {}: {}", i,
                             height, k, set.status().to_string()));
      return;
    }
    auto [it, first] = in_force_.emplace(k, set->hash());
    if (!first && it->second != set->hash()) {
      divergence(fmt::format("validator set: replica {} after h={} has set {} at {}, others {}", i,
                             height, short_id(set->hash()), k, short_id(it->second)));
      return;
    }
    if (first && set->hash() != world_.set_at(k).hash()) {
      count_candidates(world_.set_at(k), *set);
      world_.staked_sets.insert_or_assign(k, *set);
      ++world_.result.set_changes;
      world_.trace(fmt::format("{} set change h={} set={} validators={}", world_.now, k,
                               short_id(set->hash()), set->size()));
    }
  }
  auto g = modules::read_or_default<modules::StakingGlobal>(state, modules::global_key());
  if (!g) return divergence(fmt::format("replica {}: {}", i, g.status().to_string()));
  const Hash256 computed = hash_of(g->current);
  auto [it, first] = computed_.emplace(height, computed);
  if (!first && it->second != computed)
    return divergence(fmt::format("validator set: replica {} computed set {} at h={}, others {}", i,
                                  short_id(computed), height, short_id(it->second)));
  // H+2: what block H computed is in force at H+2, and H+1 still has H-1's.
  if (in_force_.at(height + 2) != computed)
    return divergence(
        fmt::format("validator set: the set computed at h={} is not the one in force at h={}",
                    height, height + 2));
  auto before = computed_.find(height - 1);
  if (before != computed_.end() && in_force_.at(height + 1) != before->second)
    divergence(fmt::format(
        "validator set: the set in force at h={} is not the one computed at h={} (H+2 rule)",
        height + 1, height - 1));
}

// A candidate (candidates.h) in `after` but not in `before` joined; the
// other way round, it left.
void StakeCheck::count_candidates(const ValidatorSet& before, const ValidatorSet& after) {
  for (const PublicKey& key : world_.candidates) {
    const bool was = before.index_of(key).has_value(), is = after.index_of(key).has_value();
    world_.result.candidate_joins += !was && is;
    world_.result.candidate_leaves += was && !is;
  }
}

// Each accused validator is slashed exactly once, in the block that first
// commits evidence against it.
void StakeCheck::check_slashes(uint64_t height, const chain::Block& block,
                               const chain::Application& app) {
  ScheduleResult& result = world_.result;
  for (const Bytes& item : block.evidence) {
    auto ev = consensus::bft::decode_evidence(item);
    if (!ev) continue;  // Checker::check_full_commit reports it
    const uint64_t at = evidence_height(*ev);
    const ValidatorSet& set = world_.set_at(at);
    const NodeIndex who = consensus::bft::accused(*ev);
    if (!set.contains(who)) continue;
    accused_.try_emplace(set.at(who).key, Accused{at, height, 0});
  }
  auto events = app.committed_events(height);
  if (!events) {
    world_.violation(result.evidence_slash_violations,
                     fmt::format("slash: events of h={}: {}", height, events.status().to_string()));
    return;
  }
  for (const chain::Event& e : *events) {
    if (e.kind != chain::Event::Kind::kSlashed) continue;
    ++result.slashes;
    PublicKey key;
    std::copy_n(e.hash.bytes.begin(), key.bytes.size(), key.bytes.begin());
    auto it = accused_.find(key);
    if (it == accused_.end())
      world_.violation(result.evidence_slash_violations,
                       fmt::format("slash: h={} slashes {} without committed evidence", height,
                                   key.hex().substr(0, 8)));
    else if (++it->second.slashes > 1 || it->second.included != height)
      world_.violation(result.evidence_slash_violations,
                       fmt::format("slash: h={} slashes {} again (evidence first committed at {})",
                                   height, key.hex().substr(0, 8), it->second.included));
  }
  for (const auto& [key, a] : accused_)
    if (a.included == height && a.slashes == 0)
      world_.violation(result.evidence_slash_violations,
                       fmt::format("slash: evidence against {} committed at h={} slashed nothing",
                                   key.hex().substr(0, 8), height));
}

// The slash at the block that first commits evidence against a validator
// cut each unbonding entry created at or after the infraction (and not
// released by that block) by slash_double_sign_bp: compared on the sums,
// against the entries the replica held at its previous commit (entries
// created since are left out of both sides).
void StakeCheck::check_unbonding_cuts(NodeIndex i, uint64_t height,
                                      const chain::StateReader& state) {
  Shadow& shadow = shadows_[i];
  const uint32_t bp = genesis_.staking->slash_double_sign_bp;
  std::map<Address, std::vector<modules::UnbondingEntry>> now;
  for (const auto& v : genesis_.validators) {
    const Address op = Address::of(v.public_key);
    auto list = modules::read_or_default<modules::UnbondingList>(state, modules::unbonding_key(op));
    if (!list) return;
    now[op] = std::move(list->entries);
  }
  for (const auto& [key, a] : accused_) {
    if (a.included != height || shadow.height == 0) continue;
    const Address op = Address::of(key);
    int64_t expected = 0, held = 0;
    for (const auto& e : shadow.entries[op])
      if (e.release_height > height)
        expected += e.creation_height >= a.infraction ? e.amount - cut_of(e.amount, bp) : e.amount;
    for (const auto& e : now[op])
      if (e.creation_height <= shadow.height) held += e.amount;
    if (held != expected)
      world_.violation(
          world_.result.evidence_slash_violations,
          fmt::format("slash: replica {} at h={}: {}'s unbonding entries hold {}, the slash of the "
                      "infraction at h={} leaves {}",
                      i, height, key.hex().substr(0, 8), held, a.infraction, expected));
  }
  shadow.height = height;
  shadow.entries = std::move(now);
}

}  // namespace wattle::cluster_sim
