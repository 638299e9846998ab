// Transactions: the signed envelope every state change arrives in.
//
// A Tx is (chain id, sender key, nonce, payload) signed by the sender over
// its canonical bytes prefixed with a domain tag, so a signature is valid for
// one chain and one purpose only (no cross-chain replay; docs/ledger.md). The
// nonce must be exactly the sender's next nonce (no replays, no gaps).
// Value type; thread-safe to share const.
//
// A Tx's fields are public and may change after signing (a test tampers with
// one), so a Tx does not carry its hash: Tx::hash() encodes and hashes on
// each call. Where a tx arrives as bytes its hash is taken from them once
// (tx_hash) and travels beside it: CheckTx hands it to the mempool, a block's
// decode keeps it in DecodedBlock::tx_hashes (chain/block.h).
#pragma once

#include <string>
#include <variant>

#include "core/address.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/units.h"
#include "market/book/book.h"

namespace wattle::chain {

inline constexpr size_t kMaxTxBytes = 4096;
inline constexpr size_t kMaxChainIdLength = 64;

// Moves `amount` (> 0) micro-units from the sender to `to`.
struct Transfer {
  Address to;
  Money amount;
  bool operator==(const Transfer&) const = default;
};

// The energy market's txs (docs/market.md, "Rules"). The order id of a
// PlaceOrder is its tx hash.
struct PlaceOrder {
  uint64_t slot = 0;
  market::Side side = market::Side::kBuy;
  Energy energy;  // Wh, > 0
  Price price;    // micro-units/kWh, 0..BookLimits::max_price
  bool operator==(const PlaceOrder&) const = default;
};
struct CancelOrder {
  Hash256 order_id;
  bool operator==(const CancelOrder&) const = default;
};
// Operator only: binds a meter key to a household account.
struct RegisterMeter {
  PublicKey meter_key;
  Address account;
  bool operator==(const RegisterMeter&) const = default;
};
// Signed by the meter key (the tx's sender): cumulative counters at the end
// of `slot`. Replay: the meter key's own account nonce (the envelope's), and
// a reading must name a slot after the meter's previous one.
struct MeterReading {
  uint64_t slot = 0;
  Energy import_wh;  // >= 0
  Energy export_wh;  // >= 0
  bool operator==(const MeterReading&) const = default;
};

// The payload of a tx kind that a module added (chain/module.h) without a
// change here: kinds kFirstModuleTxKind..kLastModuleTxKind, encoded as the
// kind byte and the module's canonical body (u32 length + bytes). The module
// that owns the kind decodes and checks the body.
struct ModuleTx {
  uint8_t kind = 0;
  Bytes body;
  bool operator==(const ModuleTx&) const = default;
};

// Payload kinds in wire order; append new kinds at the end.
enum class TxKind : uint8_t {
  kTransfer = 0,
  kPlaceOrder = 1,
  kCancelOrder = 2,
  kRegisterMeter = 3,
  kMeterReading = 4,
};
inline constexpr uint8_t kMaxTxKind = 4;
inline constexpr uint8_t kFirstModuleTxKind = 32;
inline constexpr uint8_t kLastModuleTxKind = 126;
constexpr bool is_module_tx_kind(uint8_t kind) {
  return kind >= kFirstModuleTxKind && kind <= kLastModuleTxKind;
}
using Payload =
    std::variant<Transfer, PlaceOrder, CancelOrder, RegisterMeter, MeterReading, ModuleTx>;

struct Tx {
  std::string chain_id;
  PublicKey sender;
  uint64_t nonce = 0;
  Payload payload;
  Signature signature;

  static Tx make_signed(std::string chain_id, const KeyPair& key, uint64_t nonce, Payload payload);
  // The bytes the signature covers: "wattle/tx" tag + every field but the signature.
  Bytes signing_bytes() const;
  // BLAKE2b-256 of the full canonical encoding (signature included);
  // encodes the tx first, so hot paths use tx_hash on the bytes they hold.
  Hash256 hash() const;
  Address sender_address() const { return Address::of(sender); }
  // The payload's wire kind (TxKind, or a ModuleTx's kind).
  uint8_t kind() const;
  bool signature_valid() const;
};

void encode(Writer& w, const Tx& tx);
Status decode(Reader& r, Tx& tx);
// Decodes one tx from exactly `bytes` (<= kMaxTxBytes); strict.
// The fewest bytes any valid tx encodes to: the smallest payload kind with an
// empty chain id. Decoders use it to bound a list's count by the input left;
// it is computed from the codec itself so a new or smaller kind cannot make a
// valid block look truncated.
size_t min_encoded_tx_bytes();

Result<Tx> decode_tx(ByteView bytes);

// The hash of the tx whose canonical bytes are `tx_bytes`: what Tx::hash()
// returns for the tx they decode to, without encoding it again.
Hash256 tx_hash(ByteView tx_bytes);

// A tx must carry exactly the sender's next nonce: no replays, no gaps.
// kNonceReplay, kNonceGap.
Status check_nonce(uint64_t next, uint64_t nonce);

// Stateless checks: chain id, payload ranges (amount > 0; order energy > 0,
// price 0..max; reading counters >= 0), signature.
// kWrongChain, kInvalidArgument, kBadSignature.
Status check_stateless(const Tx& tx, std::string_view chain_id, bool check_signature = true);

}  // namespace wattle::chain
