#include "chain/tx.h"

#include <algorithm>
#include <utility>

#include "chain/decode_counters.h"

namespace wattle::chain {

namespace {

void encode_body(Writer& w, const Tx& tx) {
  w.str(tx.chain_id);
  encode(w, tx.sender);
  w.u64(tx.nonce);
  w.u8(tx.kind());
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, Transfer>) {
          encode(w, p.to);
          w.i64(p.amount.value());
        } else if constexpr (std::is_same_v<P, PlaceOrder>) {
          w.u64(p.slot);
          w.u8(static_cast<uint8_t>(p.side));
          w.i64(p.energy.value());
          w.i64(p.price.value());
        } else if constexpr (std::is_same_v<P, CancelOrder>) {
          encode(w, p.order_id);
        } else if constexpr (std::is_same_v<P, RegisterMeter>) {
          encode(w, p.meter_key);
          encode(w, p.account);
        } else if constexpr (std::is_same_v<P, MeterReading>) {
          w.u64(p.slot);
          w.i64(p.import_wh.value());
          w.i64(p.export_wh.value());
        } else if constexpr (std::is_same_v<P, ModuleTx>) {
          w.bytes(p.body);
        }
      },
      tx.payload);
}

}  // namespace

uint8_t Tx::kind() const {
  if (const auto* m = std::get_if<ModuleTx>(&payload)) return m->kind;
  return static_cast<uint8_t>(payload.index());
}

Tx Tx::make_signed(std::string chain_id, const KeyPair& key, uint64_t nonce, Payload payload) {
  Tx tx{std::move(chain_id), key.public_key(), nonce, std::move(payload), {}};
  tx.signature = key.sign(tx.signing_bytes());
  return tx;
}

Bytes Tx::signing_bytes() const {
  Writer w;
  w.str("wattle/tx");
  encode_body(w, *this);
  return std::move(w).take();
}

Hash256 Tx::hash() const {
  return tx_hash(encode_to_bytes(*this));
}

Hash256 tx_hash(ByteView tx_bytes) {
  decode_counters().tx_hashes.fetch_add(1, std::memory_order_relaxed);
  return blake2b256(tx_bytes);
}

bool Tx::signature_valid() const {
  decode_counters().signature_checks.fetch_add(1, std::memory_order_relaxed);
  return verify(sender, signing_bytes(), signature);
}

void encode(Writer& w, const Tx& tx) {
  encode_body(w, tx);
  encode(w, tx.signature);
}

Status decode(Reader& r, Tx& tx) {
  WATTLE_RETURN_IF_ERROR(r.str(tx.chain_id, kMaxChainIdLength));
  WATTLE_RETURN_IF_ERROR(decode(r, tx.sender));
  WATTLE_RETURN_IF_ERROR(r.u64(tx.nonce));
  uint8_t kind_byte = 0;
  WATTLE_RETURN_IF_ERROR(r.u8(kind_byte));
  if (is_module_tx_kind(kind_byte)) {
    ModuleTx m{kind_byte, {}};
    WATTLE_RETURN_IF_ERROR(r.bytes(m.body, kMaxTxBytes));
    tx.payload = std::move(m);
    return decode(r, tx.signature);
  }
  if (kind_byte > kMaxTxKind) return Status(Code::kMalformed, "enum value out of range");
  const auto kind = static_cast<TxKind>(kind_byte);
  switch (kind) {
    case TxKind::kTransfer: {
      Transfer t;
      WATTLE_RETURN_IF_ERROR(decode(r, t.to));
      int64_t amount = 0;
      WATTLE_RETURN_IF_ERROR(r.i64(amount));
      t.amount = Money(amount);
      tx.payload = t;
      break;
    }
    case TxKind::kPlaceOrder: {
      PlaceOrder o;
      int64_t e = 0, p = 0;
      WATTLE_RETURN_IF_ERROR(r.u64(o.slot));
      WATTLE_RETURN_IF_ERROR(r.enumeration(o.side, static_cast<uint8_t>(market::Side::kSell)));
      WATTLE_RETURN_IF_ERROR(r.i64(e));
      WATTLE_RETURN_IF_ERROR(r.i64(p));
      o.energy = Energy(e);
      o.price = Price(p);
      tx.payload = o;
      break;
    }
    case TxKind::kCancelOrder: {
      CancelOrder c;
      WATTLE_RETURN_IF_ERROR(decode(r, c.order_id));
      tx.payload = c;
      break;
    }
    case TxKind::kRegisterMeter: {
      RegisterMeter m;
      WATTLE_RETURN_IF_ERROR(decode(r, m.meter_key));
      WATTLE_RETURN_IF_ERROR(decode(r, m.account));
      tx.payload = m;
      break;
    }
    case TxKind::kMeterReading: {
      MeterReading m;
      int64_t i = 0, e = 0;
      WATTLE_RETURN_IF_ERROR(r.u64(m.slot));
      WATTLE_RETURN_IF_ERROR(r.i64(i));
      WATTLE_RETURN_IF_ERROR(r.i64(e));
      m.import_wh = Energy(i);
      m.export_wh = Energy(e);
      tx.payload = m;
      break;
    }
  }
  return decode(r, tx.signature);
}

