#include "market/clearing/sequence.h"

#include <algorithm>
#include <numeric>

namespace wattle::market {

std::vector<uint32_t> rank_by_price_id(const Book& book, Side side,
                                       std::span<const uint32_t> candidates) {
  std::vector<uint32_t> idx;
  for (uint32_t i : candidates)
    if (book.orders[i].side == side) idx.push_back(i);
  const bool descending = side == Side::kBuy;
  std::sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) {
    const Order& x = book.orders[a];
    const Order& y = book.orders[b];
    if (x.price != y.price) return descending ? x.price > y.price : x.price < y.price;
    return x.id < y.id;
  });
  return idx;
}

std::vector<uint32_t> rank_by_price_id(const Book& book, Side side) {
  std::vector<uint32_t> all(book.orders.size());
  std::iota(all.begin(), all.end(), 0u);
  return rank_by_price_id(book, side, all);
}

Crossing cross(const Book& book, std::span<const uint32_t> buys, std::span<const uint32_t> sells) {
  const auto& o = book.orders;
  Crossing c;
  size_t i = 0, j = 0;
  int64_t rb = buys.empty() ? 0 : o[buys[0]].energy.value();
  int64_t rs = sells.empty() ? 0 : o[sells[0]].energy.value();
  while (i < buys.size() && j < sells.size() && o[buys[i]].price >= o[sells[j]].price) {
    const int64_t t = std::min(rb, rs);
    c.traded = true;
    c.last_buy = i;
    c.last_sell = j;
    c.volume += t;
    rb -= t;
    rs -= t;
    if (rb == 0 && ++i < buys.size()) rb = o[buys[i]].energy.value();
    if (rs == 0 && ++j < sells.size()) rs = o[sells[j]].energy.value();
  }
  if (i < buys.size()) c.next_buy = o[buys[i]].price;
  if (j < sells.size()) c.next_sell = o[sells[j]].price;
  return c;
}

Price competitive_price(const Book& book, std::span<const uint32_t> buys,
                        std::span<const uint32_t> sells) {
  const Crossing c = cross(book, buys, sells);
  int64_t lo, hi;
  if (c.traded) {
    // Every price in [lo, hi] clears: the marginal buyer still wants to buy,
    // the marginal seller to sell, and no order left out wants to join.
    lo = std::max(book.orders[sells[c.last_sell]].price, c.next_buy.value_or(Price(0))).value();
    hi = book.orders[buys[c.last_buy]].price.value();
    if (c.next_sell) hi = std::min(hi, c.next_sell->value());
  } else {
    lo = c.next_buy.value_or(Price(0)).value();
    hi = c.next_sell.value_or(Price(lo)).value();
  }
  // lo <= hi here; the midpoint of two int64 prices without overflow.
  return Price(lo + (hi - lo) / 2);
}

void pair_in_sequence(std::span<const Quota> buys, std::span<const Quota> sells, Price buy_price,
                      Price sell_price, std::vector<Trade>& out) {
  size_t i = 0, j = 0;
  int64_t rb = 0, rs = 0;
  while (true) {
    while (rb == 0 && i < buys.size()) rb = buys[i++].wh;
    while (rs == 0 && j < sells.size()) rs = sells[j++].wh;
    if (rb == 0 || rs == 0) return;
    const int64_t t = std::min(rb, rs);
    out.push_back(Trade{buys[i - 1].order, sells[j - 1].order, Energy(t), buy_price, sell_price});
    rb -= t;
    rs -= t;
  }
}

int64_t total_wh(std::span<const Quota> quotas) {
  int64_t s = 0;
  for (const Quota& q : quotas) s += q.wh;
  return s;
}

void ration_equally(const Book& book, std::vector<Quota>& quotas, int64_t target) {
  int64_t max_q = 0;
  for (const Quota& q : quotas) max_q = std::max(max_q, q.wh);
  auto left_after = [&](int64_t cut) {
    __int128 s = 0;
    for (const Quota& q : quotas) s += std::max<int64_t>(q.wh - cut, 0);
    return s;
  };
  // Largest cut c with left_after(c) >= target; left_after is non-increasing.
  int64_t lo = 0, hi = max_q;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (left_after(mid) >= target)
      lo = mid;
    else
      hi = mid - 1;
  }
  std::vector<size_t> positive;
  for (size_t i = 0; i < quotas.size(); ++i) {
    quotas[i].wh = std::max<int64_t>(quotas[i].wh - lo, 0);
    if (quotas[i].wh > 0) positive.push_back(i);
  }
  // The excess is below positive.size(): one more Wh from the first in id
  // order. Ids, not prices, so the remainder cannot reward a misreported price.
  int64_t excess = static_cast<int64_t>(left_after(0) - target);
  std::sort(positive.begin(), positive.end(), [&](size_t a, size_t b) {
    return book.orders[quotas[a].order].id < book.orders[quotas[b].order].id;
  });
  for (size_t k = 0; k < positive.size() && excess > 0; ++k, --excess) quotas[positive[k]].wh -= 1;
}

}  // namespace wattle::market
