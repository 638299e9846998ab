#include "modules/energy/market_hooks.h"

#include <algorithm>
#include <limits>
#include <map>

#include "core/assert.h"
#include "market/registry.h"
#include "market/settlement/bill.h"
#include "modules/energy/finality_depth.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/market_state.h"
#include "modules/energy/sealed_orders.h"
#include "modules/energy/tree_clearing.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

using i128 = __int128;

Result<Money> money(i128 v) {
  if (v < std::numeric_limits<int64_t>::min() || v > std::numeric_limits<int64_t>::max())
    return Status(Code::kOverflow, "settlement amount leaves the int64 range");
  return Money(static_cast<int64_t>(v));
}

// The clearing library names orders and owners with strings; the chain
// hands it the fixed-size bytes of the order hash and the owner address as
// they are, not their hex or Bech32 text. Same result: the library compares
// names for equality (owner grouping, self-trade prevention) and orders ids
// bytewise (tie-breaks), and raw bytes order as their lowercase hex does;
// no name reaches the chain's records (fills and trades are by index).
template <size_t N>
std::string raw_name(const std::array<uint8_t, N>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), N);
}

// Revealed sealed orders join the slot's index when revealed, after the
// public ones; the book is in placement order (height, index of the tx that
// placed or sealed the order), as the records promise. A book of public
// orders only is in that order already and stays as it is.
void in_placement_order(std::vector<BookEntry>& entries, market::Book& book) {
  auto placed = [&](size_t i) { return std::pair(entries[i].height, entries[i].index); };
  std::vector<size_t> perm(entries.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  if (std::is_sorted(perm.begin(), perm.end(),
                     [&](size_t a, size_t b) { return placed(a) < placed(b); }))
    return;
  std::stable_sort(perm.begin(), perm.end(),
                   [&](size_t a, size_t b) { return placed(a) < placed(b); });
  std::vector<BookEntry> e2;
  std::vector<market::Order> o2;
  for (size_t i : perm) {
    e2.push_back(std::move(entries[i]));
    o2.push_back(std::move(book.orders[i]));
  }
  entries = std::move(e2);
  book.orders = std::move(o2);
}

Status clear_slot(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                  uint64_t slot_no, std::vector<Event>* events) {
  auto slot = read_or_default<SlotRecord>(state, market_keys::slot(slot_no));
  if (!slot) return slot.status();
  SlotRecord s = std::move(*slot);
  market::Book book;
  s.book.clear();
  for (uint32_t seq = 0; seq < s.next_seq; ++seq) {
    const StateKey key = market_keys::slot_order(slot_no, seq);
    auto raw = state.read(key);
    if (!raw) return raw.status();
    if (!*raw) continue;  // cancelled
    state.erase(key);
    Hash256 id;
    if ((*raw)->size() != id.bytes.size())
      return Status(Code::kCorruption, "bad slot order index entry");
    std::copy((*raw)->begin(), (*raw)->end(), id.bytes.begin());
    auto order = read_record<OrderRecord>(state, market_keys::order(id));
    if (!order) return order.status();
    if (!order->has_value()) return Status(Code::kCorruption, "slot index names a missing order");
    const OrderRecord& o = **order;
    s.book.push_back(BookEntry{id, o.owner, o.side, o.energy, o.price, o.height, o.index, o.escrow,
                               Energy(0), Money(0)});
    market::Order mo;
    mo.id = raw_name(id.bytes);
    mo.side = o.side;
    mo.energy = o.energy;
    mo.price = o.price;
    mo.time = (o.height << 32) | o.index;
    mo.owner = raw_name(o.owner.bytes);
    book.orders.push_back(std::move(mo));
  }
  in_placement_order(s.book, book);
  market::Params params{m.params};
  if (mechanism_uses_seed(m.mechanism))
    params.values["seed"] = market_seed(header.prev_hash, slot_no);
  s.trades.clear();
  s.clearing_price.reset();
  s.surplus = Money(0);
  s.grid_net = Money(0);
  s.levels.clear();
  // A book the mechanism refuses (totals over the library's limits, say)
  // clears with no trades: every escrow returns and the chain goes on.
  if (!m.markets.nodes.empty()) {
    WATTLE_RETURN_IF_ERROR(
        clear_slot_through_tree(state, m, market_seed(header.prev_hash, slot_no), book, s));
  } else if (!book.orders.empty()) {
    if (auto c = market::clear(m.mechanism, book, params); c) {
      s.clearing_price = c->clearing_price;
      for (const market::Fill& f : c->fills) {
        s.book[f.order].filled = f.energy;
        s.book[f.order].amount = f.amount;
      }
      for (const market::Trade& t : c->trades)
        s.trades.push_back(SlotTrade{t.buy, t.sell, t.energy, t.buy_price, t.sell_price, 0, {}});
      s.surplus = c->totals.surplus;
      s.grid_net = c->totals.grid_net;
    }
  }
  // Escrow beyond what the fills (and a tree's grid fees) need returns at once.
  const std::vector<Money> fees = fees_by_order(s);
  for (size_t i = 0; i < s.book.size(); ++i) {
    BookEntry& e = s.book[i];
    auto kept =
        kept_escrow(m, e.side, e.filled, Money(e.amount.value() + fees[i].value()), e.escrow);
    if (!kept) return kept.status();
    const Money refund(e.escrow.value() - kept->value());
    e.escrow = *kept;
    if (refund.value() == 0) continue;
    auto debt = settle_delta(state, e.owner, 0, refund, {});
    if (!debt) return debt.status();
    WATTLE_ASSERT(debt->value() == 0, "an escrow refund created debt");
  }
  s.status = SlotStatus::kClosed;
  s.seed_block = header.prev_hash;
  state.put(market_keys::slot(slot_no), encode_to_bytes(s));
  if (events) {
    Event e;
    e.kind = Event::Kind::kSlotCleared;
    e.height = header.height;
    e.index = static_cast<uint32_t>(s.book.size());
    e.slot = slot_no;
    events->push_back(e);
  }
  return Status::ok();
}

struct Position {
  i128 bought = 0, sold = 0, paid = 0, received = 0;
  Money held;
  std::vector<Hash256> orders;
  bool filled = false;
  std::map<uint32_t, i128> level_fees;  // a market tree's grid fees it pays, by level
};

// The fee accounts of a tree's levels (parsed once; validate() made them
// canonical addresses).
Result<std::vector<Address>> fee_accounts(const MarketParams& m) {
  std::vector<Address> out;
  for (const market::MarketNode& n : m.markets.nodes) {
    auto a = Address::parse(n.fee_account);
    if (!a) return Status(Code::kCorruption, "market " + n.name + ": bad fee_account");
    out.push_back(*a);
  }
  return out;
}

Status settle_slot(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                   uint64_t slot_no, std::vector<Event>* events) {
  auto slot = read_or_default<SlotRecord>(state, market_keys::slot(slot_no));
  if (!slot) return slot.status();
  SlotRecord s = std::move(*slot);
  std::map<Address, Position> positions;  // sorted: settlement order is deterministic
  for (BookEntry& e : s.book) {
    Position& p = positions[e.owner];
    if (e.side == market::Side::kBuy) {
      p.bought += e.filled.value();
      p.paid += e.amount.value();
    } else {
      p.sold += e.filled.value();
      p.received += e.amount.value();
    }
    p.filled = p.filled || e.filled.value() > 0;
    p.held = Money(p.held.value() + e.escrow.value());
    p.orders.push_back(e.id);
    state.erase(market_keys::order(e.id));
    e.escrow = Money(0);
  }
  for (const SlotTrade& t : s.trades) {
    const uint32_t payer = fee_payer(t);
    if (payer >= s.book.size()) continue;
    for (const LevelFeeRecord& f : t.fees)
      positions[s.book[payer].owner].level_fees[f.market] += f.amount.value();
  }
  auto levels_to = fee_accounts(m);
  if (!levels_to) return levels_to.status();
  std::map<Address, i128> to_fee_accounts;
  i128 to_operator = static_cast<i128>(s.surplus.value()) + s.grid_net.value();
  i128 to_tax = 0;
  for (auto& [owner, p] : positions) {
    if (!p.filled) {  // no bill: only its order ids leave the account
      auto d = settle_delta(state, owner, 0, p.held, p.orders);
      if (!d) return d.status();
      continue;
    }
    auto reading = read_record<ReadingRecord>(state, market_keys::reading(owner, slot_no));
    if (!reading) return reading.status();
    const ReadingRecord r = reading->value_or(ReadingRecord{});
    auto settled = market::settle_bill(market::SlotPosition{p.bought, p.sold, p.paid, p.received},
                                       r.import_wh.value(), r.export_wh.value(), m.tariffs());
    if (!settled) return settled.status();
    const market::SlotBill& sb = *settled;
    Bill b;
    b.reading_posted = reading->has_value();
    b.import_wh = r.import_wh;
    b.export_wh = r.export_wh;
    b.bought = Energy(sb.bought_wh);
    b.sold = Energy(sb.sold_wh);
    b.deviation_wh = sb.deviation_wh;
    b.p2p_paid = Money(sb.p2p_paid);
    b.p2p_received = Money(sb.p2p_received);
    b.grid_paid = Money(sb.grid_paid);
    b.grid_received = Money(sb.grid_received);
    b.grid_fee = Money(sb.grid_fee);
    b.tax = Money(sb.tax);
    i128 net = sb.net;
    for (const auto& [level, fee] : p.level_fees) {
      if (level >= levels_to->size()) return Status(Code::kCorruption, "fee of an unknown level");
      auto amount = money(fee);
      if (!amount) return amount.status();
      b.grid_fees.push_back(LevelFeeRecord{level, *amount});
      net -= fee;
      to_fee_accounts[(*levels_to)[level]] += fee;
    }
    auto net_money = money(net);
    if (!net_money) return net_money.status();
    b.net = *net_money;
    to_operator += static_cast<i128>(sb.grid_paid) + sb.grid_fee - sb.grid_received;
    to_tax += sb.tax;
    auto debt = settle_delta(state, owner, net, p.held, p.orders);
    if (!debt) return debt.status();
    b.debt_added = *debt;
    state.put(market_keys::bill(owner, slot_no), encode_to_bytes(b));
  }
  // The operator is the grid's counterparty and takes the surplus; it pays
  // feed-in, so it too can end in debt if its balance runs out.
  if (auto d = settle_delta(state, m.operator_account, to_operator, Money(0), {}); !d)
    return d.status();
  if (auto d = settle_delta(state, m.tax_account, to_tax, Money(0), {}); !d) return d.status();
  for (const auto& [account, fee] : to_fee_accounts)
    if (auto d = settle_delta(state, account, fee, Money(0), {}); !d) return d.status();
  s.status = SlotStatus::kSettled;
  state.put(market_keys::slot(slot_no), encode_to_bytes(s));
  if (events) {
    Event e;
    e.kind = Event::Kind::kSlotSettled;
    e.height = header.height;
    e.index = static_cast<uint32_t>(s.book.size());
    e.slot = slot_no;
    events->push_back(e);
  }
  return Status::ok();
}

bool gate_due(const MarketParams& m, uint64_t slot, uint64_t time_ms) {
  const auto gate = m.gate_ms(slot);
  return !gate || time_ms >= *gate;
}

}  // namespace

