#include "modules/energy/market_rules.h"

#include <algorithm>
#include <limits>

#include "core/assert.h"
#include "modules/energy/market_membership.h"
#include "modules/energy/market_state.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

using i128 = __int128;

Result<Money> to_money(i128 v) {
  if (v < 0 || v > std::numeric_limits<int64_t>::max())
    return Status(Code::kOverflow, "market amount leaves the int64 range");
  return Money(static_cast<int64_t>(v));
}

// ceil(E * price / 1000), the buyer-side rounding of every market formula.
i128 ceil_cost(Energy e, int64_t price) {
  return ceil_div(static_cast<i128>(e.value()) * price, kWhPerKwh);
}

Result<Money> with_tax(const MarketParams& m, i128 base) {
  auto b = to_money(base);
  if (!b) return b;
  auto t = tax_on(m, *b);
  if (!t) return t;
  return to_money(base + t->value());
}

Status place_order(StateOverlay& state, const Tx& tx, const PlaceOrder& o, Account& sender,
                   const MarketParams& m, const BlockContext& ctx, std::vector<Event>* events) {
  const Address from = tx.sender_address();
  auto ma = read_or_default<MarketAccount>(state, market_keys::account(from));
  if (!ma) return ma.status();
  WATTLE_RETURN_IF_ERROR(check_new_order(m, ctx, o.slot, *ma));
  WATTLE_RETURN_IF_ERROR(require_leaf(state, m, from));
  auto escrow =
      o.side == market::Side::kBuy ? buy_escrow(m, o.energy, o.price) : sell_escrow(m, o.energy);
  if (!escrow) return escrow.status();
  if (sender.balance < *escrow)
    return Status(Code::kInsufficientFunds, "escrow " + std::to_string(escrow->value()) +
                                                " exceeds the balance " +
                                                std::to_string(sender.balance.value()));
  auto escrow_total = ma->escrow.checked_add(*escrow);
  if (!escrow_total) return Status(Code::kOverflow, "escrow overflows");
  // Every check passed but the slot's: write.
  const Hash256 id = hash_of(ctx, tx);
  WATTLE_RETURN_IF_ERROR(add_to_book(
      state, id,
      OrderRecord{from, o.slot, 0, o.side, o.energy, o.price, ctx.height, ctx.tx_index, *escrow}));
  ma->escrow = *escrow_total;
  ma->open_orders.push_back(id);
  put_market_account(state, from, *ma);
  sender.balance = *sender.balance.checked_sub(*escrow);  // escrow <= balance
  if (events) events->push_back(order_placed_event(ctx, id, o.slot));
  return Status::ok();
}

Status cancel_order(StateOverlay& state, const Tx& tx, const CancelOrder& c, Account& sender,
                    const MarketParams& m, const BlockContext& ctx) {
  const Address from = tx.sender_address();
  auto order = read_record<OrderRecord>(state, market_keys::order(c.order_id));
  if (!order) return order.status();
  if (!order->has_value())
    return Status(Code::kNotFound, "no order " + c.order_id.hex() + " (unknown or settled)");
  const OrderRecord& o = **order;
  if (o.owner != from)
    return Status(Code::kUnauthorized, "order " + c.order_id.hex() + " belongs to another account");
  auto slot = read_record<SlotRecord>(state, market_keys::slot(o.slot));
  if (!slot) return slot.status();
  const auto gate = m.gate_ms(o.slot);
  if (!slot->has_value() || (*slot)->status != SlotStatus::kOpen || !gate || ctx.time_ms >= *gate)
    return Status(Code::kSlotClosed,
                  "order's slot " + std::to_string(o.slot) + " is past its gate closure");
  auto ma = read_or_default<MarketAccount>(state, market_keys::account(from));
  if (!ma) return ma.status();
  auto balance = sender.balance.checked_add(o.escrow);
  if (!balance) return Status(Code::kOverflow, "balance would overflow");
  SlotRecord s = **slot;
  s.live -= 1;
  state.put(market_keys::slot(o.slot), encode_to_bytes(s));
  state.erase(market_keys::order(c.order_id));
  state.erase(market_keys::slot_order(o.slot, o.seq));
  ma->escrow = Money(ma->escrow.value() - o.escrow.value());
  WATTLE_ASSERT(ma->escrow.value() >= 0, "account escrow below its order's escrow");
  std::erase(ma->open_orders, c.order_id);
  put_market_account(state, from, *ma);
  sender.balance = *balance;
  return Status::ok();
}

}  // namespace

