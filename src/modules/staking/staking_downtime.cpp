// The downtime rule (docs/staking.md, "Downtime"): Cosmos x/slashing's
// HandleValidatorSignature over the signers of the previous block's commit.
#include <algorithm>

#include "modules/staking/staking_rules.h"

namespace wattle::modules {

using chain::Event;
using chain::StateOverlay;

namespace {

bool bit(const Bytes& bitmap, uint64_t i) {
  return (bitmap[i / 8] >> (i % 8)) & 1;
}
void set_bit(Bytes& bitmap, uint64_t i, bool on) {
  const auto mask = static_cast<uint8_t>(1u << (i % 8));
  bitmap[i / 8] =
      on ? static_cast<uint8_t>(bitmap[i / 8] | mask) : static_cast<uint8_t>(bitmap[i / 8] & ~mask);
}

// "More than max_missed_bp of the window", exactly: missed / window >
// bp / 10000 without rounding (window <= 10^4, so no overflow).
bool over_threshold(const StakingParams& p, const SigningInfo& info) {
  return info.observed >= p.downtime_window &&
         info.missed * 10'000 > uint64_t{p.downtime_max_missed_bp} * p.downtime_window;
}

// One commit observed for a set member: slides its window by one.
void observe(const StakingParams& p, SigningInfo& info, bool signed_it) {
  const size_t bytes = (p.downtime_window + 7) / 8;
  if (info.bitmap.size() != bytes) info = SigningInfo{0, 0, Bytes(bytes, 0)};
  const uint64_t i = info.observed % p.downtime_window;
  const bool was_missed = bit(info.bitmap, i);
  if (!signed_it && !was_missed) ++info.missed;
  if (signed_it && was_missed) --info.missed;
  set_bit(info.bitmap, i, !signed_it);
  ++info.observed;
}

// Slashes and jails `op` for downtime ending at `commit_height`; its window
// starts afresh (it is judged again only after a full window back in the set).
Status punish_downtime(const StakingContext& c, StateOverlay& s, const Address& op,
                       uint64_t commit_height, uint64_t height, std::vector<Event>* events) {
  auto burned = slash_validator(s, op, commit_height, c.params.slash_downtime_bp);
  if (!burned) return burned.status();
  auto v = read_record<ValidatorRecord>(s, validator_key(op));
  if (!v) return v.status();
  ValidatorRecord r = **v;  // slash_validator found it
  r.jailed = true;
  r.jailed_until = height + c.params.jail_blocks;  // no overflow: handle_last_commit checked
  s.put(validator_key(op), encode_to_bytes(r));
  s.erase(signing_key(op));
  WATTLE_RETURN_IF_ERROR(leave_current_set(s, op));
  const Hash256 k = staking_event_hash(r.consensus_key.bytes);
  emit_staking_event(events, Event::Kind::kSlashed, height, k, static_cast<uint64_t>(*burned));
  emit_staking_event(events, Event::Kind::kJailed, height, k, r.jailed_until - 1);
  return Status::ok();
}

}  // namespace

Status leave_current_set(StateOverlay& s, const Address& op) {
  auto g = read_or_default<StakingGlobal>(s, global_key());
  if (!g) return g.status();
  auto& vs = g->current.validators;
  auto it = std::find_if(vs.begin(), vs.end(),
                         [&](const SetEntry& e) { return e.operator_address == op; });
  // A set never empties (as at end-block): the last member stays.
  if (it == vs.end() || vs.size() == 1) return Status::ok();
  vs.erase(it);
  s.put(global_key(), encode_to_bytes(*g));
  return Status::ok();
}

Status handle_last_commit(const StakingContext& c, StateOverlay& s, uint64_t height,
                          const chain::LastCommit& commit, std::vector<Event>* events) {
  const StakingParams& p = c.params;
  if (p.consensus != ConsensusKind::kPos && p.consensus != ConsensusKind::kDpos)
    return Status::ok();
  if (commit.height == 0) return Status::ok();  // genesis has no certificate
  if (commit.height >= height)
    return Status(Code::kInvalidArgument, "last commit is not of an earlier block");
  if (p.jail_blocks > UINT64_MAX - height) return Status(Code::kOverflow, "jail ends past 2^64");
  auto set = set_at(s, commit.height);
  if (!set) return set.status();
  std::vector<PublicKey> signers = commit.signers;
  std::sort(signers.begin(), signers.end());
  for (const auto& e : set->validators) {
    auto v = read_record<ValidatorRecord>(s, validator_key(e.operator_address));
    if (!v) return v.status();
    // Jailed (and tombstoned) members may still be in force for two blocks:
    // their absence is the infraction already punished, not a new one.
    if (!*v || (*v)->jailed || (*v)->tombstoned) continue;
    auto info = read_or_default<SigningInfo>(s, signing_key(e.operator_address));
    if (!info) return info.status();
    observe(p, *info, std::binary_search(signers.begin(), signers.end(), e.key));
    if (over_threshold(p, *info)) {
      WATTLE_RETURN_IF_ERROR(
          punish_downtime(c, s, e.operator_address, commit.height, height, events));
    } else {
      s.put(signing_key(e.operator_address), encode_to_bytes(*info));
    }
  }
  return Status::ok();
}

}  // namespace wattle::modules
