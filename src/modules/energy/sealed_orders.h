// Sealed orders: commit–reveal bids and asks (docs/market.md, "Sealed orders").
//
// A SealedOrder tx puts on chain only a commitment (sealed_commitment: a hash
// of the order's side, energy and price, its owner and slot and a 32-byte
// random salt), a deposit of the genesis `seal_deposit` and an escrow bound
// the owner chooses; both are taken from the balance into the market escrow,
// so the book's depth stays hidden but nobody can commit more than they hold.
// The slot's gate closure opens its reveal window, which lasts `reveal_blocks`
// blocks (the gate block and the next reveal_blocks-1). A RevealOrder in the
// window whose fields and salt hash to the commitment turns the sealed order
// into an ordinary order of the slot's book (priority of the sealed tx, escrow
// of its fields, which must fit the bound); the deposit and the rest of the
// bound return. At the window's end the slot clears on revealed and public
// orders alike; a sealed order not revealed by then forfeits its deposit to
// the market's operator account (the community's account) and its bound
// returns.
//
// Tx kinds 48 (SealedOrder) and 49 (RevealOrder), encoded as ModuleTx bodies;
// namespaces 48..50 (records below). Errors carry stable codes and leave the
// state unchanged: kInsufficientFunds (deposit + bound over the balance),
// kUnauthorized (someone else's commitment), kDuplicate (revealed twice),
// kRevealWindow (before the gate or after the window), kRevealMismatch (wrong
// fields or salt, or an escrow over the bound), kMalformed (bad body).
// Integer-only and deterministic; free functions.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "chain/account.h"
#include "chain/block.h"
#include "chain/block_context.h"
#include "chain/events.h"
#include "chain/state.h"
#include "chain/tx.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {

inline constexpr uint8_t kSealedOrderKind = 48;
inline constexpr uint8_t kRevealOrderKind = 49;
// id: order id (the sealed tx's hash)   record: SealedRecord
inline constexpr chain::Namespace kSealedNamespace = static_cast<chain::Namespace>(48);
// id: slot (u64 BE)                     record: SealWindow
inline constexpr chain::Namespace kSealWindowNamespace = static_cast<chain::Namespace>(49);
// id: slot || seq (BE)                  record: order id
inline constexpr chain::Namespace kSealIndexNamespace = static_cast<chain::Namespace>(50);

using Salt = std::array<uint8_t, 32>;

// Kind 48: a commitment to one order of `slot`.
struct SealedOrder {
  uint64_t slot = 0;
  Hash256 commitment;
  Money escrow_bound;  // >= 0: the most the revealed order's escrow may be
  bool operator==(const SealedOrder&) const = default;
};

// Kind 49: the opening of sealed order `order_id`.
struct RevealOrder {
  Hash256 order_id;
  uint64_t slot = 0;
  market::Side side = market::Side::kBuy;
  Energy energy;  // Wh, > 0
  Price price;    // micro-units/kWh, 0..BookLimits::max_price
  Salt salt{};
  bool operator==(const RevealOrder&) const = default;
};

// The commitment: BLAKE2b-256("wattle/sealed-order" || slot u64 || side u8 ||
// energy i64 || price i64 || owner (20 bytes) || salt (32 bytes)).
Hash256 sealed_commitment(const Address& owner, uint64_t slot, market::Side side, Energy energy,
                          Price price, const Salt& salt);

chain::ModuleTx to_module_tx(const SealedOrder& s);
chain::ModuleTx to_module_tx(const RevealOrder& r);
// Strict decoders of the bodies (exact length, side enum, energy and price in
// range, bound >= 0): kMalformed or kInvalidArgument.
Result<SealedOrder> decode_sealed_order(ByteView body);
Result<RevealOrder> decode_reveal_order(ByteView body);

// A sealed order while its slot's window is pending.
struct SealedRecord {
  Address owner;
  uint64_t slot = 0;
  uint32_t seq = 0;  // position in the slot's seal index
  Hash256 commitment;
  Money deposit;        // seal_deposit when sealed
  Money bound;          // the escrow bound
  uint64_t height = 0;  // the sealed tx's block and index: the order's priority
  uint32_t index = 0;
  bool revealed = false;
  bool operator==(const SealedRecord&) const = default;
};

// A slot's sealing: its seal index length and, once its gate has closed, the
// height of the block that closed it (the window's first block).
struct SealWindow {
  uint32_t next_seq = 0;
  uint64_t open_height = 0;  // 0: gate not closed yet (block heights start at 1)
  bool operator==(const SealWindow&) const = default;
};

void encode(Writer& w, const SealedRecord& v);
Status decode(Reader& r, SealedRecord& v);
void encode(Writer& w, const SealWindow& v);
Status decode(Reader& r, SealWindow& v);

namespace sealed_keys {
chain::StateKey sealed(const Hash256& id);
chain::StateKey window(uint64_t slot);
chain::StateKey index(uint64_t slot, uint32_t seq);
}  // namespace sealed_keys

// The rules of kinds 48 and 49 (the tx's payload is a ModuleTx of one of them).
Status apply_sealed_tx(chain::StateOverlay& state, const chain::Tx& tx, chain::Account& sender,
                       const MarketParams& m, const chain::BlockContext& ctx,
                       std::vector<chain::Event>* events);

// A slot's pending sealed orders as the API shows them.
struct SealedSummary {
  uint32_t orders = 0;            // sealed orders of the slot
  uint32_t revealed = 0;          // of which revealed
  uint64_t window_opened_at = 0;  // the gate block's height; 0 before the gate
};
// nullopt when the slot has no pending sealed order (none, or its window
// has ended and the slot has cleared: revealed orders are then in its book).
Result<std::optional<SealedSummary>> sealed_summary(const chain::StateReader& state, uint64_t slot);

// The sealed orders among an account's open orders (`ids`), with their
// records, in that order; revealed ones too (they are also ordinary orders
// until their slot's window ends).
Result<std::vector<std::pair<Hash256, SealedRecord>>> sealed_orders_of(
    const chain::StateReader& state, const std::vector<Hash256>& ids);

// The gate hook of a slot whose gate is due in the block `header`: true when
// the slot may clear now (it has no sealed orders, or its window has ended,
// in which case the unrevealed orders have forfeited and every seal record of
// the slot is gone); false while the window runs (the first call opens it).
Result<bool> sealed_gate(chain::StateOverlay& state, const MarketParams& m,
                         const chain::BlockHeader& header, uint64_t slot);

}  // namespace wattle::modules
