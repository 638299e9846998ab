#include "market/mechanisms/muda.h"

#include <algorithm>
#include <optional>

#include "market/clearing/clearing_builder.h"
#include "market/clearing/sequence.h"

namespace wattle::market {

uint64_t splitmix64_next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// One half trading at the other half's price p.
void trade_half(const Book& book, std::span<const uint32_t> half,
                const std::vector<MudaDraw>& draws, Price p, std::vector<Trade>& trades) {
  std::vector<Quota> qb, qs;
  for (uint32_t i : half) {
    const Order& o = book.orders[i];
    if (o.side == Side::kBuy && o.price >= p) qb.push_back({i, o.energy.value()});
    if (o.side == Side::kSell && o.price <= p) qs.push_back({i, o.energy.value()});
  }
  const auto lottery = [&](const Quota& a, const Quota& b) {
    if (draws[a.order].lottery != draws[b.order].lottery)
      return draws[a.order].lottery < draws[b.order].lottery;
    return book.orders[a.order].id < book.orders[b.order].id;
  };
  std::sort(qb.begin(), qb.end(), lottery);
  std::sort(qs.begin(), qs.end(), lottery);
  // pair_in_sequence stops at the short side's total: the long side is served
  // in lottery order.
  pair_in_sequence(qb, qs, p, p, trades);
}

}  // namespace

MudaDraw muda_draw(uint64_t seed, const std::string& id) {
  uint64_t state = seed ^ fnv1a64(id);
  MudaDraw d;
  d.right = (splitmix64_next(state) >> 63) != 0;
  d.lottery = splitmix64_next(state);
  return d;
}

Result<Clearing> clear_muda(const Book& book, const Params& params) {
  const uint64_t seed = static_cast<uint64_t>(params.get("seed", 0));
  std::vector<MudaDraw> draws(book.orders.size());
  std::vector<uint32_t> left, right;
  for (uint32_t i = 0; i < book.orders.size(); ++i) {
    draws[i] = muda_draw(seed, book.orders[i].id);
    (draws[i].right ? right : left).push_back(i);
  }
  // A half whose buyers and sellers do not cross (or that lacks a side) has
  // no competitive price: the other half then has no price to trade at.
  auto half_price = [&](std::span<const uint32_t> half) -> std::optional<Price> {
    const std::vector<uint32_t> b = rank_by_price_id(book, Side::kBuy, half);
    const std::vector<uint32_t> s = rank_by_price_id(book, Side::kSell, half);
    if (!cross(book, b, s).traded) return std::nullopt;
    return competitive_price(book, b, s);
  };
  const std::optional<Price> p_left = half_price(left);
  const std::optional<Price> p_right = half_price(right);
  std::vector<Trade> trades;
  if (p_right) trade_half(book, left, draws, *p_right, trades);
  if (p_left) trade_half(book, right, draws, *p_left, trades);
  return make_clearing("muda", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
