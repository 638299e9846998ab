// A hierarchy of markets nested like the grid (house -> street -> district),
// cleared bottom-up with grid fees per level crossed (docs/market.md,
// "A hierarchy of markets"; the shape of gsy-e's areas, each with its own
// two-sided market and grid fee).
//
// Promise: clear_tree is a pure function of (tree, book, leaf of each
// order). Every leaf clears its own orders with its mechanism first; what a
// market leaves unmatched (each order's remaining energy, at the same limit
// price, id, time and owner) is offered to its parent's market, and so on up
// to the root, whose remainder stays unmatched (on the chain it settles
// against the grid at the tariffs). A market clears once all its children
// have (deepest first; ties by index). A trade pays, on top of its price, the
// grid fee of every market boundary its energy crosses: each market on the
// path from the buyer's leaf and from the seller's leaf up to, not including,
// the market that matched them (a trade with the grid crosses every level of
// the household's path, the root's included). Per level: ceil(E * grid_fee /
// 1000) micro-units, paid by the buyer (the household, for a grid trade).
// A tree of one market clears exactly as market::clear on the whole book.
// Integer-only. Errors: kInvalidArgument naming the market and the key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "market/book/book.h"

namespace wattle::market {

struct MarketNode {
  std::string name;    // 1..64 characters, unique in the tree
  std::string parent;  // empty: the root
  std::string mechanism = "uniform";
  Params params;
  int64_t grid_fee = 0;     // micro-units per kWh crossing this market's boundary, 0..kMaxTariff
  std::string fee_account;  // who receives this level's fees (opaque here)
  bool operator==(const MarketNode& o) const {
    return name == o.name && parent == o.parent && mechanism == o.mechanism &&
           params.values == o.params.values && grid_fee == o.grid_fee &&
           fee_account == o.fee_account;
  }
};

inline constexpr size_t kMaxMarkets = 64;

struct MarketTree {
  std::vector<MarketNode> nodes;

  // Index of the market named `name`, or nullopt.
  std::optional<uint32_t> find(const std::string& name) const;
  // Index of each market's parent (nullopt for the root); valid trees only.
  std::optional<uint32_t> parent_of(uint32_t market) const;
  bool is_leaf(uint32_t market) const;
  bool operator==(const MarketTree&) const = default;
};

// kInvalidArgument when the tree has no market or more than kMaxMarkets, a
// name empty, too long or repeated, an unknown parent, a cycle, not exactly
// one root, a fee out of range, or a mechanism or params the registry
// refuses; the message names the market and the key ("markets[street-a]:
// \"parent\" ..."). `fault`, when given, receives the market and key at
// fault for errors about one market (so a reader can point at its source).
struct TreeFault {
  uint32_t market = 0;
  std::string key;
};
Status validate(const MarketTree& tree, TreeFault* fault = nullptr);

struct LevelFee {
  uint32_t market = 0;
  Money amount;
  bool operator==(const LevelFee&) const = default;
};

struct TreeTrade {
  Trade trade;                 // buy/sell index into the whole book, or kGrid
  uint32_t market = 0;         // the market that matched it
  std::vector<LevelFee> fees;  // one per market boundary crossed, leaf-side first
};

// The order that pays a trade's level fees: the buyer, or the seller when
// the grid buys (buy and sell are book indices or kGrid).
inline uint32_t fee_payer(uint32_t buy, uint32_t sell) {
  return buy == kGrid ? sell : buy;
}

struct MarketLevel {
  std::optional<Price> clearing_price;
  Energy offered;    // energy of the orders in its book (own and offered up to it)
  Energy traded;     // energy matched between orders in this market
  Energy passed_up;  // energy it left unmatched and offered to its parent (0 at the root)
  Money surplus;
  Money grid_net;
};

struct TreeClearing {
  std::vector<TreeTrade> trades;     // markets in clearing order, each market's trades in order
  std::vector<Fill> fills;           // per order of the book with any fill, summed over markets
  std::vector<MarketLevel> markets;  // by market index
  Money fees_total;
};

// `leaf_of[i]`: the market of book.orders[i], which must be a leaf
// (kInvalidArgument otherwise). The tree must be valid. A market whose
// mechanism refuses its book matches nothing and passes every order up.
Result<TreeClearing> clear_tree(const MarketTree& tree, const Book& book,
                                const std::vector<uint32_t>& leaf_of);

}  // namespace wattle::market
