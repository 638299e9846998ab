#include "modules/staking/staking_txs.h"

namespace wattle::modules {

namespace {

void encode_body(Writer& w, const CreateValidator& t) {
  encode(w, t.consensus_key);
  w.i64(t.amount.value());
  w.u32(t.commission_bp);
}
void encode_body(Writer& w, const Bond& t) {
  w.i64(t.amount.value());
}
void encode_body(Writer& w, const Unbond& t) {
  w.i64(t.amount.value());
}
void encode_body(Writer& w, const Delegate& t) {
  encode(w, t.validator);
  w.i64(t.amount.value());
}
void encode_body(Writer& w, const Undelegate& t) {
  encode(w, t.validator);
  w.i64(t.amount.value());
}
void encode_body(Writer&, const Unjail&) {}
void encode_body(Writer& w, const Propose& t) {
  encode(w, t.key);
  w.u64(t.power);
}
void encode_body(Writer& w, const Vote& t) {
  w.u64(t.proposal);
}

Status read_money(Reader& r, Money& m) {
  int64_t v = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(v));
  m = Money(v);
  return Status::ok();
}

Status decode_body(Reader& r, CreateValidator& t) {
  WATTLE_RETURN_IF_ERROR(decode(r, t.consensus_key));
  WATTLE_RETURN_IF_ERROR(read_money(r, t.amount));
  return r.u32(t.commission_bp);
}
Status decode_body(Reader& r, Bond& t) {
  return read_money(r, t.amount);
}
Status decode_body(Reader& r, Unbond& t) {
  return read_money(r, t.amount);
}
Status decode_body(Reader& r, Delegate& t) {
  WATTLE_RETURN_IF_ERROR(decode(r, t.validator));
  return read_money(r, t.amount);
}
Status decode_body(Reader& r, Undelegate& t) {
  WATTLE_RETURN_IF_ERROR(decode(r, t.validator));
  return read_money(r, t.amount);
}
Status decode_body(Reader&, Unjail&) {
  return Status::ok();
}
Status decode_body(Reader& r, Propose& t) {
  WATTLE_RETURN_IF_ERROR(decode(r, t.key));
  return r.u64(t.power);
}
Status decode_body(Reader& r, Vote& t) {
  return r.u64(t.proposal);
}

template <typename T>
Result<StakingTx> decode_as(ByteView body) {
  Reader r(body);
  T t{};
  WATTLE_RETURN_IF_ERROR(decode_body(r, t));
  WATTLE_RETURN_IF_ERROR(r.finish());
  return StakingTx{t};
}

}  // namespace

chain::ModuleTx to_module_tx(const StakingTx& tx) {
  Writer w;
  std::visit([&](const auto& t) { encode_body(w, t); }, tx);
  return chain::ModuleTx{static_cast<uint8_t>(kFirstStakingTxKind + tx.index()),
                         std::move(w).take()};
}

Result<StakingTx> decode_staking_tx(const chain::ModuleTx& tx) {
  switch (static_cast<StakingTxKind>(tx.kind)) {
    case StakingTxKind::kCreateValidator:
      return decode_as<CreateValidator>(tx.body);
    case StakingTxKind::kBond:
      return decode_as<Bond>(tx.body);
    case StakingTxKind::kUnbond:
      return decode_as<Unbond>(tx.body);
    case StakingTxKind::kDelegate:
      return decode_as<Delegate>(tx.body);
    case StakingTxKind::kUndelegate:
      return decode_as<Undelegate>(tx.body);
    case StakingTxKind::kUnjail:
      return decode_as<Unjail>(tx.body);
    case StakingTxKind::kPropose:
      return decode_as<Propose>(tx.body);
    case StakingTxKind::kVote:
      return decode_as<Vote>(tx.body);
  }
  return Status(Code::kMalformed, "not a staking tx kind");
}

}  // namespace wattle::modules
