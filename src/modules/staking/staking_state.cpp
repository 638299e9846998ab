#include "modules/staking/staking_state.h"

#include <algorithm>

#include "modules/staking/staking_params.h"

namespace wattle::modules {

using chain::StateKey;

namespace {

void u128(Writer& w, unsigned __int128 v) {
  w.u64(static_cast<uint64_t>(v));
  w.u64(static_cast<uint64_t>(v >> 64));
}
Status u128(Reader& r, unsigned __int128& v) {
  uint64_t lo = 0, hi = 0;
  WATTLE_RETURN_IF_ERROR(r.u64(lo));
  WATTLE_RETURN_IF_ERROR(r.u64(hi));
  v = (static_cast<unsigned __int128>(hi) << 64) | lo;
  return Status::ok();
}
// An amount a record holds: never negative.
Status amount(Reader& r, int64_t& v) {
  WATTLE_RETURN_IF_ERROR(r.i64(v));
  return v < 0 ? Status(Code::kMalformed, "negative amount") : Status::ok();
}

template <typename T, typename F>
void encode_list(Writer& w, const std::vector<T>& list, F each) {
  w.u32(static_cast<uint32_t>(list.size()));
  for (const auto& x : list) each(x);
}
template <typename T, typename F>
Status decode_list(Reader& r, std::vector<T>& list, uint32_t max, size_t min_bytes, F each) {
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, max, min_bytes));
  list.resize(n);
  for (auto& x : list) WATTLE_RETURN_IF_ERROR(each(x));
  return Status::ok();
}

StateKey make_key(chain::Namespace ns, ByteView id) {
  return StateKey{ns, Bytes(id.begin(), id.end())};
}

}  // namespace

void encode(Writer& w, const ValidatorRecord& v) {
  encode(w, v.consensus_key);
  w.u32(v.commission_bp);
  w.i64(v.tokens);
  w.i64(v.shares);
  u128(w, v.acc);
  w.i64(v.reward_pool);
  w.i64(v.commission);
  w.boolean(v.jailed);
  w.u64(v.jailed_until);
  w.boolean(v.tombstoned);
}
Status decode(Reader& r, ValidatorRecord& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.consensus_key));
  WATTLE_RETURN_IF_ERROR(r.u32(v.commission_bp));
  WATTLE_RETURN_IF_ERROR(amount(r, v.tokens));
  WATTLE_RETURN_IF_ERROR(amount(r, v.shares));
  WATTLE_RETURN_IF_ERROR(u128(r, v.acc));
  WATTLE_RETURN_IF_ERROR(amount(r, v.reward_pool));
  WATTLE_RETURN_IF_ERROR(amount(r, v.commission));
  WATTLE_RETURN_IF_ERROR(r.boolean(v.jailed));
  WATTLE_RETURN_IF_ERROR(r.u64(v.jailed_until));
  return r.boolean(v.tombstoned);
}

void encode(Writer& w, const Delegation& d) {
  w.i64(d.shares);
  u128(w, d.acc_at);
}
Status decode(Reader& r, Delegation& d) {
  WATTLE_RETURN_IF_ERROR(amount(r, d.shares));
  return u128(r, d.acc_at);
}

void encode(Writer& w, const UnbondingList& l) {
  encode_list(w, l.entries, [&](const UnbondingEntry& e) {
    encode(w, e.delegator);
    w.i64(e.amount);
    w.u64(e.creation_height);
    w.u64(e.release_height);
  });
}
Status decode(Reader& r, UnbondingList& l) {
  return decode_list(r, l.entries, kMaxUnbondingEntries, 44, [&](UnbondingEntry& e) {
    WATTLE_RETURN_IF_ERROR(decode(r, e.delegator));
    WATTLE_RETURN_IF_ERROR(amount(r, e.amount));
    WATTLE_RETURN_IF_ERROR(r.u64(e.creation_height));
    return r.u64(e.release_height);
  });
}

void encode(Writer& w, const ReleaseQueue& q) {
  encode_list(w, q.operators, [&](const Address& a) { encode(w, a); });
}
Status decode(Reader& r, ReleaseQueue& q) {
  return decode_list(r, q.operators, StakingParams::kMaxCandidates, 20,
                     [&](Address& a) { return decode(r, a); });
}

void encode(Writer& w, const ValidatorSetRecord& s) {
  encode_list(w, s.validators, [&](const SetEntry& e) {
    encode(w, e.key);
    encode(w, e.operator_address);
    w.u64(e.power);
  });
}
Status decode(Reader& r, ValidatorSetRecord& s) {
  return decode_list(r, s.validators, StakingParams::kMaxCandidates, 60, [&](SetEntry& e) {
    WATTLE_RETURN_IF_ERROR(decode(r, e.key));
    WATTLE_RETURN_IF_ERROR(decode(r, e.operator_address));
    return r.u64(e.power);
  });
}

void encode(Writer& w, const SetIndex& s) {
  encode_list(w, s.heights, [&](uint64_t h) { w.u64(h); });
}
Status decode(Reader& r, SetIndex& s) {
  return decode_list(r, s.heights, kMaxSetChanges, 8, [&](uint64_t& h) { return r.u64(h); });
}

