// Checks shared by the property tests of mcafee, stable, community pricing and
// MUDA: each recomputes a guarantee from the trades alone, independently of
// make_clearing, and reports the first violation as a message (empty: holds).
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "market/book/book.h"
#include "market/registry.h"
#include "random_book.h"

namespace wattle::market::testing {

using Clear = std::function<Result<Clearing>(const Book&, const Params&)>;

inline Order limit_order(std::string id, Side side, int64_t wh, int64_t price) {
  Order o;
  o.id = std::move(id);
  o.side = side;
  o.energy = Energy(wh);
  o.price = Price(price);
  return o;
}

// The book of the mcafee, muda and average hand computations (and of their
// examples in docs/market.md).
inline Book eight_order_book() {
  Book book;
  book.orders = {
      limit_order("b1", Side::kBuy, 1000, 300000),  limit_order("b2", Side::kBuy, 2000, 250000),
      limit_order("b3", Side::kBuy, 1000, 200000),  limit_order("b4", Side::kBuy, 1000, 100000),
      limit_order("s1", Side::kSell, 1500, 80000),  limit_order("s2", Side::kSell, 1000, 120000),
      limit_order("s3", Side::kSell, 2000, 180000), limit_order("s4", Side::kSell, 1000, 260000)};
  return book;
}

// A random book at full size: RapidCheck's size would otherwise keep most
// books tiny.
inline Book full_size_book(BookShape shape = {}) {
  return *rc::gen::resize(100, gen_book(shape));
}

// A mechanism's own parameter names: the optional grid tariffs every
// mechanism accepts (registry.h) left out.
inline std::vector<std::string> own_param_names(const MechanismInfo& m) {
  std::vector<std::string> names;
  for (const ParamSpec& p : m.params)
    if (p.name != "grid_buy" && p.name != "grid_sell") names.push_back(p.name);
  return names;
}

// No order trades more than its energy; each fill equals the sum of its trades.
inline std::string check_no_overfill(const Book& book, const Clearing& c) {
  std::vector<int64_t> traded(book.orders.size(), 0);
  for (const Trade& t : c.trades) {
    if (t.buy != kGrid) traded[t.buy] += t.energy.value();
    if (t.sell != kGrid) traded[t.sell] += t.energy.value();
  }
  for (size_t i = 0; i < book.orders.size(); ++i)
    if (traded[i] > book.orders[i].energy.value()) return "over-filled " + book.orders[i].id;
  for (const Fill& f : c.fills)
    if (f.energy.value() != traded[f.order])
      return "fill energy mismatch " + book.orders[f.order].id;
  return "";
}

// No buyer pays above its limit, no seller gets below its limit.
inline std::string check_rational(const Book& book, const Clearing& c) {
  for (const Trade& t : c.trades) {
    if (t.buy != kGrid && t.buy_price > book.orders[t.buy].price)
      return "buyer above limit " + book.orders[t.buy].id;
    if (t.sell != kGrid && t.sell_price < book.orders[t.sell].price)
      return "seller below limit " + book.orders[t.sell].id;
  }
  return "";
}

// buyers_pay = sellers_get + grid_net + surplus, surplus >= 0, and the totals
// are the sums of the fills, each fill the one rounding rule applied to its
// trades (buyers up, sellers down; grid receives down, pays up).
inline std::string check_budget(const Book& book, const Clearing& c) {
  std::map<uint32_t, __int128> milli;
  __int128 grid_in = 0, grid_out = 0;
  for (const Trade& t : c.trades) {
    const __int128 e = t.energy.value();
    if (t.buy == kGrid)
      grid_out += e * t.buy_price.value();
    else
      milli[t.buy] += e * t.buy_price.value();
    if (t.sell == kGrid)
      grid_in += e * t.sell_price.value();
    else
      milli[t.sell] += e * t.sell_price.value();
  }
  __int128 buyers = 0, sellers = 0;
  for (const Fill& f : c.fills) {
    const bool buy = book.orders[f.order].side == Side::kBuy;
    const __int128 m = milli[f.order];
    const __int128 want = buy ? (m + 999) / 1000 : m / 1000;
    if (want != f.amount.value()) return "fill amount off for " + book.orders[f.order].id;
    (buy ? buyers : sellers) += f.amount.value();
  }
  const __int128 grid_net = grid_in / 1000 - (grid_out + 999) / 1000;
  const Totals& t = c.totals;
  if (buyers != t.buyers_pay.value() || sellers != t.sellers_get.value() ||
      grid_net != t.grid_net.value())
    return "totals are not the sums of fills";
  if (t.buyers_pay.value() != t.sellers_get.value() + t.grid_net.value() + t.surplus.value())
    return "budget does not balance";
  if (t.surplus.value() < 0) return "negative surplus";
  return "";
}

// The clearing with indices replaced by ids, for comparing permuted books.
using TradeKey = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;
inline std::vector<TradeKey> trade_keys(const Book& book, const Clearing& c) {
  std::vector<TradeKey> keys;
  auto name = [&](uint32_t i) { return i == kGrid ? std::string("grid") : book.orders[i].id; };
  for (const Trade& t : c.trades)
    keys.emplace_back(name(t.buy), name(t.sell), t.energy.value(), t.buy_price.value(),
                      t.sell_price.value());
  return keys;
}

// The same book with its lines shuffled (time = new position, as a re-read
// file would give).
inline Book shuffled(const Book& book) {
  std::vector<size_t> perm(book.orders.size());
  std::iota(perm.begin(), perm.end(), size_t{0});
  for (size_t k = perm.size(); k > 1; --k)  // Fisher-Yates, drawn by RapidCheck
    std::swap(perm[k - 1], perm[*rc::gen::inRange<size_t>(0, k)]);
  Book out;
  for (size_t k = 0; k < perm.size(); ++k) {
    out.orders.push_back(book.orders[perm[k]]);
    out.orders.back().time = k;
  }
  return out;
}

// Utility of order `i` whose true limit is `value`, in milli-micro-units
// (Wh x micro-units/kWh): what it gains from trading at the clearing's prices.
inline __int128 utility_milli(const Book& book, const Clearing& c, uint32_t i, Price value) {
  for (const Fill& f : c.fills) {
    if (f.order != i) continue;
    const __int128 worth = static_cast<__int128>(f.energy.value()) * value.value();
    const __int128 paid = static_cast<__int128>(f.amount.value()) * 1000;
    return book.orders[i].side == Side::kBuy ? worth - paid : paid - worth;
  }
  return 0;
}

// Prices worth trying as a misreport: 0, every limit in the book and its
// neighbours, and far above all of them.
inline std::vector<int64_t> alternative_prices(const Book& book) {
  std::vector<int64_t> alt{0, 10'000'000};
  for (const Order& o : book.orders)
    for (int64_t d : {-1, 0, 1}) alt.push_back(std::max<int64_t>(0, o.price.value() + d));
  std::sort(alt.begin(), alt.end());
  alt.erase(std::unique(alt.begin(), alt.end()), alt.end());
  return alt;
}

// "" if no single order gains by reporting another price; else who and how.
// A gain below 1 micro-unit is the rounding of fills (buyers round up), not a
// reason to lie, so only gains of >= 1 micro-unit count.
inline std::string check_truthful_in_price(const Book& book, const Params& params,
                                           const Clear& clear) {
  auto truth = clear(book, params);
  if (!truth) return "clear failed: " + truth.status().to_string();
  const std::vector<int64_t> alts = alternative_prices(book);
  for (uint32_t i = 0; i < book.orders.size(); ++i) {
    const Price value = book.orders[i].price;
    const __int128 honest = utility_milli(book, *truth, i, value);
    for (int64_t p : alts) {
      Book lie = book;
      lie.orders[i].price = Price(p);
      auto r = clear(lie, params);
      if (!r) return "clear failed: " + r.status().to_string();
      const __int128 u = utility_milli(lie, *r, i, value);
      if (u > honest + 999) {
        std::ostringstream os;
        os << book.orders[i].id << " gains by reporting " << p << " instead of " << value.value()
           << ": " << static_cast<int64_t>(u) << " > " << static_cast<int64_t>(honest);
        return os.str();
      }
    }
  }
  return "";
}

}  // namespace wattle::market::testing
