#include "market/clearing/merit_order.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace wattle::market {

namespace {

constexpr int kIndexBits = 21;  // packed (key << 21 | index) while n < 2^21
constexpr int kDigitBits = 11;
constexpr uint64_t kDigitMask = (1u << kDigitBits) - 1;
constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;

using Packed = MeritScratch::Packed;

// Stable LSD radix sort by key only: records start in index order, so equal
// keys keep index order. `tmp` is scratch (reused across calls).
void radix_sort(std::vector<Packed>& v, std::vector<Packed>& tmp, int key_bits) {
  tmp.resize(v.size());
  for (int shift = kIndexBits; shift < kIndexBits + key_bits; shift += kDigitBits) {
    uint32_t count[kDigitMask + 2] = {};
    for (const Packed& x : v) ++count[((x.key_index >> shift) & kDigitMask) + 1];
    for (size_t d = 1; d < kDigitMask + 2; ++d) count[d] += count[d - 1];
    for (const Packed& x : v) tmp[count[(x.key_index >> shift) & kDigitMask]++] = x;
    v.swap(tmp);
  }
}

// One side under construction: compact records (raw price << 21 | index,
// energy) gathered in one pass over the book, in index order.
struct SideRecords {
  std::vector<Packed>& recs;
  int64_t lo = 0, hi = 0;
  uint64_t last_time = 0;
  bool times_monotone = true;

  void add(uint32_t i, const Order& o) {
    const int64_t p = o.price.value();
    if (recs.empty()) {
      lo = hi = p;
    } else {
      lo = std::min(lo, p);
      hi = std::max(hi, p);
      if (o.time < last_time) times_monotone = false;
    }
    last_time = o.time;
    recs.push_back(Packed{static_cast<uint64_t>(p) << kIndexBits | i, o.energy.value()});
  }
};

void comparison_sort(const Book& book, std::vector<Ranked>& v, bool descending) {
  std::sort(v.begin(), v.end(), [&](const Ranked& a, const Ranked& b) {
    if (a.price != b.price) return descending ? a.price > b.price : a.price < b.price;
    const uint64_t ta = book.orders[a.order].time, tb = book.orders[b.order].time;
    if (ta != tb) return ta < tb;
    return a.order < b.order;
  });
}

// Fast path: times non-decreasing in index order (the JSON reader's default,
// and the ledger's) so (price, index) is the priority, and price range and
// index fit the packed key: radix sort. Otherwise a comparison sort on
// (price, time, index).
void sort_side(const Book& book, SideRecords& side, bool descending, std::vector<Packed>& tmp,
               std::vector<Ranked>& out) {
  std::vector<Packed>& recs = side.recs;
  out.clear();
  out.reserve(recs.size());
  const uint64_t range = static_cast<uint64_t>(side.hi - side.lo);
  const int key_bits = std::max(1, static_cast<int>(std::bit_width(range)));
  // (sort_both guarantees indices fit kIndexBits.)
  const bool radix = side.times_monotone && recs.size() >= 64 &&
                     side.hi < (int64_t{1} << (64 - kIndexBits)) && key_bits <= 64 - kIndexBits;
  if (!radix) {
    for (const Packed& r : recs) {
      const uint32_t i = static_cast<uint32_t>(r.key_index & kIndexMask);
      out.push_back(Ranked{i, book.orders[i].price, Energy(r.energy)});
    }
    comparison_sort(book, out, descending);
    return;
  }
  for (Packed& r : recs) {
    const int64_t p = static_cast<int64_t>(r.key_index >> kIndexBits);
    const uint64_t key = static_cast<uint64_t>(descending ? side.hi - p : p - side.lo);
    r.key_index = key << kIndexBits | (r.key_index & kIndexMask);
  }
  radix_sort(recs, tmp, key_bits);
  for (const Packed& r : recs) {
    const int64_t key = static_cast<int64_t>(r.key_index >> kIndexBits);
    out.push_back(Ranked{static_cast<uint32_t>(r.key_index & kIndexMask),
                         Price(descending ? side.hi - key : side.lo + key), Energy(r.energy)});
  }
}

template <typename Indices>
void sort_both(const Book& book, const Indices& indices, size_t n, MeritScratch& scratch,
               MeritOrder& out) {
  out.buys.clear();
  out.sells.clear();
  if (book.orders.size() >= (size_t{1} << kIndexBits)) {  // indices do not fit the packing
    for (uint32_t i : indices) {
      const Order& o = book.orders[i];
      (o.side == Side::kBuy ? out.buys : out.sells).push_back(Ranked{i, o.price, o.energy});
    }
    comparison_sort(book, out.buys, true);
    comparison_sort(book, out.sells, false);
    return;
  }
  scratch.buys.clear();
  scratch.sells.clear();
  SideRecords buys{scratch.buys}, sells{scratch.sells};
  buys.recs.reserve(n);
  sells.recs.reserve(n);
  for (uint32_t i : indices) {
    const Order& o = book.orders[i];
    (o.side == Side::kBuy ? buys : sells).add(i, o);
  }
  sort_side(book, buys, true, scratch.tmp, out.buys);
  sort_side(book, sells, false, scratch.tmp, out.sells);
}

// Indices 0..n-1 without materializing them.
struct Iota {
  uint32_t n;
  struct It {
    uint32_t v;
    uint32_t operator*() const { return v; }
    It& operator++() {
      ++v;
      return *this;
    }
    bool operator!=(const It& o) const { return v != o.v; }
  };
  It begin() const { return {0}; }
  It end() const { return {n}; }
};

}  // namespace