Result<Money> settle_delta(StateOverlay& state, const Address& a, __int128 delta, Money release,
                           const std::vector<Hash256>& settled_orders) {
  auto acct = state.account(a);
  if (!acct) return acct.status();
  auto ma = read_or_default<MarketAccount>(state, market_keys::account(a));
  if (!ma) return ma.status();
  WATTLE_ASSERT(ma->escrow >= release, "settlement releases more escrow than the account holds");
  ma->escrow = Money(ma->escrow.value() - release.value());
  for (const Hash256& id : settled_orders) std::erase(ma->open_orders, id);
  i128 balance = static_cast<i128>(acct->balance.value()) + release.value();
  i128 debt = ma->debt.value();
  Money added;
  if (delta >= 0) {
    const i128 repay = std::min(debt, delta);
    debt -= repay;
    balance += delta - repay;
  } else if (balance >= -delta) {
    balance += delta;
  } else {
    added = Money(static_cast<int64_t>(-delta - balance));
    debt += -delta - balance;
    balance = 0;
  }
  auto b = money(balance);
  auto d = money(debt);
  if (!b) return b.status();
  if (!d) return d.status();
  acct->balance = *b;
  ma->debt = *d;
  state.put(a, *acct);
  put_market_account(state, a, *ma);
  return added;
}

