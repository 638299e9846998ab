// Invariants every clearing must satisfy, and simple reference computations,
// shared by the mechanisms' property tests (RC_ASSERT: use inside RapidCheck
// properties). The references are written independently of src/market so a
// bug there cannot hide in both.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "market/book/book.h"

namespace wattle::market::testing {

// No over-fill, individual rationality per trade, fills follow the rounding
// rule of book.h, totals add up: buyers_pay = sellers_get + grid_net + surplus,
// surplus >= 0.
inline void rc_check_invariants(const Book& book, const Clearing& c) {
  const size_t n = book.orders.size();
  std::vector<__int128> milli(n, 0);
  std::vector<int64_t> energy(n, 0);
  int64_t traded = 0;
  for (const Trade& t : c.trades) {
    RC_ASSERT(t.energy.value() > 0);
    RC_ASSERT(t.sell_price <= t.buy_price);
    if (t.buy != kGrid) {
      RC_ASSERT(t.buy < n);
      const Order& b = book.orders[t.buy];
      RC_ASSERT(b.side == Side::kBuy);
      RC_ASSERT(t.buy_price <= b.price);  // individual rationality
      milli[t.buy] += static_cast<__int128>(t.energy.value()) * t.buy_price.value();
      energy[t.buy] += t.energy.value();
    }
    if (t.sell != kGrid) {
      RC_ASSERT(t.sell < n);
      const Order& s = book.orders[t.sell];
      RC_ASSERT(s.side == Side::kSell);
      RC_ASSERT(t.sell_price >= s.price);  // individual rationality
      milli[t.sell] += static_cast<__int128>(t.energy.value()) * t.sell_price.value();
      energy[t.sell] += t.energy.value();
    }
    if (t.buy != kGrid && t.sell != kGrid) traded += t.energy.value();
  }
  int64_t buyers = 0, sellers = 0;
  size_t next_fill = 0;
  for (uint32_t i = 0; i < n; ++i) {
    RC_ASSERT(energy[i] <= book.orders[i].energy.value());  // no over-fill
    if (energy[i] == 0) continue;
    RC_ASSERT(next_fill < c.fills.size());
    const Fill& f = c.fills[next_fill++];
    RC_ASSERT(f.order == i);
    RC_ASSERT(f.energy.value() == energy[i]);
    const bool buy = book.orders[i].side == Side::kBuy;
    __int128 q = milli[i] / 1000;
    if (buy && milli[i] % 1000 != 0) q += 1;
    RC_ASSERT(static_cast<__int128>(f.amount.value()) == q);
    (buy ? buyers : sellers) += f.amount.value();
  }
  RC_ASSERT(next_fill == c.fills.size());
  RC_ASSERT(c.totals.energy.value() == traded);
  RC_ASSERT(c.totals.buyers_pay.value() == buyers);
  RC_ASSERT(c.totals.sellers_get.value() == sellers);
  RC_ASSERT(c.totals.buyers_pay.value() ==
            c.totals.sellers_get.value() + c.totals.grid_net.value() + c.totals.surplus.value());
  RC_ASSERT(c.totals.surplus.value() >= 0);
}

// Largest volume any single price clears: max over p of min(D(p), S(p)).
inline int64_t reference_max_volume(const Book& book) {
  int64_t best = 0;
  for (const Order& cand : book.orders) {
    int64_t d = 0, s = 0;
    for (const Order& o : book.orders) {
      if (o.side == Side::kBuy && o.price >= cand.price) d += o.energy.value();
      if (o.side == Side::kSell && o.price <= cand.price) s += o.energy.value();
    }
    best = std::max(best, std::min(d, s));
  }
  return best;
}

// The market-clearing range for volume q, from the curves alone: the limit
// prices p at which the orders strictly better than p want at most q and the
// orders at least as good want at least q, on both sides. Its ends are limit
// prices (the curves only step there); empty if no price clears q.
inline std::optional<std::pair<int64_t, int64_t>> reference_clearing_range(const Book& book,
                                                                           int64_t q) {
  std::optional<std::pair<int64_t, int64_t>> range;
  for (const Order& cand : book.orders) {
    const int64_t p = cand.price.value();
    int64_t d_strict = 0, d_weak = 0, s_strict = 0, s_weak = 0;
    for (const Order& o : book.orders) {
      const int64_t e = o.energy.value(), x = o.price.value();
      if (o.side == Side::kBuy) {
        if (x > p) d_strict += e;
        if (x >= p) d_weak += e;
      } else {
        if (x < p) s_strict += e;
        if (x <= p) s_weak += e;
      }
    }
    if (d_strict <= q && q <= d_weak && s_strict <= q && q <= s_weak) {
      if (!range) range = std::make_pair(p, p);
      range->first = std::min(range->first, p);
      range->second = std::max(range->second, p);
    }
  }
  return range;
}

// At `price`, every order strictly better is filled in full and every order
// strictly worse gets nothing (grid trades aside).
inline void rc_check_market_clears(const Book& book, const Clearing& c, Price price) {
  std::vector<int64_t> filled(book.orders.size(), 0);
  for (const Trade& t : c.trades) {
    if (t.buy == kGrid || t.sell == kGrid) continue;
    filled[t.buy] += t.energy.value();
    filled[t.sell] += t.energy.value();
  }
  for (size_t i = 0; i < book.orders.size(); ++i) {
    const Order& o = book.orders[i];
    const bool better = o.side == Side::kBuy ? o.price > price : o.price < price;
    const bool worse = o.side == Side::kBuy ? o.price < price : o.price > price;
    if (better) RC_ASSERT(filled[i] == o.energy.value());
    if (worse) RC_ASSERT(filled[i] == 0);
  }
}

// Gains from trade at the orders' limits, in Wh x micro/kWh.
inline __int128 welfare_milli(const Book& book, const Clearing& c) {
  __int128 w = 0;
  for (const Trade& t : c.trades)
    if (t.buy != kGrid && t.sell != kGrid)
      w += static_cast<__int128>(t.energy.value()) *
           (book.orders[t.buy].price.value() - book.orders[t.sell].price.value());
  return w;
}

// Maximal welfare, unit by unit: every Wh as its own bid/ask, best pairs first.
// Only for books of small energies.
inline __int128 reference_max_welfare(const Book& book) {
  std::vector<int64_t> bids, asks;
  for (const Order& o : book.orders)
    for (int64_t u = 0; u < o.energy.value(); ++u)
      (o.side == Side::kBuy ? bids : asks).push_back(o.price.value());
  std::sort(bids.rbegin(), bids.rend());
  std::sort(asks.begin(), asks.end());
  __int128 w = 0;
  for (size_t i = 0; i < std::min(bids.size(), asks.size()) && bids[i] >= asks[i]; ++i)
    w += bids[i] - asks[i];
  return w;
}

// The clearing in terms of ids, for comparing clearings of permuted books.
struct IdView {
  std::optional<int64_t> price;
  std::vector<std::tuple<std::string, std::string, int64_t, int64_t, int64_t>> trades;
  std::map<std::string, std::pair<int64_t, int64_t>> fills;
  std::vector<int64_t> totals;
  bool operator==(const IdView&) const = default;
};

inline IdView id_view(const Book& book, const Clearing& c) {
  IdView v;
  if (c.clearing_price) v.price = c.clearing_price->value();
  auto name = [&](uint32_t i) { return i == kGrid ? std::string("grid") : book.orders[i].id; };
  for (const Trade& t : c.trades)
    v.trades.emplace_back(name(t.buy), name(t.sell), t.energy.value(), t.buy_price.value(),
                          t.sell_price.value());
  for (const Fill& f : c.fills) v.fills[name(f.order)] = {f.energy.value(), f.amount.value()};
  v.totals = {c.totals.energy.value(), c.totals.buyers_pay.value(), c.totals.sellers_get.value(),
              c.totals.grid_net.value(), c.totals.surplus.value()};
  return v;
}

// The same book with its lines permuted (times kept).
inline rc::Gen<Book> gen_shuffled(const Book& book) {
  return rc::gen::map(rc::gen::arbitrary<uint64_t>(), [book](uint64_t seed) {
    Book b = book;
    // Fisher-Yates with a small LCG: the permutation only needs to vary.
    uint64_t x = seed | 1;
    for (size_t i = b.orders.size(); i > 1; --i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      std::swap(b.orders[i - 1], b.orders[(x >> 33) % i]);
    }
    return b;
  });
}

}  // namespace wattle::market::testing
