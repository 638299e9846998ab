#include "modules/energy/tree_clearing.h"

#include <limits>

#include "market/hierarchy/market_tree.h"
#include "market/registry.h"
#include "modules/energy/market_membership.h"

namespace wattle::modules {

namespace {

std::optional<uint32_t> root_of(const market::MarketTree& tree) {
  for (uint32_t i = 0; i < tree.nodes.size(); ++i)
    if (tree.nodes[i].parent.empty()) return i;
  return std::nullopt;
}

}  // namespace

bool mechanism_uses_seed(const std::string& mechanism) {
  const market::MechanismInfo* info = market::find_mechanism(mechanism);
  if (info == nullptr) return false;
  for (const market::ParamSpec& p : info->params)
    if (p.name == "seed") return true;
  return false;
}

uint32_t fee_payer(const SlotTrade& t) {
  return market::fee_payer(t.buy, t.sell);
}

std::vector<Money> fees_by_order(const SlotRecord& s) {
  std::vector<__int128> sum(s.book.size(), 0);
  for (const SlotTrade& t : s.trades) {
    const uint32_t payer = fee_payer(t);
    if (payer >= s.book.size()) continue;
    for (const LevelFeeRecord& f : t.fees) sum[payer] += f.amount.value();
  }
  std::vector<Money> out;
  out.reserve(sum.size());
  // Each fee is ceil(E * fee / 1000) with E and fee bounded by an order's
  // energy and kMaxTariff, over at most kMaxMarkets levels per trade: an
  // order's sum fits int64 as its escrow does.
  for (__int128 v : sum) out.emplace_back(static_cast<int64_t>(v));
  return out;
}

Status clear_slot_through_tree(const chain::StateOverlay& state, const MarketParams& m,
                               int64_t seed, const market::Book& book, SlotRecord& s) {
  market::MarketTree tree = m.markets;
  for (market::MarketNode& n : tree.nodes)
    if (mechanism_uses_seed(n.mechanism)) n.params.values["seed"] = seed;
  // Orders whose owner has a leaf, as one book for the library.
  market::Book placed;
  std::vector<uint32_t> leaf_of, book_index;
  for (uint32_t i = 0; i < book.orders.size(); ++i) {
    auto leaf = market_of(state, m, s.book[i].owner);
    if (!leaf) return leaf.status();
    if (!*leaf || !tree.is_leaf(**leaf)) continue;  // takes no part
    placed.orders.push_back(book.orders[i]);
    leaf_of.push_back(**leaf);
    book_index.push_back(i);
  }
  // A tree of several markets lists its levels even when nothing traded.
  if (tree.nodes.size() > 1) s.levels.assign(tree.nodes.size(), SlotLevel{});
  if (placed.orders.empty()) return Status::ok();
  auto c = market::clear_tree(tree, placed, leaf_of);
  if (!c) return Status::ok();  // refused: no trades, as a flat market's refused book
  for (const market::Fill& f : c->fills) {
    s.book[book_index[f.order]].filled = f.energy;
    s.book[book_index[f.order]].amount = f.amount;
  }
  auto to_book = [&](uint32_t i) { return i == market::kGrid ? market::kGrid : book_index[i]; };
  for (const market::TreeTrade& t : c->trades) {
    SlotTrade st{to_book(t.trade.buy),
                 to_book(t.trade.sell),
                 t.trade.energy,
                 t.trade.buy_price,
                 t.trade.sell_price,
                 t.market,
                 {}};
    for (const market::LevelFee& f : t.fees) st.fees.push_back(LevelFeeRecord{f.market, f.amount});
    s.trades.push_back(std::move(st));
  }
  __int128 surplus = 0, grid_net = 0;
  for (const market::MarketLevel& l : c->markets) {
    surplus += l.surplus.value();
    grid_net += l.grid_net.value();
  }
  if (surplus > std::numeric_limits<int64_t>::max() ||
      grid_net > std::numeric_limits<int64_t>::max() ||
      grid_net < std::numeric_limits<int64_t>::min())
    return Status(Code::kOverflow, "market tree totals leave the int64 range");
  s.surplus = Money(static_cast<int64_t>(surplus));
  s.grid_net = Money(static_cast<int64_t>(grid_net));
  if (auto root = root_of(tree)) s.clearing_price = c->markets[*root].clearing_price;
  if (tree.nodes.size() > 1 || c->fees_total.value() > 0) {
    s.levels.clear();
    for (const market::MarketLevel& l : c->markets)
      s.levels.push_back(
          SlotLevel{l.clearing_price, l.offered, l.traded, l.passed_up, l.surplus, l.grid_net});
  }
  return Status::ok();
}

}  // namespace wattle::modules
