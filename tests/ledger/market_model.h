// An independent model of the market's rules (docs/market.md, "Rules" and
// "Sealed orders"), as a reader of that page would code them, for the
// end-to-end tests: it clears its own copy of each book with the market
// library and does the settlement arithmetic itself, so a test checks every
// bill, balance, escrow and debt against it rather than against the
// ledger's code.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "market/registry.h"
#include "modules/energy/market_params.h"
#include "modules/energy/market_state.h"

namespace wattle::chain::testing {
using market::Side;
using ::wattle::modules::Bill;
using ::wattle::modules::MarketParams;

inline int64_t model_ceil_div(__int128 num, __int128 den) {
  return static_cast<int64_t>(num <= 0 ? -((-num) / den) : (num + den - 1) / den);
}

// The rules of docs/market.md, as a reader of that page would code them.
struct Model {
  MarketParams m;
  std::map<Address, __int128> balance, debt;
  struct Order {
    Hash256 id;
    Address owner;
    Side side;
    int64_t energy, price;
    uint64_t slot, height;
    uint32_t index;
    int64_t escrow = 0, filled = 0, amount = 0;
    bool cancelled = false;
  };
  std::vector<Order> orders;
  std::map<std::pair<Address, uint64_t>, std::pair<int64_t, int64_t>> readings;  // interval
  std::map<std::pair<Address, uint64_t>, Bill> bills;

  int64_t tax(__int128 x) const { return model_ceil_div(x * m.tax_bp, 10'000); }
  int64_t up(__int128 e, __int128 p) const { return model_ceil_div(e * p, 1000); }

  void pay(const Address& a, __int128 delta) {  // credits repay debt first; shortfall is debt
    if (delta >= 0) {
      __int128 repay = std::min(debt[a], delta);
      debt[a] -= repay;
      balance[a] += delta - repay;
    } else if (balance[a] >= -delta) {
      balance[a] += delta;
    } else {
      debt[a] += -delta - balance[a];
      balance[a] = 0;
    }
  }
  void place(Order o) {
    const int64_t base = o.side == Side::kBuy ? up(o.energy, o.price) + up(o.energy, m.grid_fee)
                                              : up(o.energy, m.grid_buy);
    o.escrow = base + tax(base);
    balance[o.owner] -= o.escrow;
    orders.push_back(o);
  }
  void cancel(const Hash256& id) {
    for (Order& o : orders)
      if (o.id == id) {
        o.cancelled = true;
        balance[o.owner] += o.escrow;
        o.escrow = 0;
      }
  }
  void clear(uint64_t slot) {
    market::Book book;
    std::vector<Order*> in;
    for (Order& o : orders)
      if (o.slot == slot && !o.cancelled) {
        market::Order mo;
        mo.id = o.id.hex();
        mo.side = o.side;
        mo.energy = Energy(o.energy);
        mo.price = Price(o.price);
        mo.time = (o.height << 32) | o.index;
        mo.owner = o.owner.to_string();
        book.orders.push_back(mo);
        in.push_back(&o);
      }
    auto c = market::clear(m.mechanism, book, market::Params{m.params});
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    for (const auto& f : c->fills) {
      in[f.order]->filled = f.energy.value();
      in[f.order]->amount = f.amount.value();
    }
    surplus[slot] = c->totals.surplus.value() + c->totals.grid_net.value();
    for (Order* o : in) {
      int64_t need = 0;
      if (o->filled > 0) {
        const int64_t base = o->side == Side::kBuy ? o->amount + up(o->filled, m.grid_fee)
                                                   : up(o->filled, m.grid_buy);
        need = std::min(o->escrow, base + tax(base));
      }
      balance[o->owner] += o->escrow - need;
      o->escrow = need;
    }
  }
  void settle(uint64_t slot) {
    struct P {
      __int128 bought = 0, sold = 0, paid = 0, received = 0, held = 0;
      bool filled = false;
    };
    std::map<Address, P> pos;
    for (Order& o : orders)
      if (o.slot == slot && !o.cancelled) {
        P& p = pos[o.owner];
        (o.side == Side::kBuy ? p.bought : p.sold) += o.filled;
        (o.side == Side::kBuy ? p.paid : p.received) += o.amount;
        p.held += o.escrow;
        p.filled = p.filled || o.filled > 0;
        o.escrow = 0;
      }
    __int128 op = surplus[slot], tx = 0;
    for (auto& [a, p] : pos) {
      balance[a] += p.held;
      if (!p.filled) continue;
      Bill b;
      auto r = readings.find({a, slot});
      b.reading_posted = r != readings.end();
      const int64_t imp = b.reading_posted ? r->second.first : 0;
      const int64_t exp = b.reading_posted ? r->second.second : 0;
      b.import_wh = Energy(imp);
      b.export_wh = Energy(exp);
      b.bought = Energy(static_cast<int64_t>(p.bought));
      b.sold = Energy(static_cast<int64_t>(p.sold));
      const __int128 dev = (exp - imp) - (p.sold - p.bought);
      b.deviation_wh = static_cast<int64_t>(dev);
      const int64_t gr = dev > 0 ? static_cast<int64_t>(dev * m.grid_sell / 1000) : 0;
      const int64_t gp = dev < 0 ? up(-dev, m.grid_buy) : 0;
      const int64_t fee = up(p.bought, m.grid_fee);
      const int64_t t = tax(p.paid + fee + gp);
      const __int128 net = p.received + gr - p.paid - gp - fee - t;
      b.p2p_paid = Money(static_cast<int64_t>(p.paid));
      b.p2p_received = Money(static_cast<int64_t>(p.received));
      b.grid_paid = Money(gp);
      b.grid_received = Money(gr);
      b.grid_fee = Money(fee);
      b.tax = Money(t);
      b.net = Money(static_cast<int64_t>(net));
      const __int128 debt_before = debt[a];
      pay(a, net);
      b.debt_added = Money(static_cast<int64_t>(std::max<__int128>(0, debt[a] - debt_before)));
      bills[{a, slot}] = b;
      op += gp + fee - gr;
      tx += t;
    }
    pay(m.operator_account, op);
    pay(m.tax_account, tx);
  }
  // Sealed orders: sealing moves deposit + bound out of the balance; a good
  // reveal returns them and books the order as placed (its height and index
  // are the sealed tx's); at the window's end an unrevealed order's bound
  // returns and its deposit goes to the operator.
  void seal(const Address& a, int64_t deposit, int64_t bound) { balance[a] -= deposit + bound; }
  void reveal(const Order& o, int64_t deposit, int64_t bound) {
    balance[o.owner] += deposit + bound;
    place(o);
  }
  void forfeit(const Address& a, int64_t deposit, int64_t bound) {
    balance[a] += bound;
    pay(m.operator_account, deposit);
  }
  void transfer(const Address& from, const Address& to, int64_t amount) {
    balance[from] -= amount;
    pay(to, amount);
  }
  std::map<uint64_t, __int128> surplus;
};

}  // namespace wattle::chain::testing