void merit_order_into(const Book& book, MeritScratch& scratch, MeritOrder& out) {
  sort_both(book, Iota{static_cast<uint32_t>(book.orders.size())}, book.orders.size(), scratch,
            out);
}

MeritOrder merit_order(const Book& book) {
  MeritScratch scratch;
  MeritOrder mo;
  merit_order_into(book, scratch, mo);
  return mo;
}

MeritOrder merit_order(const Book& book, std::span<const uint32_t> candidates) {
  // Index order first, so the radix sort's ties follow index.
  std::vector<uint32_t> sorted(candidates.begin(), candidates.end());
  if (!std::is_sorted(sorted.begin(), sorted.end())) std::sort(sorted.begin(), sorted.end());
  MeritScratch scratch;
  MeritOrder mo;
  sort_both(book, sorted, sorted.size(), scratch, mo);
  return mo;
}

Allocation welfare_max(const MeritOrder& mo) {
  Allocation a;
  welfare_max_into(mo, a);
  return a;
}

void welfare_max_into(const MeritOrder& mo, Allocation& a) {
  a.matches.clear();
  a.marginal_buy.reset();
  a.marginal_sell.reset();
  a.matches.reserve(std::min(mo.buys.size() + mo.sells.size(), size_t{1} << 20));
  size_t i = 0, j = 0;
  int64_t rem_b = 0, rem_s = 0;
  int64_t volume = 0;
  while (i < mo.buys.size() && j < mo.sells.size()) {
    const Ranked& b = mo.buys[i];
    const Ranked& s = mo.sells[j];
    if (b.price < s.price) break;
    if (rem_b == 0) rem_b = b.energy.value();
    if (rem_s == 0) rem_s = s.energy.value();
    const int64_t q = std::min(rem_b, rem_s);
    a.matches.push_back(Match{b.order, s.order, Energy(q), b.price, s.price});
    a.marginal_buy = b.price;
    a.marginal_sell = s.price;
    volume += q;  // <= total energy of one side; validated books keep it in int64
    rem_b -= q;
    rem_s -= q;
    if (rem_b == 0) ++i;
    if (rem_s == 0) ++j;
  }
  a.volume = Energy(volume);
  if (!a.matches.empty()) {
    // i, j: the first buyer and seller not filled in full (the walk only
    // advances past an order once it is).
    a.range_lo = *a.marginal_sell;
    a.range_hi = *a.marginal_buy;
    if (i < mo.buys.size()) a.range_lo = std::max(a.range_lo, mo.buys[i].price);
    if (j < mo.sells.size()) a.range_hi = std::min(a.range_hi, mo.sells[j].price);
  }
}

Price clearing_price(const Allocation& a, int64_t k) {
  return k_price(a.range_hi, a.range_lo, k);
}

Price k_price(Price buy, Price sell, int64_t k) {
  assert(sell <= buy && k >= 0 && k <= kMillion);
  // (buy - sell) * k < 2^40 * 2^20: no overflow in 128 bits, result <= buy.
  return Price(sell.value() + *mul_div_floor(buy.value() - sell.value(), k, kMillion));
}

}  // namespace wattle::market