int64_t market_seed(const Hash256& prev_hash, uint64_t slot) {
  Writer w;
  w.str("wattle/market-seed");
  encode(w, prev_hash);
  w.u64(slot);
  const Hash256 h = blake2b256(w.data());
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | h.bytes[i];
  return static_cast<int64_t>(v & 0x7fff'ffff'ffff'ffffull);
}

Status market_begin_block(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                          std::vector<Event>* events) {
  auto cursor = read_or_default<MarketCursor>(state, market_keys::cursor());
  if (!cursor) return cursor.status();
  MarketCursor c = std::move(*cursor);
  size_t due = 0;
  while (due < c.open_slots.size() && gate_due(m, c.open_slots[due], header.time_ms)) ++due;
  if (due == 0) return Status::ok();
  // A slot with sealed orders clears only at the end of its reveal window
  // (sealed_orders.h); until then it stays open, before the slots not yet due.
  std::vector<uint64_t> waiting;
  for (size_t i = 0; i < due; ++i) {
    const uint64_t slot = c.open_slots[i];
    auto ready = sealed_gate(state, m, header, slot);
    if (!ready) return ready.status();
    // Ready by time and reveals; on a chain that reorgs it also waits for
    // depth (finality_depth.h), still before the slots not yet due.
    if (*ready) ready = depth_gate(state, m, header, slot);
    if (!ready) return ready.status();
    if (!*ready) {
      waiting.push_back(slot);
      continue;
    }
    WATTLE_RETURN_IF_ERROR(clear_slot(state, m, header, slot, events));
    c.closed_slots.insert(std::lower_bound(c.closed_slots.begin(), c.closed_slots.end(), slot),
                          slot);
  }
  if (waiting.size() == due) return Status::ok();  // the cursor is unchanged
  c.open_slots.erase(c.open_slots.begin(), c.open_slots.begin() + static_cast<ptrdiff_t>(due));
  c.open_slots.insert(c.open_slots.begin(), waiting.begin(), waiting.end());
  state.put(market_keys::cursor(), encode_to_bytes(c));
  return Status::ok();
}

Status market_end_block(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                        std::vector<Event>* events) {
  auto cursor = read_or_default<MarketCursor>(state, market_keys::cursor());
  if (!cursor) return cursor.status();
  MarketCursor c = std::move(*cursor);
  size_t due = 0;
  while (due < c.closed_slots.size() && header.time_ms >= m.settle_ms(c.closed_slots[due])) ++due;
  if (due == 0) return Status::ok();
  for (size_t i = 0; i < due; ++i)
    WATTLE_RETURN_IF_ERROR(settle_slot(state, m, header, c.closed_slots[i], events));
  c.closed_slots.erase(c.closed_slots.begin(),
                       c.closed_slots.begin() + static_cast<ptrdiff_t>(due));
  if (c.open_slots.empty() && c.closed_slots.empty()) {
    state.erase(market_keys::cursor());
  } else {
    state.put(market_keys::cursor(), encode_to_bytes(c));
  }
  return Status::ok();
}

Result<bool> market_block_due(const StateReader& state, const MarketParams& m, uint64_t time_ms) {
  auto cursor = read_or_default<MarketCursor>(state, market_keys::cursor());
  if (!cursor) return cursor.status();
  if (!cursor->open_slots.empty() && gate_due(m, cursor->open_slots.front(), time_ms)) return true;
  return !cursor->closed_slots.empty() && time_ms >= m.settle_ms(cursor->closed_slots.front());
}

Result<__int128> market_value_delta(const StateReader& base, const StateWrites& writes) {
  i128 delta = 0;
  for (auto it = writes.lower_bound(StateKey{Namespace::kEscrow, {}});
       it != writes.end() && it->first.ns == Namespace::kEscrow; ++it) {
    auto before = read_record<MarketAccount>(base, it->first);
    if (!before) return before.status();
    MarketAccount a;
    if (it->second) {
      auto d = decode_exact<MarketAccount>(*it->second);
      if (!d) return d.status();
      a = *d;
    }
    const MarketAccount b = before->value_or(MarketAccount{});
    delta += (static_cast<i128>(a.escrow.value()) - b.escrow.value()) -
             (static_cast<i128>(a.debt.value()) - b.debt.value());
  }
  return delta;
}

}  // namespace wattle::modules
