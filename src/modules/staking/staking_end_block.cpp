// The staking module's genesis and end-block steps (staking_rules.h).
#include <algorithm>

#include "chain/block.h"
#include "modules/evidence/evidence.h"
#include "modules/staking/staking_rules.h"

namespace wattle::modules {

using chain::Event;
using chain::StateOverlay;

namespace {

// Each set's power stays within the BFT engine's bound (2^60 in all).
constexpr uint64_t kMaxPower = (uint64_t{1} << 60) / StakingParams::kMaxValidators;

Result<Address> operator_of(const StateOverlay& s, const PublicKey& key) {
  auto bytes = s.read(consensus_key_key(key));
  if (!bytes) return bytes.status();
  if (!*bytes) return Status(Code::kNotFound, "no validator has key " + key.hex());
  Address a;
  if ((*bytes)->size() != a.bytes.size()) return Status(Code::kCorruption, "bad key index");
  std::copy((*bytes)->begin(), (*bytes)->end(), a.bytes.begin());
  return a;
}

// Slashes and tombstones the validator of every evidence record this block
// committed (the evidence module refuses an item twice, so each is seen once).
Status slash_evidence(const StakingContext& c, StateOverlay& s, uint64_t height,
                      std::vector<Event>* events) {
  std::vector<EvidenceRecord> found;
  const auto& w = s.writes();
  for (auto it = w.lower_bound(chain::StateKey{chain::Namespace::kEvidence, {}});
       it != w.end() && it->first.ns == chain::Namespace::kEvidence; ++it) {
    if (!it->second) continue;
    auto rec = decode_exact<EvidenceRecord>(*it->second);
    if (!rec) return Status(Code::kCorruption, "bad evidence record");
    if (rec->included_at == height) found.push_back(*rec);
  }
  for (const auto& rec : found) {
    auto op = operator_of(s, rec.accused);
    if (!op) {
      if (op.status().code() == Code::kNotFound) continue;  // not a staking validator
      return op.status();
    }
    auto v = read_record<ValidatorRecord>(s, validator_key(*op));
    if (!v) return v.status();
    if (!*v || (*v)->tombstoned) continue;  // punished once
    auto burned = slash_validator(s, *op, rec.height, c.params.slash_double_sign_bp);
    if (!burned) return burned.status();
    auto after = read_record<ValidatorRecord>(s, validator_key(*op));
    if (!after) return after.status();
    ValidatorRecord t = **after;
    t.tombstoned = true;
    t.jailed = true;
    t.jailed_until = UINT64_MAX;
    s.put(validator_key(*op), encode_to_bytes(t));
    s.erase(signing_key(*op));
    WATTLE_RETURN_IF_ERROR(leave_current_set(s, *op));
    const Hash256 key = staking_event_hash(rec.accused.bytes);
    emit_staking_event(events, Event::Kind::kSlashed, height, key, static_cast<uint64_t>(*burned));
    emit_staking_event(events, Event::Kind::kJailed, height, key, UINT64_MAX);
  }
  return Status::ok();
}

// Pays out every unbonding entry due at `height`.
Status release_unbonding(StateOverlay& s, uint64_t height, std::vector<Event>* events) {
  auto queue = read_record<ReleaseQueue>(s, release_key(height));
  if (!queue) return queue.status();
  if (!*queue) return Status::ok();
  for (const auto& op : (*queue)->operators) {
    auto list = read_or_default<UnbondingList>(s, unbonding_key(op));
    if (!list) return list.status();
    std::vector<UnbondingEntry> kept;
    for (const auto& e : list->entries) {
      if (e.release_height > height) {
        kept.push_back(e);
        continue;
      }
      if (e.amount == 0) continue;  // slashed to nothing
      auto acct = s.account(e.delegator);
      if (!acct) return acct.status();
      auto b = acct->balance.checked_add(Money(e.amount));
      if (!b) return Status(Code::kOverflow, "released stake overflows a balance");
      acct->balance = *b;
      s.put(e.delegator, *acct);
      emit_staking_event(events, Event::Kind::kUnbonded, height,
                         staking_event_hash(e.delegator.bytes), static_cast<uint64_t>(e.amount));
    }
    list->entries = std::move(kept);
    if (list->entries.empty())
      s.erase(unbonding_key(op));
    else
      s.put(unbonding_key(op), encode_to_bytes(*list));
  }
  s.erase(release_key(height));
  return Status::ok();
}

// Adds `share` of a block reward to validator `op`: its commission first,
// the rest per share of its delegations (one write, whatever their number).
Status credit_reward(StateOverlay& s, const Address& op, int64_t share) {
  auto v = read_record<ValidatorRecord>(s, validator_key(op));
  if (!v) return v.status();
  if (!*v) return Status(Code::kCorruption, "set names an unknown validator");
  ValidatorRecord& r = **v;
  const int64_t cut = static_cast<int64_t>(static_cast<__int128>(share) * r.commission_bp / 10'000);
  int64_t rest = share - cut;
  int64_t commission = cut;
  if (r.shares == 0) {
    commission += rest;  // no delegations: all of it is the operator's
    rest = 0;
  }
  if (commission > INT64_MAX - r.commission || rest > INT64_MAX - r.reward_pool)
    return Status(Code::kOverflow, "reward pool overflows");
  r.commission += commission;
  r.reward_pool += rest;
  if (rest > 0) r.acc += static_cast<unsigned __int128>(rest) * kRewardScale / r.shares;
  s.put(validator_key(op), encode_to_bytes(r));
  return Status::ok();
}

// Mints block_reward and shares it by power among the set in force at
// `height`; the rounding remainder goes to the first of the set.
Status distribute_reward(const StakingContext& c, StateOverlay& s, StakingGlobal& g,
                         uint64_t height) {
  const int64_t reward = c.params.block_reward;
  if (reward == 0 || c.params.consensus == ConsensusKind::kPoa) return Status::ok();
  auto set = set_at(s, height);
  if (!set) return set.status();
  if (set->validators.empty()) return Status::ok();
  if (reward > INT64_MAX - g.minted) return Status::ok();  // the supply cap is reached
  unsigned __int128 total = 0;
  for (const auto& e : set->validators) total += e.power;
  int64_t given = 0;
  std::vector<int64_t> shares;
  for (const auto& e : set->validators) {
    shares.push_back(
        static_cast<int64_t>(static_cast<unsigned __int128>(reward) * e.power / total));
    given += shares.back();
  }
  shares[0] += reward - given;
  for (size_t i = 0; i < shares.size(); ++i)
    WATTLE_RETURN_IF_ERROR(credit_reward(s, set->validators[i].operator_address, shares[i]));
  g.minted += reward;
  return Status::ok();
}

// Records `next` to take effect at height + 2 if it differs from the last
// recorded set (CometBFT: updates returned at H apply at H+2).
Status record_set(StateOverlay& s, const ValidatorSetRecord& next, uint64_t height,
                  std::vector<Event>* events) {
  auto index = read_or_default<SetIndex>(s, set_index_key());
  if (!index) return index.status();
  if (!index->heights.empty()) {
    auto last = read_or_default<ValidatorSetRecord>(s, set_key(index->heights.back()));
    if (!last) return last.status();
    if (*last == next) return Status::ok();
  }
  if (index->heights.size() >= kMaxSetChanges)
    index->heights.erase(index->heights.begin());  // the oldest history goes first
  const uint64_t effective = height + 2;
  index->heights.push_back(effective);
  Bytes bytes = encode_to_bytes(next);
  const Hash256 h = blake2b256(bytes);
  s.put(set_key(effective), std::move(bytes));
  s.put(set_index_key(), encode_to_bytes(*index));
  emit_staking_event(events, Event::Kind::kValidatorSetChanged, height, h, effective,
                     static_cast<uint32_t>(next.validators.size()));
  return Status::ok();
}

}  // namespace

Hash256 staking_event_hash(ByteView bytes) {
  Hash256 h;
  std::copy_n(bytes.begin(), std::min(bytes.size(), h.bytes.size()), h.bytes.begin());
  return h;
}

void emit_staking_event(std::vector<Event>* events, Event::Kind kind, uint64_t height,
                        const Hash256& hash, uint64_t slot, uint32_t index) {
  if (events) events->push_back(Event{0, kind, height, hash, index, Code::kOk, slot});
}

void sort_set(ValidatorSetRecord& set) {
  std::sort(set.validators.begin(), set.validators.end(), [](const SetEntry& a, const SetEntry& b) {
    if (a.power != b.power) return a.power > b.power;
    return a.operator_address < b.operator_address;
  });
}

Result<ValidatorSetRecord> compute_top_k(const StakingParams& p, const StateOverlay& s) {
  auto g = read_or_default<StakingGlobal>(s, global_key());
  if (!g) return g.status();
  ValidatorSetRecord set;
  for (const auto& op : g->candidates) {
    auto v = read_record<ValidatorRecord>(s, validator_key(op));
    if (!v) return v.status();
    if (!*v || (*v)->jailed || (*v)->tombstoned) continue;
    const uint64_t power = std::min<uint64_t>((*v)->tokens / p.power_unit, kMaxPower);
    if (power > 0) set.validators.push_back({(*v)->consensus_key, op, power});
  }
  sort_set(set);
  if (set.validators.size() > p.max_validators) set.validators.resize(p.max_validators);
  return set;
}

Result<int64_t> slash_validator(StateOverlay& s, const Address& op, uint64_t infraction_height,
                                uint32_t bp) {
  auto cut_of = [bp](int64_t amount) {
    return static_cast<int64_t>(static_cast<__int128>(amount) * bp / 10'000);
  };
  int64_t burned = 0;
  auto list = read_or_default<UnbondingList>(s, unbonding_key(op));
  if (!list) return list.status();
  bool touched = false;
  for (auto& e : list->entries) {
    if (e.creation_height < infraction_height) continue;  // unbonded before the infraction
    const int64_t cut = cut_of(e.amount);
    e.amount -= cut;
    burned += cut;
    touched |= cut > 0;
  }
  if (touched) s.put(unbonding_key(op), encode_to_bytes(*list));
  auto v = read_record<ValidatorRecord>(s, validator_key(op));
  if (!v) return v.status();
  if (!*v) return Status(Code::kNotFound, op.to_string() + " is not a validator");
  const int64_t cut = cut_of((*v)->tokens);
  (*v)->tokens -= cut;
  burned += cut;
  s.put(validator_key(op), encode_to_bytes(**v));
  auto g = read_or_default<StakingGlobal>(s, global_key());
  if (!g) return g.status();
  g->burned += burned;  // <= all stake ever, within int64
  s.put(global_key(), encode_to_bytes(*g));
  return burned;
}

Status staking_genesis(const StakingContext& c, const std::vector<SetEntry>& validators,
                       StateOverlay& s) {
  if (c.params.consensus == ConsensusKind::kSingle) return Status::ok();
  StakingGlobal g;
  ValidatorSetRecord set{validators};
  const bool staked = c.params.consensus != ConsensusKind::kPoa;
  for (auto& e : set.validators) {
    e.operator_address = Address::of(e.key);
    if (!staked) continue;
    const __int128 tokens = static_cast<__int128>(e.power) * c.params.power_unit;
    if (tokens > INT64_MAX) return Status(Code::kOverflow, "genesis stake overflows");
    ValidatorRecord v;
    v.consensus_key = e.key;
    v.tokens = v.shares = static_cast<int64_t>(tokens);
    s.put(validator_key(e.operator_address), encode_to_bytes(v));
    s.put(delegation_key(e.operator_address, e.operator_address),
          encode_to_bytes(Delegation{v.shares, 0}));
    s.put(consensus_key_key(e.key),
          Bytes(e.operator_address.bytes.begin(), e.operator_address.bytes.end()));
    g.candidates.push_back(e.operator_address);
  }
  std::sort(g.candidates.begin(), g.candidates.end());
  sort_set(set);
  g.current = set;
  s.put(global_key(), encode_to_bytes(g));
  s.put(set_key(0), encode_to_bytes(set));
  s.put(set_index_key(), encode_to_bytes(SetIndex{{0}}));
  return Status::ok();
}

Status staking_end_block(const StakingContext& c, StateOverlay& s, uint64_t height,
                         std::vector<Event>* events) {
  if (c.params.consensus == ConsensusKind::kSingle) return Status::ok();
  WATTLE_RETURN_IF_ERROR(slash_evidence(c, s, height, events));
  WATTLE_RETURN_IF_ERROR(release_unbonding(s, height, events));
  auto g = read_or_default<StakingGlobal>(s, global_key());
  if (!g) return g.status();
  const StakingGlobal before = *g;
  WATTLE_RETURN_IF_ERROR(distribute_reward(c, s, *g, height));
  const bool recompute =
      c.params.consensus == ConsensusKind::kPos ||
      (c.params.consensus == ConsensusKind::kDpos && height % c.params.epoch_blocks == 0);
  if (recompute) {
    auto next = compute_top_k(c.params, s);
    if (!next) return next.status();
    // A set never empties: with no eligible candidate the last one stays.
    if (!next->validators.empty()) g->current = std::move(*next);
  }
  if (g->minted != before.minted || !(g->current == before.current))
    s.put(global_key(), encode_to_bytes(*g));
  return record_set(s, g->current, height, events);
}

}  // namespace wattle::modules
