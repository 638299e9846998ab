// OrderBook: the continuous double auction's limit order book (NRGcoin [73]).
//
// Promise: price-time priority. An incoming order trades against the best
// resting orders of the other side (best price, then earliest arrival) at the
// RESTING order's price while they cross; what is left rests at its limit.
// After every call the book is uncrossed (best bid < best ask). Trades are
// appended in the order they happen. Integer-only, no I/O, deterministic;
// single-threaded (callers serialize, as the ledger's executor does).
//
// Orders are named by a caller-chosen dense reference `ref` (an index into the
// caller's order table: Book::orders in the batch `cda` mechanism, a per-slot
// sequence number in the ledger), so id lookup is one vector index. A ref may
// be reused once its order has left the book.
//
// Cost: add/cancel O(1) plus O(1) per trade, except finding the next
// non-empty level when the best one empties (a bitmap scan, O(1) on dense
// ladders). Memory: O(ladder size + resting orders + largest ref).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "market/book/book.h"
#include "market/book/level_set.h"
#include "market/book/price_ladder.h"

namespace wattle::market {

class OrderBook {
 public:
  // Refs must be < max_refs (bounds the id table).
  explicit OrderBook(PriceLadder ladder, uint32_t max_refs = 1u << 24);

  // Matches the order against the other side, then rests the remainder.
  // Trades name refs (Trade::buy / Trade::sell) and carry the resting price on
  // both sides. Errors (book unchanged): kInvalidArgument for energy <= 0, a
  // price off the ladder or ref >= max_refs; kDuplicate if ref is resting.
  Status add(uint32_t ref, Side side, Price limit, Energy energy, std::vector<Trade>* trades);
  // Removes a resting order; kNotFound if ref is not resting.
  Status cancel(uint32_t ref);

  bool resting(uint32_t ref) const { return ref < slot_of_.size() && slot_of_[ref] != kNil; }
  // Energy still resting for ref (zero if not resting).
  Energy remaining(uint32_t ref) const;
  std::optional<Price> best_bid() const;
  std::optional<Price> best_ask() const;
  size_t resting_count() const { return live_; }

  struct Resting {
    uint32_t ref;
    Side side;
    Price price;
    Energy remaining;
  };
  // Every resting order of one side in priority order (best price, then earliest).
  std::vector<Resting> snapshot(Side side) const;

 private:
  static constexpr uint32_t kNil = 0xffffffffu;
  struct Node {
    int64_t remaining;
    uint32_t ref;
    uint32_t level;
    uint32_t prev;
    uint32_t next;
    Side side;
  };
  struct Level {
    uint32_t head = kNil;
    uint32_t tail = kNil;
  };

  uint32_t alloc_node();
  void free_node(uint32_t n);
  void append(uint32_t n);
  void unlink(uint32_t n);  // from its level; updates bitmaps and best levels

  PriceLadder ladder_;
  uint32_t max_refs_;
  std::vector<Node> nodes_;  // slab; free nodes chained through `next`
  uint32_t free_ = kNil;
  std::vector<uint32_t> slot_of_;  // ref -> node, kNil if not resting
  std::vector<Level> levels_[2];   // per side, indexed by ladder level
  LevelSet occupied_[2];
  uint32_t best_[2] = {kNil, kNil};  // best bid level (highest), best ask level (lowest)
  size_t live_ = 0;
};

}  // namespace wattle::market
