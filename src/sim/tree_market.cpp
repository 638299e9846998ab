#include "sim/tree_market.h"

#include <string>

#include "core/units.h"
#include "market/clearing/merit_order.h"
#include "market/clearing/workspace.h"

namespace wattle::sim {

namespace {

class TreeMarket final : public MarketBackend {
 public:
  TreeMarket(market::MarketTree tree, std::vector<uint32_t> household_leaf, Tariffs tariffs)
      : tree_(std::move(tree)), household_leaf_(std::move(household_leaf)), tariffs_(tariffs) {}

  std::string name() const override { return "tree"; }

  Status clear_slot(std::span<const SlotOrder> orders, SlotScratch*,
                    SlotOutcome& out) const override {
    out = SlotOutcome{};
    out.fills.assign(orders.size(), SlotFill{});
    out.level_traded_wh.assign(tree_.nodes.size(), 0);
    if (orders.empty()) return Status::ok();
    market::Book book;
    std::vector<uint32_t> leaf_of;
    for (size_t i = 0; i < orders.size(); ++i) {
      const SlotOrder& o = orders[i];
      if (o.household >= household_leaf_.size())
        return Status(Code::kInvalidArgument, "an order of a household with no market");
      market::Order mo;
      mo.id = std::to_string(i);
      mo.owner = std::to_string(o.household);
      mo.side = o.sell ? market::Side::kSell : market::Side::kBuy;
      mo.energy = Energy(o.energy_wh);
      mo.price = Price(o.price);
      mo.time = o.time;
      book.orders.push_back(std::move(mo));
      leaf_of.push_back(household_leaf_[o.household]);
    }
    auto c = market::clear_tree(tree_, book, leaf_of);
    if (!c) return c.status();
    for (const market::Fill& f : c->fills) out.fills[f.order].amount = f.amount.value();
    for (const market::TreeTrade& t : c->trades) {
      out.level_traded_wh[t.market] += t.trade.energy.value();
      const uint32_t payer = market::fee_payer(t.trade.buy, t.trade.sell);
      for (const market::LevelFee& fee : t.fees) out.fills[payer].amount += fee.amount.value();
      if (t.trade.buy != market::kGrid && t.trade.sell != market::kGrid)
        out.trades.push_back(SlotTrade{t.trade.buy, t.trade.sell, t.trade.energy.value(),
                                       t.trade.buy_price.value(), t.trade.sell_price.value()});
      else
        out.fills[payer].grid_wh += t.trade.energy.value();
    }
    for (uint32_t m = 0; m < tree_.nodes.size(); ++m)
      if (!tree_.parent_of(m) && c->markets[m].clearing_price)
        out.clearing_price = c->markets[m].clearing_price->value();
    tally_trades(orders, out);
    // What no market matched trades with the grid at the tariffs.
    for (size_t i = 0; i < orders.size(); ++i) {
      const SlotOrder& o = orders[i];
      SlotFill& f = out.fills[i];
      const int64_t rest = o.energy_wh - f.p2p_wh - f.grid_wh;
      if (rest <= 0) continue;
      auto grid = cost(Energy(rest), Price(o.sell ? tariffs_.grid_sell : tariffs_.grid_buy),
                       o.sell ? Rounding::kDown : Rounding::kUp);
      if (!grid) return Status(Code::kOverflow, "grid cost of an order leaves the int64 range");
      f.grid_wh += rest;
      f.amount += grid->value();
    }
    // The welfare-maximal volume of the whole community as one flat market.
    market::ClearingWorkspace ws;
    market::merit_order_into(book, ws.merit, ws.order);
    market::welfare_max_into(ws.order, ws.allocation);
    for (const market::Match& m : ws.allocation.matches)
      out.welfare_max += static_cast<double>(m.energy.value()) *
                         static_cast<double>(m.buy_limit.value() - m.sell_limit.value()) / 1000.0;
    return Status::ok();
  }

 private:
  market::MarketTree tree_;
  std::vector<uint32_t> household_leaf_;
  Tariffs tariffs_;
};

}  // namespace

Result<std::unique_ptr<MarketBackend>> make_tree_market(market::MarketTree tree,
                                                        std::vector<uint32_t> household_leaf,
                                                        const Tariffs& tariffs) {
  WATTLE_RETURN_IF_ERROR(market::validate(tree));
  for (uint32_t leaf : household_leaf)
    if (leaf >= tree.nodes.size() || !tree.is_leaf(leaf))
      return Status(Code::kInvalidArgument, "a household's market is not a leaf of the tree");
  return std::unique_ptr<MarketBackend>(
      new TreeMarket(std::move(tree), std::move(household_leaf), tariffs));
}

}  // namespace wattle::sim