Status register_meter(StateOverlay& state, const Tx& tx, const RegisterMeter& r,
                      const MarketParams& m, const BlockContext& ctx,
                      std::optional<uint32_t> market) {
  if (tx.sender_address() != m.operator_account)
    return Status(Code::kUnauthorized, "only the market operator registers meters");
  // With several leaf markets a household must be placed in one
  // (market_membership.h); with one leaf or none it needs no name.
  if (!market && leaf_count(m.markets) > 1)
    return Status(Code::kInvalidArgument,
                  "this chain has several leaf markets: name the household's (--market)");
  auto meter = read_record<MeterRecord>(state, market_keys::meter(r.meter_key));
  if (!meter) return meter.status();
  if (meter->has_value()) return Status(Code::kDuplicate, "meter key already registered");
  auto ma = read_or_default<MarketAccount>(state, market_keys::account(r.account));
  if (!ma) return ma.status();
  if (ma->meter) return Status(Code::kDuplicate, "account already has a meter");
  state.put(market_keys::meter(r.meter_key),
            encode_to_bytes(MeterRecord{r.account, m.slot_of(ctx.time_ms), {}, {}}));
  ma->meter = r.meter_key;
  put_market_account(state, r.account, *ma);
  if (market) put_membership(state, r.account, *market);
  return Status::ok();
}

namespace {

Status meter_reading(StateOverlay& state, const Tx& tx, const MeterReading& r,
                     const MarketParams& m, const BlockContext& ctx, std::vector<Event>* events) {
  auto meter = read_record<MeterRecord>(state, market_keys::meter(tx.sender));
  if (!meter) return meter.status();
  if (!meter->has_value())
    return Status(Code::kUnknownMeter, "no meter is registered with key " + tx.sender.hex());
  MeterRecord rec = **meter;
  if (r.slot > m.max_slot() || ctx.time_ms < m.slot_end_ms(r.slot))
    return Status(Code::kReadingWindow, "slot " + std::to_string(r.slot) + " has not ended");
  if (ctx.time_ms >= m.settle_ms(r.slot))
    return Status(Code::kReadingWindow, "slot " + std::to_string(r.slot) + " has settled");
  if (r.slot < rec.next_slot)
    return Status(Code::kDuplicate, "meter already read for slot " + std::to_string(r.slot) +
                                        " or later (next readable slot " +
                                        std::to_string(rec.next_slot) + ")");
  if (r.import_wh < rec.import_total || r.export_wh < rec.export_total)
    return Status(Code::kCounterDecrease, "meter counters below the previous reading's");
  const i128 elapsed = static_cast<i128>(r.slot) - rec.next_slot + 1;
  const i128 max = elapsed * m.max_reading_wh_per_slot;
  const int64_t d_import = r.import_wh.value() - rec.import_total.value();
  const int64_t d_export = r.export_wh.value() - rec.export_total.value();
  if (d_import > max || d_export > max)
    return Status(Code::kOverPhysicalMax,
                  "reading grows more than max_reading_wh_per_slot per elapsed slot");
  state.put(market_keys::reading(rec.account, r.slot),
            encode_to_bytes(ReadingRecord{Energy(d_import), Energy(d_export)}));
  rec.next_slot = r.slot + 1;
  rec.import_total = r.import_wh;
  rec.export_total = r.export_wh;
  state.put(market_keys::meter(tx.sender), encode_to_bytes(rec));
  if (events) {
    Event e;
    e.kind = Event::Kind::kReadingPosted;
    e.height = ctx.height;
    e.hash = hash_of(ctx, tx);
    e.index = ctx.tx_index;
    e.slot = r.slot;
    events->push_back(e);
  }
  return Status::ok();
}

}  // namespace

Status check_new_order(const MarketParams& m, const BlockContext& ctx, uint64_t slot,
                       const MarketAccount& ma) {
  if (slot > m.max_slot()) return Status(Code::kSlotTooFar, "slot beyond any clock");
  const auto gate = m.gate_ms(slot);
  if (!gate || ctx.time_ms >= *gate)
    return Status(Code::kSlotClosed, "slot " + std::to_string(slot) +
                                         " is past its gate closure (orders close at " +
                                         std::to_string(gate.value_or(0)) + " ms)");
  const uint64_t current = m.slot_of(ctx.time_ms);
  if (slot > current + m.max_slots_ahead)
    return Status(Code::kSlotTooFar, "slot " + std::to_string(slot) + " is more than " +
                                         std::to_string(m.max_slots_ahead) +
                                         " slots ahead of the current slot " +
                                         std::to_string(current));
  if (ma.debt.value() > 0)
    return Status(Code::kInDebt, "account owes a market debt of " +
                                     std::to_string(ma.debt.value()) +
                                     "; a transfer to it repays the debt first");
  if (ma.open_orders.size() >= kMaxOpenOrdersPerAccount)
    return Status(Code::kTooLarge,
                  "account has " + std::to_string(kMaxOpenOrdersPerAccount) + " unsettled orders");
  return Status::ok();
}

