#include "rpc/market_json.h"

#include <map>

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

json market_name(const MarketParams& m, uint32_t index) {
  return index < m.markets.nodes.size() ? json(m.markets.nodes[index].name) : json(nullptr);
}

json fees_json(const MarketParams& m, const std::vector<LevelFeeRecord>& fees) {
  json out = json::array();
  for (const LevelFeeRecord& f : fees)
    out.push_back({{"market", market_name(m, f.market)}, {"amount", f.amount.value()}});
  return out;
}

// One market's figures in a closed slot. A one-market tree without fees
// keeps the flat record (no levels): its one level is the whole slot.
SlotLevel level_of(const SlotRecord& rec, uint32_t i) {
  if (i < rec.levels.size()) return rec.levels[i];
  SlotLevel l;
  if (!rec.levels.empty()) return l;
  l.clearing_price = rec.clearing_price;
  for (const BookEntry& e : rec.book) l.offered = Energy(l.offered.value() + e.energy.value());
  for (const SlotTrade& t : rec.trades) l.traded = Energy(l.traded.value() + t.energy.value());
  l.surplus = rec.surplus;
  l.grid_net = rec.grid_net;
  return l;
}

json levels_json(const MarketParams& m, SlotStatus status, const SlotRecord& rec) {
  std::vector<int64_t> fees(m.markets.nodes.size(), 0);
  for (const SlotTrade& t : rec.trades)
    for (const LevelFeeRecord& f : t.fees)
      if (f.market < fees.size()) fees[f.market] += f.amount.value();
  json out = json::array();
  for (uint32_t i = 0; i < m.markets.nodes.size(); ++i) {
    const market::MarketNode& n = m.markets.nodes[i];
    const SlotLevel l = status == SlotStatus::kOpen ? SlotLevel{} : level_of(rec, i);
    out.push_back({{"market", n.name},
                   {"parent", n.parent.empty() ? json(nullptr) : json(n.parent)},
                   {"mechanism", n.mechanism},
                   {"grid_fee", n.grid_fee},
                   {"fee_account", n.fee_account},
                   {"clearing_price", l.clearing_price ? json(l.clearing_price->value()) : json()},
                   {"offered_wh", l.offered.value()},
                   {"traded_wh", l.traded.value()},
                   {"passed_up_wh", l.passed_up.value()},
                   {"surplus", l.surplus.value()},
                   {"fees", fees[i]}});
  }
  return out;
}

}  // namespace

json slot_json(const MarketParams& m, uint64_t slot, SlotStatus status, const SlotRecord& rec,
               const std::vector<BookEntry>& open_orders,
               const std::optional<SealedSummary>& sealed,
               const std::vector<std::optional<uint32_t>>& order_markets) {
  const bool tree = !m.markets.nodes.empty();
  json j;
  j["slot"] = slot;
  j["status"] = slot_status_name(status);
  j["gate_ms"] = m.gate_ms(slot).value_or(0);
  j["settle_ms"] = m.settle_ms(slot);
  j["orders"] = json::array();
  const auto& entries = status == SlotStatus::kOpen ? open_orders : rec.book;
  for (size_t i = 0; i < entries.size(); ++i) {
    json e = entry_json(entries[i]);
    if (tree)
      e["market"] = i < order_markets.size() && order_markets[i] ? market_name(m, *order_markets[i])
                                                                 : json(nullptr);
    j["orders"].push_back(std::move(e));
  }
  j["clearing_price"] = rec.clearing_price ? json(rec.clearing_price->value()) : json(nullptr);
  j["trades"] = json::array();
  for (const SlotTrade& t : rec.trades) {
    json tj = {{"buy", party(rec, t.buy)},
               {"sell", party(rec, t.sell)},
               {"energy_wh", t.energy.value()},
               {"buy_price", t.buy_price.value()},
               {"sell_price", t.sell_price.value()}};
    if (tree) {
      tj["market"] = market_name(m, t.market);
      tj["grid_fees"] = fees_json(m, t.fees);
    }
    j["trades"].push_back(std::move(tj));
  }
  j["surplus"] = rec.surplus.value();
  if (tree) j["levels"] = levels_json(m, status, rec);
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

json bill_json(const Address& a, uint64_t slot, const Bill& b, const MarketParams* m) {
  json j = {{"address", a.to_string()},
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
  if (m && !m->markets.nodes.empty()) j["grid_fees"] = fees_json(*m, b.grid_fees);
  return j;
}

std::optional<json> slot_level_json(const json& view, const std::string& market) {
  auto levels = view.find("levels");
  if (levels == view.end() || !levels->is_array()) return std::nullopt;
  // The subtree of `market`: it and every market whose parent chain reaches it.
  std::map<std::string, std::string> parent;
  const json* level = nullptr;
  for (const json& l : *levels) {
    const std::string name = l.value("market", "");
    parent[name] = l["parent"].is_string() ? l["parent"].get<std::string>() : "";
    if (name == market) level = &l;
  }
  if (!level) return std::nullopt;
  auto in_subtree = [&](const json& name) {
    if (!name.is_string()) return false;
    std::string at = name.get<std::string>();
    for (size_t steps = 0; !at.empty() && steps <= parent.size(); ++steps) {
      if (at == market) return true;
      at = parent.count(at) ? parent[at] : "";
    }
    return false;
  };
  json out = json::object();
  for (auto it = view.begin(); it != view.end(); ++it)
    if (it.key() != "orders" && it.key() != "trades") out[it.key()] = it.value();
  out["market"] = market;
  out["level"] = *level;
  out["clearing_price"] = (*level)["clearing_price"];
  out["surplus"] = (*level)["surplus"];
  out["orders"] = json::array();
  for (const json& o : view.value("orders", json::array()))
    if (in_subtree(o.value("market", json()))) out["orders"].push_back(o);
  out["trades"] = json::array();
  for (const json& t : view.value("trades", json::array()))
    if (t.value("market", json()) == json(market)) out["trades"].push_back(t);
  return out;
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
  return slot_json(*m, slot, view->status, view->record, view->open_orders, view->sealed,
                   view->order_markets);
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
  return bill_json(address, slot, **b, market_params(app.modules()));
}

}  // namespace wattle::rpc