namespace {
template <size_t... I>
size_t smallest_kind_bytes(std::index_sequence<I...>) {
  // Every field of a payload kind is fixed-width, so a default value encodes
  // to the kind's size; an empty chain id is the shortest one.
  return std::min({encode_to_bytes(Tx{"", {}, 0, Payload(std::in_place_index<I>), {}}).size()...});
  // (A default ModuleTx encodes as kind 0 with a 4-byte length: no shorter
  // than a real module payload with an empty body.)
}
}  // namespace

size_t min_encoded_tx_bytes() {
  static const size_t bytes =
      smallest_kind_bytes(std::make_index_sequence<std::variant_size_v<Payload>>{});
  return bytes;
}

Status check_nonce(uint64_t next, uint64_t nonce) {
  if (nonce < next)
    return Status(Code::kNonceReplay, "nonce " + std::to_string(nonce) + " already used (next is " +
                                          std::to_string(next) + ")");
  if (nonce > next)
    return Status(Code::kNonceGap, "nonce " + std::to_string(nonce) + " skips ahead (next is " +
                                       std::to_string(next) + ")");
  return Status::ok();
}

Result<Tx> decode_tx(ByteView bytes) {
  if (bytes.size() > kMaxTxBytes) return Status(Code::kTooLarge, "tx larger than 4096 bytes");
  return decode_exact<Tx>(bytes);
}

Status check_stateless(const Tx& tx, std::string_view chain_id, bool check_signature) {
  if (tx.chain_id != chain_id)
    return Status(Code::kWrongChain,
                  "tx is for chain \"" + tx.chain_id + "\", not \"" + std::string(chain_id) + "\"");
  if (const auto* t = std::get_if<Transfer>(&tx.payload)) {
    if (t->amount.value() <= 0) return Status(Code::kInvalidArgument, "amount must be > 0");
  }
  if (const auto* o = std::get_if<PlaceOrder>(&tx.payload)) {
    const market::BookLimits limits;
    if (o->energy.value() <= 0) return Status(Code::kInvalidArgument, "energy_wh must be > 0");
    if (o->energy.value() > limits.max_energy_wh)
      return Status(Code::kInvalidArgument,
                    "energy_wh must be <= " + std::to_string(limits.max_energy_wh));
    if (o->price.value() < 0 || o->price.value() > limits.max_price)
      return Status(Code::kInvalidArgument, "price must be 0.." + std::to_string(limits.max_price));
  }
  if (const auto* m = std::get_if<MeterReading>(&tx.payload)) {
    if (m->import_wh.value() < 0 || m->export_wh.value() < 0)
      return Status(Code::kInvalidArgument, "meter counters must be >= 0");
  }
  if (check_signature && !tx.signature_valid())
    return Status(Code::kBadSignature, "signature does not verify");
  return Status::ok();
}

}  // namespace wattle::chain
