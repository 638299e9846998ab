#include "market/community.h"

#include <algorithm>

#include "market/clearing_builder.h"
#include "market/sequence.h"

namespace wattle::market {

namespace {

struct Tariffs {
  int64_t buy = 0;   // λb
  int64_t sell = 0;  // λs
};

Result<Tariffs> tariffs(const Params& params) {
  // The registry fills absent keys with the spec's default, kMissingTariff
  // (-1, below the accepted range), so both spellings of "absent" are caught.
  for (const char* key : {"grid_buy", "grid_sell"})
    if (params.get(key, kMissingTariff) < 0)
      return Status(Code::kInvalidArgument, std::string("missing required parameter ") + key);
  Tariffs t{params.get("grid_buy", 0), params.get("grid_sell", 0)};
  if (t.buy < t.sell)
    return Status(Code::kInvalidArgument, "grid_buy (" + std::to_string(t.buy) +
                                              ") must be >= grid_sell (" + std::to_string(t.sell) +
                                              ")");
  return t;
}

// Households of one side in ascending id order, and their total energy.
struct Households {
  std::vector<uint32_t> idx;
  int64_t total = 0;
};

Households households(const Book& book, Side side) {
  Households s;
  for (uint32_t i = 0; i < book.orders.size(); ++i)
    if (book.orders[i].side == side) {
      s.idx.push_back(i);
      s.total += book.orders[i].energy.value();
    }
  std::sort(s.idx.begin(), s.idx.end(),
            [&](uint32_t a, uint32_t b) { return book.orders[a].id < book.orders[b].id; });
  return s;
}

// Each household's whole-Wh share of `amount` (<= the side's total) in
// proportion to its energy: floor, then +1 Wh to the largest remainders
// (ties: ascending id, the order of s.idx).
std::vector<Quota> pro_rata(const Book& book, const Households& s, int64_t amount) {
  std::vector<Quota> q;
  std::vector<int64_t> rem;
  int64_t given = 0;
  for (uint32_t i : s.idx) {
    const __int128 num = static_cast<__int128>(book.orders[i].energy.value()) * amount;
    q.push_back({i, static_cast<int64_t>(num / s.total)});
    rem.push_back(static_cast<int64_t>(num % s.total));
    given += q.back().wh;
  }
  std::vector<size_t> order(q.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rem[a] > rem[b]; });
  for (size_t k = 0; given < amount; ++k, ++given) q[order[k]].wh += 1;
  return q;
}

std::vector<Quota> in_full(const Book& book, const Households& s) {
  std::vector<Quota> q;
  for (uint32_t i : s.idx) q.push_back({i, book.orders[i].energy.value()});
  return q;
}

// The Trade rows of community.h: exchange at (buy_price, sell_price), the
// imbalance with the grid at the tariffs.
Result<Clearing> settle(std::string name, const Book& book, const Tariffs& t, Price buy_price,
                        Price sell_price, std::optional<Price> clearing_price) {
  const Households buyers = households(book, Side::kBuy);
  const Households sellers = households(book, Side::kSell);
  const int64_t exchanged = std::min(buyers.total, sellers.total);
  const std::vector<Quota> qb =
      buyers.total > sellers.total ? pro_rata(book, buyers, exchanged) : in_full(book, buyers);
  const std::vector<Quota> qs =
      sellers.total > buyers.total ? pro_rata(book, sellers, exchanged) : in_full(book, sellers);
  std::vector<Trade> trades;
  pair_in_sequence(qb, qs, buy_price, sell_price, trades);
  for (const Quota& q : qb) {
    const int64_t rest = book.orders[q.order].energy.value() - q.wh;
    if (rest > 0) trades.push_back(Trade{q.order, kGrid, Energy(rest), Price(t.buy), Price(t.buy)});
  }
  for (const Quota& q : qs) {
    const int64_t rest = book.orders[q.order].energy.value() - q.wh;
    if (rest > 0)
      trades.push_back(Trade{kGrid, q.order, Energy(rest), Price(t.sell), Price(t.sell)});
  }
  return make_clearing(std::move(name), book, std::move(trades), clearing_price);
}

int64_t side_total(const Book& book, Side side) {
  int64_t s = 0;
  for (const Order& o : book.orders)
    if (o.side == side) s += o.energy.value();
  return s;
}

}  // namespace

Result<Clearing> clear_mmr(const Book& book, const Params& params) {
  auto t = tariffs(params);
  if (!t) return t.status();
  // P = (λb + λs) / 2: buyers round up, sellers down.
  const int64_t sum = t->buy + t->sell;
  return settle("mmr", book, *t, Price(sum - sum / 2), Price(sum / 2), Price(sum / 2));
}

Result<Clearing> clear_sdr(const Book& book, const Params& params) {
  auto t = tariffs(params);
  if (!t) return t.status();
  const int64_t g = side_total(book, Side::kSell);
  const int64_t d = side_total(book, Side::kBuy);
  int64_t ps_down = t->sell, ps_up = t->sell;  // SDR > 1 (or no demand): Ps = Pb = λs
  if (g <= d && d > 0) {
    // Ps = λs·λb / ((λb − λs)·G/D + λs), multiplied through by D.
    const __int128 num = static_cast<__int128>(t->sell) * t->buy * d;
    const __int128 den =
        static_cast<__int128>(t->buy - t->sell) * g + static_cast<__int128>(t->sell) * d;
    ps_down = den == 0 ? 0 : static_cast<int64_t>(num / den);
    ps_up = den == 0 ? 0 : static_cast<int64_t>((num + den - 1) / den);
  }
  return settle("sdr", book, *t, Price(ps_up), Price(ps_down), Price(ps_down));
}

Result<Clearing> clear_bill_sharing(const Book& book, const Params& params) {
  auto t = tariffs(params);
  if (!t) return t.status();
  // Energy exchanged inside the community is free; only the grid is paid.
  return settle("bill-sharing", book, *t, Price(0), Price(0), std::nullopt);
}

}  // namespace wattle::market
