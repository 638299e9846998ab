#include "modules/energy/market_queries.h"

#include <algorithm>

#include "modules/energy/energy_module.h"
#include "modules/energy/market_membership.h"

namespace wattle::modules {

using namespace ::wattle::chain;

namespace {
Status no_market() {
  return Status(Code::kNoMarket, "this chain's genesis has no market section");
}
}  // namespace

const MarketParams* market_params(const ModuleSet& set) {
  const auto* energy = set.find<EnergyModule>();
  return energy ? energy->params() : nullptr;
}

Result<std::optional<SlotRecord>> market_slot(const StateReader& state, const MarketParams* m,
                                              uint64_t slot) {
  if (!m) return no_market();
  return read_record<SlotRecord>(state, market_keys::slot(slot));
}

Result<MarketAccount> market_account(const StateReader& state, const MarketParams* m,
                                     const Address& address) {
  if (!m) return no_market();
  auto ma = read_record<MarketAccount>(state, market_keys::account(address));
  if (!ma) return ma.status();
  return ma->value_or(MarketAccount{});
}

Result<std::optional<Bill>> market_bill(const StateReader& state, const MarketParams* m,
                                        const Address& address, uint64_t slot) {
  if (!m) return no_market();
  return read_record<Bill>(state, market_keys::bill(address, slot));
}

Result<std::optional<SlotRecord>> market_slot(const Application& app, uint64_t slot) {
  return market_slot(app.committed_state(), market_params(app.modules()), slot);
}

Result<MarketAccount> market_account(const Application& app, const Address& address) {
  return market_account(app.committed_state(), market_params(app.modules()), address);
}

Result<std::optional<Bill>> market_bill(const Application& app, const Address& address,
                                        uint64_t slot) {
  return market_bill(app.committed_state(), market_params(app.modules()), address, slot);
}

namespace {

// Fills view.order_markets on a chain with a market tree.
Result<SlotView> with_order_markets(const StateReader& state, const MarketParams& m,
                                    SlotView view) {
  if (m.markets.nodes.empty()) return view;
  const auto& entries = view.status == SlotStatus::kOpen ? view.open_orders : view.record.book;
  for (const BookEntry& e : entries) {
    auto leaf = market_of(state, m, e.owner);
    if (!leaf) return leaf.status();
    view.order_markets.push_back(*leaf);
  }
  return view;
}

}  // namespace

Result<SlotView> market_slot_view(const StateReader& state, const MarketParams* m, uint64_t slot,
                                  uint64_t head_time_ms) {
  auto rec = market_slot(state, m, slot);
  if (!rec) return rec.status();
  SlotView view;
  view.record = rec->value_or(SlotRecord{});
  view.status = view.record.status;
  if (!rec->has_value()) {  // no order ever: the status the clock gives it
    const auto gate = m->gate_ms(slot);
    view.status = gate && head_time_ms < *gate        ? SlotStatus::kOpen
                  : head_time_ms < m->settle_ms(slot) ? SlotStatus::kClosed
                                                      : SlotStatus::kSettled;
  }
  if (view.status != SlotStatus::kOpen) return with_order_markets(state, *m, std::move(view));
  auto sealed = sealed_summary(state, slot);
  if (!sealed) return sealed.status();
  view.sealed = *sealed;
  for (uint32_t seq = 0; seq < view.record.next_seq; ++seq) {
    auto raw = state.read(market_keys::slot_order(slot, seq));
    if (!raw) return raw.status();
    if (!*raw || (*raw)->size() != 32) continue;
    Hash256 id;
    std::copy((*raw)->begin(), (*raw)->end(), id.bytes.begin());
    auto o = read_record<OrderRecord>(state, market_keys::order(id));
    if (!o) return o.status();
    if (!o->has_value()) continue;
    const OrderRecord& r = **o;
    view.open_orders.push_back(BookEntry{id, r.owner, r.side, r.energy, r.price, r.height, r.index,
                                         r.escrow, Energy(0), Money(0)});
  }
  return with_order_markets(state, *m, std::move(view));
}

Result<std::vector<AccountOrder>> account_orders(const StateReader& state,
                                                 const MarketAccount& account) {
  std::vector<AccountOrder> orders;
  for (const Hash256& id : account.open_orders) {
    auto o = read_record<OrderRecord>(state, market_keys::order(id));
    if (!o) return o.status();
    if (!o->has_value()) continue;
    auto s = read_record<SlotRecord>(state, market_keys::slot((*o)->slot));
    if (!s) return s.status();
    AccountOrder order{id, **o, s->has_value() ? (*s)->status : SlotStatus::kOpen};
    // Clearing returned the escrow the fill does not need: a closed order
    // holds what its book entry says, not what was escrowed when placed.
    if (order.status != SlotStatus::kOpen) {
      const auto& book = (*s)->book;
      auto e =
          std::find_if(book.begin(), book.end(), [&](const BookEntry& b) { return b.id == id; });
      if (e != book.end()) order.order.escrow = e->escrow;
    }
    orders.push_back(std::move(order));
  }
  return orders;
}

}  // namespace wattle::modules
