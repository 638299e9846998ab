#include "consensus/bft/persisted_state.h"

namespace wattle::consensus::bft {

namespace {
constexpr uint8_t kFormatVersion = 2;  // 2: past_votes

template <typename T>
void encode_opt(Writer& w, const std::optional<T>& v) {
  w.boolean(v.has_value());
  if (v) encode(w, *v);
}

template <typename T>
Status decode_opt(Reader& r, std::optional<T>& v) {
  bool has = false;
  WATTLE_RETURN_IF_ERROR(r.boolean(has));
  v.reset();
  if (!has) return Status::ok();
  T t{};
  WATTLE_RETURN_IF_ERROR(decode(r, t));
  v = std::move(t);
  return Status::ok();
}
}  // namespace

void encode(Writer& w, const PersistedState& s) {
  w.u8(kFormatVersion);
  w.u64(s.height);
  w.u32(s.round);
  w.u8(static_cast<uint8_t>(s.step));
  w.i64(s.locked_round);
  encode_opt(w, s.locked_value);
  w.i64(s.valid_round);
  encode_opt(w, s.valid_value);
  w.u32(static_cast<uint32_t>(s.valid_pol.size()));
  for (const auto& v : s.valid_pol) encode(w, v);
  encode_opt(w, s.own_proposal);
  encode_opt(w, s.own_prevote);
  encode_opt(w, s.own_precommit);
  w.u32(static_cast<uint32_t>(s.past_votes.size()));
  for (const auto& v : s.past_votes) encode(w, v);
}

Status decode(Reader& r, PersistedState& s) {
  uint8_t version = 0;
  WATTLE_RETURN_IF_ERROR(r.u8(version));
  if (version != 1 && version != kFormatVersion)
    return Status(Code::kMalformed, "unknown persisted consensus state version");
  WATTLE_RETURN_IF_ERROR(r.u64(s.height));
  WATTLE_RETURN_IF_ERROR(r.u32(s.round));
  WATTLE_RETURN_IF_ERROR(r.enumeration(s.step, 2));
  WATTLE_RETURN_IF_ERROR(r.i64(s.locked_round));
  WATTLE_RETURN_IF_ERROR(decode_opt(r, s.locked_value));
  WATTLE_RETURN_IF_ERROR(r.i64(s.valid_round));
  WATTLE_RETURN_IF_ERROR(decode_opt(r, s.valid_value));
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, ValidatorSet::kMaxValidators, 1));
  s.valid_pol.resize(n);
  for (auto& v : s.valid_pol) WATTLE_RETURN_IF_ERROR(decode(r, v));
  WATTLE_RETURN_IF_ERROR(decode_opt(r, s.own_proposal));
  WATTLE_RETURN_IF_ERROR(decode_opt(r, s.own_prevote));
  WATTLE_RETURN_IF_ERROR(decode_opt(r, s.own_precommit));
  s.past_votes.clear();
  if (version >= 2) {  // version 1 had no past votes: an empty list is what it meant
    WATTLE_RETURN_IF_ERROR(r.count(n, PersistedState::kMaxPastVotes, 1));
    s.past_votes.resize(n);
    for (auto& v : s.past_votes) WATTLE_RETURN_IF_ERROR(decode(r, v));
  }
  if (s.locked_round < -1 || s.valid_round < -1 ||
      s.locked_value.has_value() != (s.locked_round >= 0) ||
      s.valid_value.has_value() != (s.valid_round >= 0))
    return Status(Code::kMalformed, "inconsistent lock/valid fields in persisted state");
  return Status::ok();
}

}  // namespace wattle::consensus::bft
