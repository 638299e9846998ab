// MarketParams: the market section of genesis (docs/market.md).
//
// Promise: a MarketParams that passed validate() names a mechanism the
// market registry accepts with these parameters, has every tariff, delay
// and limit inside the ranges below, and gives every slot a gate closure and
// a settlement time that fit uint64 milliseconds. Integer-only (consensus
// state): tariffs in micro-units/kWh, tax in basis points, times in seconds
// of Unix time as block times are. Value type.
//
// Slot N covers block time [N*slot_seconds, (N+1)*slot_seconds) seconds;
//   gate(N)   = N*slot_seconds - gate_lead_seconds         (orders close)
//   settle(N) = (N+1)*slot_seconds + settlement_delay_seconds
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/address.h"
#include "core/codec.h"
#include "core/units.h"
#include "market/hierarchy/market_tree.h"
#include "market/settlement/bill.h"

namespace wattle::modules {

struct MarketParams {
  std::string mechanism = "uniform";
  std::map<std::string, int64_t> params;
  uint64_t slot_seconds = 900;
  uint64_t gate_lead_seconds = 300;
  uint64_t settlement_delay_seconds = 600;
  uint64_t max_slots_ahead = 96;
  int64_t grid_buy = 250'000;  // micro-units/kWh the grid charges
  int64_t grid_sell = 50'000;  // micro-units/kWh the grid pays
  int64_t grid_fee = 20'000;   // micro-units/kWh of P2P energy, paid by the buyer
  int64_t tax_bp = 0;          // basis points on what a household pays
  Address operator_account;    // registers meters; grid counterparty; gets fees, surplus
  Address tax_account;
  int64_t max_reading_wh_per_slot = 100'000;
  // Sealed orders (docs/market.md, "Sealed orders"): what a sealed order
  // deposits beside its escrow bound (forfeited to operator_account when it
  // is not revealed), and how many blocks from gate closure reveals last.
  int64_t seal_deposit = 1'000'000;
  uint64_t reveal_blocks = 2;
  // Blocks a slot's clearing waits after the block that would clear it with
  // 0 (its gate block, or the end of its reveal window), so that on a chain
  // that reorgs (PoW) the block closing the book is this deep before trades
  // and settlement depend on it (docs/market.md, "Waiting for depth").
  // 0: clear at once, as a BFT chain with instant finality does.
  uint64_t finality_depth = 0;
  // A hierarchy of markets (docs/market.md, "A hierarchy of markets"); empty:
  // one flat market with `mechanism` and `params`, exactly as before. Each
  // node's fee_account is a canonical "wat1..." address.
  market::MarketTree markets;
  bool operator==(const MarketParams&) const = default;

  // Limits validate() enforces.
  static constexpr uint64_t kMaxSlotSeconds = 86'400;
  static constexpr uint64_t kMaxSlotsAhead = 10'000;
  static constexpr int64_t kMaxTaxBp = 10'000;
  static constexpr int64_t kMaxReadingWh = 1'000'000'000;  // 1 GWh per slot
  static constexpr size_t kMaxMechanismParams = 16;
  static constexpr size_t kMaxNameLength = 64;
  static constexpr int64_t kMaxSealDeposit = 1'000'000'000'000;  // a million tokens
  static constexpr uint64_t kMaxRevealBlocks = 1'000;
  static constexpr uint64_t kMaxFinalityDepth = 1'000;

  uint64_t slot_ms() const { return slot_seconds * 1000; }
  // What settlement bills with (market/settlement/bill.h).
  market::SettlementTariffs tariffs() const { return {grid_buy, grid_sell, grid_fee, tax_bp}; }
  // The slot whose interval holds `time_ms`.
  uint64_t slot_of(uint64_t time_ms) const { return time_ms / slot_ms(); }
  uint64_t slot_start_ms(uint64_t slot) const { return slot * slot_ms(); }
  uint64_t slot_end_ms(uint64_t slot) const { return (slot + 1) * slot_ms(); }
  // nullopt for a slot so early its gate would be before time 0 (no order
  // can name it: it is in the past for every block).
  std::optional<uint64_t> gate_ms(uint64_t slot) const;
  uint64_t settle_ms(uint64_t slot) const {
    return slot_end_ms(slot) + settlement_delay_seconds * 1000;
  }
  // The largest slot whose times fit uint64 ms (validate() ensures it is
  // far beyond any real clock); larger slots are refused as too far ahead.
  uint64_t max_slot() const;
};

// kInvalidArgument naming the key and the reason, e.g.
// `market: "tax_bp" must be 0..10000`; the registry's message for a
// mechanism or parameter it refuses; for `markets`, the tree's errors
// (market/hierarchy/market_tree.h) with `fault` set to the market and key.
Status validate(const MarketParams& m, market::TreeFault* fault = nullptr);

// Canonical encoding (part of the genesis hash). The sealing fields follow
// as a tagged trailer (tag 1) only when either differs from its default, and
// the markets as a second one (tag 2) only when there are any, so a genesis
// written before either existed keeps its hash; decode refuses a trailer
// that holds the defaults, and trailers out of tag order (one encoding per
// value). finality_depth follows as a third (tag 3) only when it is not 0.
void encode(Writer& w, const MarketParams& m);
Status decode(Reader& r, MarketParams& m);

// The genesis JSON form: {"mechanism", "params": {k: v}, "slot_seconds", ...,
// "operator": "wat1...", "tax_account": "wat1..."}; the same keys as the TOML
// file `wattle init --market` reads. Strict: unknown and missing keys, wrong
// types are errors naming the key. "markets" (optional) is an array of
// {"name", "parent" (optional: the root), "mechanism", "params" (optional),
// "grid_fee", "fee_account"}; an error about one of them sets `fault` to its
// index and key.
nlohmann::json to_json(const MarketParams& m);
// "finality_depth" (optional) defaults to 0.
Result<MarketParams> market_params_from_json(const nlohmann::json& j,
                                             market::TreeFault* fault = nullptr);

// The market section of a genesis whose engine reorgs (PoW): as above, but a
// section that names no "finality_depth" takes `engine_finality_depth`, the
// engine's own depth (consensus/pow/params.h), so trades wait as long as
// anything else the chain calls final; 0 is refused there (a reorg could undo
// trades). The genesis parser calls this instead
// of market_params_from_json for such an engine.
Result<MarketParams> market_params_from_json_for_reorging_engine(
    const nlohmann::json& j, uint64_t engine_finality_depth, market::TreeFault* fault = nullptr);

}  // namespace wattle::modules
