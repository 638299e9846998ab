#include "market/merit_order.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace wattle::market {

namespace {

constexpr int kIndexBits = 21;  // packed (key << 21 | index) while n < 2^21
constexpr int kDigitBits = 11;
constexpr uint64_t kDigitMask = (1u << kDigitBits) - 1;

// Stable LSD radix sort of packed (key << kIndexBits | index) by key only:
// the packed values start in index order, so equal keys keep index order.
void radix_sort_packed(std::vector<uint64_t>& v, int key_bits) {
  std::vector<uint64_t> tmp(v.size());
  for (int shift = kIndexBits; shift < kIndexBits + key_bits; shift += kDigitBits) {
    uint32_t count[kDigitMask + 2] = {};
    for (uint64_t x : v) ++count[((x >> shift) & kDigitMask) + 1];
    for (size_t d = 1; d < kDigitMask + 2; ++d) count[d] += count[d - 1];
    for (uint64_t x : v) tmp[count[(x >> shift) & kDigitMask]++] = x;
    v.swap(tmp);
  }
}

// Sorts one side. Fast path: times non-decreasing in index order (the default
// of the JSON reader, and of the ledger) so (price, index) is the priority,
// and prices fit 42 bits: radix sort. Otherwise a comparison sort.
std::vector<uint32_t> sort_side(const Book& book, std::vector<uint32_t> idx, bool descending) {
  const auto& orders = book.orders;
  auto better = [&](uint32_t a, uint32_t b) {
    const Order& x = orders[a];
    const Order& y = orders[b];
    if (x.price != y.price) return descending ? x.price > y.price : x.price < y.price;
    if (x.time != y.time) return x.time < y.time;
    return a < b;
  };
  if (idx.size() < 2) return idx;
  bool times_monotone = true;  // idx arrives in index order
  int64_t lo = orders[idx[0]].price.value(), hi = lo;
  for (size_t i = 0; i < idx.size(); ++i) {
    const Order& o = orders[idx[i]];
    lo = std::min(lo, o.price.value());
    hi = std::max(hi, o.price.value());
    if (i > 0 && times_monotone && orders[idx[i - 1]].time > o.time) times_monotone = false;
  }
  const uint64_t range = static_cast<uint64_t>(hi - lo);
  const int key_bits = std::max(1, static_cast<int>(std::bit_width(range)));
  if (!times_monotone || idx.size() >= (size_t{1} << kIndexBits) || key_bits > 64 - kIndexBits ||
      idx.size() < 64) {
    std::sort(idx.begin(), idx.end(), better);
    return idx;
  }
  std::vector<uint64_t> packed(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) {
    int64_t p = orders[idx[i]].price.value();
    uint64_t key = descending ? static_cast<uint64_t>(hi - p) : static_cast<uint64_t>(p - lo);
    packed[i] = key << kIndexBits | idx[i];
  }
  radix_sort_packed(packed, key_bits);
  constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<uint32_t>(packed[i] & kIndexMask);
  return idx;
}

MeritOrder split_and_sort(const Book& book, std::vector<uint32_t> all) {
  // Index order first, so the radix sort's ties follow index.
  if (!std::is_sorted(all.begin(), all.end())) std::sort(all.begin(), all.end());
  MeritOrder mo;
  for (uint32_t i : all) (book.orders[i].side == Side::kBuy ? mo.buys : mo.sells).push_back(i);
  mo.buys = sort_side(book, std::move(mo.buys), true);
  mo.sells = sort_side(book, std::move(mo.sells), false);
  return mo;
}

}  // namespace

MeritOrder merit_order(const Book& book) {
  std::vector<uint32_t> all(book.orders.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  return split_and_sort(book, std::move(all));
}

MeritOrder merit_order(const Book& book, std::span<const uint32_t> candidates) {
  return split_and_sort(book, std::vector<uint32_t>(candidates.begin(), candidates.end()));
}

Allocation welfare_max(const Book& book, const MeritOrder& mo) {
  Allocation a;
  size_t i = 0, j = 0;
  int64_t rem_b = 0, rem_s = 0;
  int64_t volume = 0;
  while (i < mo.buys.size() && j < mo.sells.size()) {
    const Order& b = book.orders[mo.buys[i]];
    const Order& s = book.orders[mo.sells[j]];
    if (b.price < s.price) break;
    if (rem_b == 0) rem_b = b.energy.value();
    if (rem_s == 0) rem_s = s.energy.value();
    int64_t q = std::min(rem_b, rem_s);
    a.matches.push_back(Match{mo.buys[i], mo.sells[j], Energy(q)});
    a.marginal_buy = b.price;
    a.marginal_sell = s.price;
    volume += q;  // <= total energy of one side; validated books keep it in int64
    rem_b -= q;
    rem_s -= q;
    if (rem_b == 0) ++i;
    if (rem_s == 0) ++j;
  }
  a.volume = Energy(volume);
  return a;
}

Price k_price(Price buy, Price sell, int64_t k) {
  assert(sell <= buy && k >= 0 && k <= kMillion);
  // (buy - sell) * k < 2^40 * 2^20: no overflow in 128 bits, result <= buy.
  return Price(sell.value() + *mul_div_floor(buy.value() - sell.value(), k, kMillion));
}

}  // namespace wattle::market
