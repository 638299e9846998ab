// Transactions: the signed envelope every state change arrives in.
//
// A Tx is (chain id, sender key, nonce, payload) signed by the sender over
// its canonical bytes prefixed with a domain tag, so a signature is valid for
// one chain and one purpose only (no cross-chain replay; DESIGN.md §4). The
// nonce must be exactly the sender's next nonce (no replays, no gaps).
// Value type; thread-safe to share const.
#pragma once

#include <string>
#include <variant>

#include "core/address.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/units.h"

namespace wattle::ledger {

inline constexpr size_t kMaxTxBytes = 4096;
inline constexpr size_t kMaxChainIdLength = 64;

// Moves `amount` (> 0) micro-units from the sender to `to`.
struct Transfer {
  Address to;
  Money amount;
  bool operator==(const Transfer&) const = default;
};

// Payload kinds in wire order; append new kinds at the end (orders, meter
// readings, admin txs come in later issues).
enum class TxKind : uint8_t { kTransfer = 0 };
inline constexpr uint8_t kMaxTxKind = 0;
using Payload = std::variant<Transfer>;

struct Tx {
  std::string chain_id;
  PublicKey sender;
  uint64_t nonce = 0;
  Payload payload;
  Signature signature;

  static Tx make_signed(std::string chain_id, const KeyPair& key, uint64_t nonce, Payload payload);
  // The bytes the signature covers: "wattle/tx" tag + every field but the signature.
  Bytes signing_bytes() const;
  // BLAKE2b-256 of the full canonical encoding (signature included).
  Hash256 hash() const;
  Address sender_address() const { return Address::of(sender); }
  bool signature_valid() const;
};

void encode(Writer& w, const Tx& tx);
Status decode(Reader& r, Tx& tx);
// Decodes one tx from exactly `bytes` (<= kMaxTxBytes); strict.
Result<Tx> decode_tx(ByteView bytes);

// Stateless checks: chain id, payload ranges (amount > 0), signature.
// kWrongChain, kInvalidArgument, kBadSignature.
Status check_stateless(const Tx& tx, std::string_view chain_id, bool check_signature = true);

}  // namespace wattle::ledger
