// The energy market's records in the state tree (docs/market.md, "State").
//
// Promise: each record has one canonical encoding (core/codec.h) and its
// decoder rejects anything else (trailing bytes, bad enums, over-limit
// lists, negative amounts). Integer-only. Keys are built here and nowhere
// else, so a record's namespace and id layout have one definition.
//
// Lifecycle: an order lives as OrderRecord + SlotOrder index entry while its
// slot is open; at gate closure its slot's book (with fills) moves into the
// SlotRecord and both are deleted. Per account, MarketAccount holds the
// escrow (sum over its orders), the debt and its meter; it is deleted when
// all three are empty. Bills and readings stay as history.
#pragma once

#include <optional>
#include <vector>

#include "chain/state.h"
#include "core/address.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/units.h"
#include "market/book/book.h"
#include "modules/records.h"

namespace wattle::modules {
using namespace ::wattle::chain;

inline constexpr uint32_t kMaxOrdersPerSlot = 100'000;
inline constexpr uint32_t kMaxOpenOrdersPerAccount = 256;

struct OrderRecord {
  Address owner;
  uint64_t slot = 0;
  uint32_t seq = 0;  // position in the slot's order index
  market::Side side = market::Side::kBuy;
  Energy energy;
  Price price;
  uint64_t height = 0;  // block that placed it
  uint32_t index = 0;   // its tx's position in that block
  Money escrow;
  bool operator==(const OrderRecord&) const = default;
};

struct MarketAccount {
  Money escrow;  // held for the account's orders (open, or filled and unsettled)
  Money debt;    // settlement shortfall; blocks orders; repaid by credits first
  std::optional<PublicKey> meter;
  std::vector<Hash256> open_orders;  // placed, slot still open (placement order)
  bool operator==(const MarketAccount&) const = default;
  bool empty() const {
    return escrow.value() == 0 && debt.value() == 0 && !meter && open_orders.empty();
  }
};

struct MeterRecord {
  Address account;
  uint64_t next_slot = 0;  // the earliest slot the next reading may name
  Energy import_total;     // cumulative counters of the last reading (0 at registration)
  Energy export_total;
  bool operator==(const MeterRecord&) const = default;
};

// A posted reading: the slot's interval (difference from the previous reading).
struct ReadingRecord {
  Energy import_wh;
  Energy export_wh;
  bool operator==(const ReadingRecord&) const = default;
};

// One order of a closed slot's book, with its fill.
struct BookEntry {
  Hash256 id;
  Address owner;
  market::Side side = market::Side::kBuy;
  Energy energy;
  Price price;
  uint64_t height = 0;
  uint32_t index = 0;
  Money escrow;   // kept after clearing (what the fill needs); 0 once settled
  Energy filled;  // energy traded (P2P, or with the grid if the mechanism does)
  Money amount;   // paid (buy) or received (sell) for it
  bool operator==(const BookEntry&) const = default;
};

// A grid fee of one market level (index into MarketParams::markets).
struct LevelFeeRecord {
  uint32_t market = 0;
  Money amount;
  bool operator==(const LevelFeeRecord&) const = default;
};

struct SlotTrade {
  uint32_t buy = market::kGrid;  // index into SlotRecord::book, or kGrid
  uint32_t sell = market::kGrid;
  Energy energy;
  Price buy_price;
  Price sell_price;
  // With a market tree: the market that matched it and the grid fee of each
  // level it crossed, leaf side first (paid by the buyer; by the seller for
  // a trade whose buyer is the grid). A flat market: 0 and none.
  uint32_t market = 0;
  std::vector<LevelFeeRecord> fees;
  bool operator==(const SlotTrade&) const = default;
};

// One market of the tree in a closed slot (market/hierarchy/market_tree.h,
// MarketLevel): its own clearing of the orders it was offered.
struct SlotLevel {
  std::optional<Price> clearing_price;
  Energy offered;    // own orders' energy plus what its children passed up
  Energy traded;     // matched in this market
  Energy passed_up;  // left unmatched and offered to the parent (0 at the root)
  Money surplus;
  Money grid_net;
  bool operator==(const SlotLevel&) const = default;
};

enum class SlotStatus : uint8_t { kOpen = 0, kClosed = 1, kSettled = 2 };
const char* slot_status_name(SlotStatus s);

struct SlotRecord {
  SlotStatus status = SlotStatus::kOpen;
  uint32_t next_seq = 0;  // open: next order index
  uint32_t live = 0;      // open: orders not cancelled
  // Closed and settled: the clearing.
  Hash256 seed_block;  // the block hash the mechanism's seed came from
  std::optional<Price> clearing_price;
  std::vector<BookEntry> book;  // in placement order (height, index)
  std::vector<SlotTrade> trades;
  Money surplus;   // the clearing's surplus, to the operator
  Money grid_net;  // what grid trades of the mechanism (if any) net the operator
  // A market tree of several markets (or any fee): one entry per market, by
  // index; encoded as a trailer only then, so a flat or one-market chain
  // keeps today's bytes. surplus and grid_net above are the levels' sums;
  // clearing_price is the root's.
  std::vector<SlotLevel> levels;
  bool operator==(const SlotRecord&) const = default;
};

// A household's settlement for one slot; net = p2p_received + grid_received
// - p2p_paid - grid_paid - grid_fee - tax - sum(grid_fees).
struct Bill {
  Energy bought, sold, import_wh, export_wh;
  int64_t deviation_wh = 0;
  Money p2p_paid, p2p_received, grid_paid, grid_received, grid_fee, tax, net;
  bool reading_posted = false;
  Money debt_added;  // what neither escrow nor balance covered
  // The market tree's grid fees the household paid, by level (ascending
  // market index, each level once, amounts > 0); empty on a flat market, and
  // then not encoded (today's bytes).
  std::vector<LevelFeeRecord> grid_fees;
  bool operator==(const Bill&) const = default;
};

// Slots awaiting a hook, ascending: open slots with orders (gate closure
// due) and closed slots (settlement due). Bounded by max_slots_ahead plus
// the slots between gate and settlement.
struct MarketCursor {
  std::vector<uint64_t> open_slots;
  std::vector<uint64_t> closed_slots;
  bool operator==(const MarketCursor&) const = default;
};

namespace market_keys {
StateKey order(const Hash256& id);
StateKey account(const Address& a);
StateKey meter(const PublicKey& k);
StateKey slot(uint64_t slot);
StateKey slot_order(uint64_t slot, uint32_t seq);
StateKey bill(const Address& a, uint64_t slot);
StateKey reading(const Address& a, uint64_t slot);
StateKey cursor();
// A slot ready to clear that waits for depth (finality_depth.h).
StateKey depth_wait(uint64_t slot);
}  // namespace market_keys

#define WATTLE_MARKET_RECORD(T)       \
  void encode(Writer& w, const T& v); \
  Status decode(Reader& r, T& v);
WATTLE_MARKET_RECORD(OrderRecord)
WATTLE_MARKET_RECORD(MarketAccount)
WATTLE_MARKET_RECORD(MeterRecord)
WATTLE_MARKET_RECORD(ReadingRecord)
WATTLE_MARKET_RECORD(BookEntry)
WATTLE_MARKET_RECORD(SlotTrade)
WATTLE_MARKET_RECORD(LevelFeeRecord)
WATTLE_MARKET_RECORD(SlotLevel)
WATTLE_MARKET_RECORD(SlotRecord)
WATTLE_MARKET_RECORD(Bill)
WATTLE_MARKET_RECORD(MarketCursor)
#undef WATTLE_MARKET_RECORD

// Writes the account's market record, or deletes it when empty (so an
// account that never traded again leaves no record behind).
void put_market_account(StateOverlay& state, const Address& a, const MarketAccount& ma);

}  // namespace wattle::modules