void encode(Writer& w, const StakingGlobal& g) {
  encode_list(w, g.candidates, [&](const Address& a) { encode(w, a); });
  w.i64(g.minted);
  w.i64(g.burned);
  w.u64(g.next_proposal);
  encode(w, g.current);
}
Status decode(Reader& r, StakingGlobal& g) {
  WATTLE_RETURN_IF_ERROR(decode_list(r, g.candidates, StakingParams::kMaxCandidates, 20,
                                     [&](Address& a) { return decode(r, a); }));
  WATTLE_RETURN_IF_ERROR(amount(r, g.minted));
  WATTLE_RETURN_IF_ERROR(amount(r, g.burned));
  WATTLE_RETURN_IF_ERROR(r.u64(g.next_proposal));
  return decode(r, g.current);
}

void encode(Writer& w, const Proposal& p) {
  encode(w, p.key);
  w.u64(p.power);
  w.u64(p.expires_at);
  encode_list(w, p.votes, [&](const PublicKey& k) { encode(w, k); });
}
Status decode(Reader& r, Proposal& p) {
  WATTLE_RETURN_IF_ERROR(decode(r, p.key));
  WATTLE_RETURN_IF_ERROR(r.u64(p.power));
  WATTLE_RETURN_IF_ERROR(r.u64(p.expires_at));
  return decode_list(r, p.votes, StakingParams::kMaxCandidates, 32,
                     [&](PublicKey& k) { return decode(r, k); });
}

void encode(Writer& w, const SigningInfo& i) {
  w.u64(i.observed);
  w.u64(i.missed);
  w.bytes(i.bitmap);
}
Status decode(Reader& r, SigningInfo& i) {
  WATTLE_RETURN_IF_ERROR(r.u64(i.observed));
  WATTLE_RETURN_IF_ERROR(r.u64(i.missed));
  WATTLE_RETURN_IF_ERROR(r.bytes(i.bitmap, (StakingParams::kMaxDowntimeWindow + 7) / 8));
  if (i.missed > uint64_t{8} * i.bitmap.size())
    return Status(Code::kMalformed, "more missed blocks than the bitmap holds");
  return Status::ok();
}

Bytes height_id(uint64_t height) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(height >> (8 * (7 - i)));
  return b;
}

StateKey validator_key(const Address& op) {
  return make_key(chain::Namespace::kValidator, op.bytes);
}
StateKey delegation_key(const Address& delegator, const Address& op) {
  Bytes id(delegator.bytes.begin(), delegator.bytes.end());
  id.insert(id.end(), op.bytes.begin(), op.bytes.end());
  return StateKey{chain::Namespace::kStake, std::move(id)};
}
StateKey unbonding_key(const Address& op) {
  return make_key(kUnbondingNs, op.bytes);
}
StateKey release_key(uint64_t height) {
  return StateKey{kReleaseNs, height_id(height)};
}
StateKey global_key() {
  return StateKey{kGlobalNs, {}};
}
StateKey set_key(uint64_t height) {
  return StateKey{kSetNs, height_id(height)};
}
StateKey set_index_key() {
  return StateKey{kSetIndexNs, {}};
}
StateKey consensus_key_key(const PublicKey& key) {
  return make_key(kConsensusKeyNs, key.bytes);
}
StateKey signing_key(const Address& op) {
  return make_key(kSigningNs, op.bytes);
}
StateKey proposal_key(uint64_t id) {
  return StateKey{kProposalNs, height_id(id)};
}

template <typename S>
Result<ValidatorSetRecord> set_at(const S& state, uint64_t height) {
  auto index = read_or_default<SetIndex>(state, set_index_key());
  if (!index) return index.status();
  const auto& hs = index->heights;
  auto it = std::upper_bound(hs.begin(), hs.end(), height);
  if (it == hs.begin()) return ValidatorSetRecord{};
  return read_or_default<ValidatorSetRecord>(state, set_key(*std::prev(it)));
}
template Result<ValidatorSetRecord> set_at(const chain::StateReader&, uint64_t);
template Result<ValidatorSetRecord> set_at(const chain::StateOverlay&, uint64_t);

int64_t delegation_value(const ValidatorRecord& v, const Delegation& d) {
  if (v.shares == 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(d.shares) * v.tokens / v.shares);
}

int64_t pending_reward(const ValidatorRecord& v, const Delegation& d) {
  const unsigned __int128 per_share = v.acc - d.acc_at;
  // shares <= 2^63 and per_share <= 2^103 (all rewards ever minted, scaled):
  // the product can exceed 128 bits only past any reachable supply, so the
  // division goes first on the high part.
  const unsigned __int128 s = static_cast<unsigned __int128>(d.shares);
  const unsigned __int128 r =
      (per_share / kRewardScale) * s + (per_share % kRewardScale) * s / kRewardScale;
  return static_cast<int64_t>(
      std::min<unsigned __int128>(r, static_cast<unsigned __int128>(v.reward_pool)));
}

}  // namespace wattle::modules
