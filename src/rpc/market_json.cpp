#include "rpc/market_json.h"

namespace wattle::rpc {
using namespace ::wattle::modules;

using nlohmann::json;

namespace {

const char* side_name(market::Side s) {
  return s == market::Side::kBuy ? "buy" : "sell";
}

json entry_json(const BookEntry& e) {
  return {{"id", e.id.hex()},
          {"owner", e.owner.to_string()},
          {"side", side_name(e.side)},
          {"energy_wh", e.energy.value()},
          {"price", e.price.value()},
          {"height", e.height},
          {"index", e.index},
          {"escrow", e.escrow.value()},
          {"filled_wh", e.filled.value()},
          {"amount", e.amount.value()}};
}

json party(const SlotRecord& rec, uint32_t index) {
  if (index == market::kGrid || index >= rec.book.size()) return "grid";
  return rec.book[index].id.hex();
}

}  // namespace

json slot_json(const MarketParams& m, uint64_t slot, SlotStatus status, const SlotRecord& rec,
               const std::vector<BookEntry>& open_orders,
               const std::optional<SealedSummary>& sealed) {
  json j;
  j["slot"] = slot;
  j["status"] = slot_status_name(status);
  j["gate_ms"] = m.gate_ms(slot).value_or(0);
  j["settle_ms"] = m.settle_ms(slot);
  j["orders"] = json::array();
  for (const BookEntry& e : status == SlotStatus::kOpen ? open_orders : rec.book)
    j["orders"].push_back(entry_json(e));
  j["clearing_price"] = rec.clearing_price ? json(rec.clearing_price->value()) : json(nullptr);
  j["trades"] = json::array();
  for (const SlotTrade& t : rec.trades)
    j["trades"].push_back({{"buy", party(rec, t.buy)},
                           {"sell", party(rec, t.sell)},
                           {"energy_wh", t.energy.value()},
                           {"buy_price", t.buy_price.value()},
                           {"sell_price", t.sell_price.value()}});
  j["surplus"] = rec.surplus.value();
  if (sealed)
    j["sealed"] = {{"orders", sealed->orders},
                   {"revealed", sealed->revealed},
                   {"window_opened_at",
                    sealed->window_opened_at ? json(sealed->window_opened_at) : json(nullptr)},
                   {"reveal_blocks", m.reveal_blocks}};
  return j;
}

json account_orders_json(const Address& a, const MarketAccount& ma,
                         const std::vector<AccountOrder>& orders,
                         const std::vector<std::pair<Hash256, SealedRecord>>& sealed) {
  json j;
  j["address"] = a.to_string();
  j["escrow"] = ma.escrow.value();
  j["debt"] = ma.debt.value();
  j["meter"] = ma.meter ? json(ma.meter->hex()) : json(nullptr);
  j["orders"] = json::array();
  for (const AccountOrder& o : orders)
    j["orders"].push_back({{"id", o.id.hex()},
                           {"slot", o.order.slot},
                           {"side", side_name(o.order.side)},
                           {"energy_wh", o.order.energy.value()},
                           {"price", o.order.price.value()},
                           {"escrow", o.order.escrow.value()},
                           {"status", slot_status_name(o.status)}});
  j["sealed"] = json::array();
  for (const auto& [id, s] : sealed)
    j["sealed"].push_back({{"id", id.hex()},
                           {"slot", s.slot},
                           {"deposit", s.deposit.value()},
                           {"escrow_bound", s.bound.value()},
                           {"revealed", s.revealed}});
  return j;
}

json bill_json(const Address& a, uint64_t slot, const Bill& b) {
  return {{"address", a.to_string()},
          {"slot", slot},
          {"bought_wh", b.bought.value()},
          {"sold_wh", b.sold.value()},
          {"import_wh", b.import_wh.value()},
          {"export_wh", b.export_wh.value()},
          {"deviation_wh", b.deviation_wh},
          {"p2p_paid", b.p2p_paid.value()},
          {"p2p_received", b.p2p_received.value()},
          {"grid_paid", b.grid_paid.value()},
          {"grid_received", b.grid_received.value()},
          {"grid_fee", b.grid_fee.value()},
          {"tax", b.tax.value()},
          {"net", b.net.value()},
          {"reading", b.reading_posted ? "posted" : "missing"},
          {"debt_added", b.debt_added.value()}};
}

Result<nlohmann::json> market_params_json(const chain::Application& app) {
  const MarketParams* m = market_params(app.modules());
  if (!m) return Status(Code::kNoMarket, "this chain's genesis has no market section");
  return to_json(*m);
}

Result<nlohmann::json> market_slot_json(const chain::Application& app, uint64_t slot) {
  const MarketParams* m = market_params(app.modules());
  auto view = market_slot_view(app.committed_state(), m, slot, app.head().time_ms);
  if (!view) return view.status();
  return slot_json(*m, slot, view->status, view->record, view->open_orders, view->sealed);
}

Result<nlohmann::json> account_orders_json(const chain::Application& app, const Address& address) {
  auto ma = market_account(app.committed_state(), market_params(app.modules()), address);
  if (!ma) return ma.status();
  auto orders = account_orders(app.committed_state(), *ma);
  if (!orders) return orders.status();
  auto sealed = sealed_orders_of(app.committed_state(), ma->open_orders);
  if (!sealed) return sealed.status();
  return account_orders_json(address, *ma, *orders, *sealed);
}

Result<nlohmann::json> bill_json(const chain::Application& app, const Address& address,
                                 uint64_t slot) {
  auto b = market_bill(app.committed_state(), market_params(app.modules()), address, slot);
  if (!b) return b.status();
  if (!b->has_value())
    return Status(Code::kNotFound, "no bill for " + address.to_string() + " in slot " +
                                       std::to_string(slot) + " (no fill, or not settled yet)");
  return bill_json(address, slot, **b);
}

}  // namespace wattle::rpc