Result<SlotRecord> slot_for_orders(StateOverlay& state, uint64_t slot_no) {
  auto slot = read_record<SlotRecord>(state, market_keys::slot(slot_no));
  if (!slot) return slot.status();
  if (slot->has_value()) {
    if ((*slot)->status != SlotStatus::kOpen)
      return Status(Code::kSlotClosed, "slot already cleared");
    return std::move(**slot);
  }
  auto c = read_or_default<MarketCursor>(state, market_keys::cursor());
  if (!c) return c.status();
  auto& open = c->open_slots;
  open.insert(std::lower_bound(open.begin(), open.end(), slot_no), slot_no);
  state.put(market_keys::cursor(), encode_to_bytes(*c));
  state.put(market_keys::slot(slot_no), encode_to_bytes(SlotRecord{}));
  return SlotRecord{};
}

Status add_to_book(StateOverlay& state, const Hash256& id, OrderRecord rec) {
  auto slot = read_record<SlotRecord>(state, market_keys::slot(rec.slot));
  if (!slot) return slot.status();
  if (slot->has_value() && (*slot)->next_seq >= kMaxOrdersPerSlot)
    return Status(Code::kTooLarge, "slot holds the maximum number of orders");
  auto s = slot_for_orders(state, rec.slot);
  if (!s) return s.status();
  rec.seq = s->next_seq;
  state.put(market_keys::order(id), encode_to_bytes(rec));
  state.put(market_keys::slot_order(rec.slot, rec.seq), Bytes(id.bytes.begin(), id.bytes.end()));
  s->next_seq += 1;
  s->live += 1;
  state.put(market_keys::slot(rec.slot), encode_to_bytes(*s));
  return Status::ok();
}

Event order_placed_event(const BlockContext& ctx, const Hash256& id, uint64_t slot) {
  Event e;
  e.kind = Event::Kind::kOrderPlaced;
  e.height = ctx.height;
  e.hash = id;
  e.index = ctx.tx_index;
  e.slot = slot;
  return e;
}

Result<Money> tax_on(const MarketParams& m, Money x) {
  return to_money(ceil_div(static_cast<i128>(x.value()) * m.tax_bp, 10'000));
}

Result<Money> buy_escrow(const MarketParams& m, Energy e, Price p) {
  return with_tax(m, ceil_cost(e, p.value()) + ceil_cost(e, m.grid_fee));
}

Result<Money> sell_escrow(const MarketParams& m, Energy e) {
  return with_tax(m, ceil_cost(e, m.grid_buy));
}

Result<Money> kept_escrow(const MarketParams& m, market::Side side, Energy filled, Money amount,
                          Money held) {
  if (filled.value() <= 0) return Money(0);
  auto need = side == market::Side::kBuy
                  ? with_tax(m, static_cast<i128>(amount.value()) + ceil_cost(filled, m.grid_fee))
                  : sell_escrow(m, filled);
  if (!need) return need;
  return std::min(*need, held);
}

bool is_market_tx(const Tx& tx) {
  return std::holds_alternative<PlaceOrder>(tx.payload) ||
         std::holds_alternative<CancelOrder>(tx.payload) ||
         std::holds_alternative<RegisterMeter>(tx.payload) ||
         std::holds_alternative<MeterReading>(tx.payload);
}

Status apply_market_tx(StateOverlay& state, const Tx& tx, Account& sender,
                       const MarketParams* market, const BlockContext& ctx,
                       std::vector<Event>* events) {
  if (market == nullptr)
    return Status(Code::kNoMarket, "this chain's genesis has no market section");
  return std::visit(
      [&](const auto& p) -> Status {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, PlaceOrder>) {
          return place_order(state, tx, p, sender, *market, ctx, events);
        } else if constexpr (std::is_same_v<P, CancelOrder>) {
          return cancel_order(state, tx, p, sender, *market, ctx);
        } else if constexpr (std::is_same_v<P, RegisterMeter>) {
          return register_meter(state, tx, p, *market, ctx);
        } else if constexpr (std::is_same_v<P, MeterReading>) {
          return meter_reading(state, tx, p, *market, ctx, events);
        } else {
          return Status(Code::kInternal, "not a market tx");
        }
      },
      tx.payload);
}

Result<Money> repay_debt(StateOverlay& state, const Address& address, Money amount) {
  auto ma = read_record<MarketAccount>(state, market_keys::account(address));
  if (!ma) return ma.status();
  if (!ma->has_value() || (*ma)->debt.value() <= 0) return amount;
  MarketAccount acct = **ma;
  const Money repay = std::min(acct.debt, amount);
  acct.debt = Money(acct.debt.value() - repay.value());
  put_market_account(state, address, acct);
  return Money(amount.value() - repay.value());
}

}  // namespace wattle::modules
