#include "market/mechanisms/pro_rata.h"

#include <algorithm>

#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"
#include "market/mechanisms/uniform.h"

namespace wattle::market {

namespace {

// Fills for one side, parallel to `side` (merit order): full for orders better
// than `marginal`, proportional shares of what is left of `volume` at it.
std::vector<int64_t> side_fills(const Book& book, const std::vector<Ranked>& side, Price marginal,
                                int64_t volume) {
  std::vector<int64_t> fill(side.size(), 0);
  size_t i = 0;
  int64_t left = volume;
  for (; i < side.size() && side[i].price != marginal; ++i) {
    fill[i] = side[i].energy.value();
    left -= fill[i];
  }
  const size_t first = i;
  __int128 level_energy = 0;
  for (; i < side.size() && side[i].price == marginal; ++i) level_energy += side[i].energy.value();
  const size_t end = i;
  if (left == level_energy) {
    for (size_t t = first; t < end; ++t) fill[t] = side[t].energy.value();
    return fill;
  }
  // left < level_energy here (the walk stopped inside the level).
  struct Frac {
    __int128 rem;
    size_t pos;
  };
  std::vector<Frac> fracs;
  int64_t given = 0;
  for (size_t t = first; t < end; ++t) {
    __int128 num = static_cast<__int128>(left) * side[t].energy.value();
    fill[t] = static_cast<int64_t>(num / level_energy);
    given += fill[t];
    fracs.push_back(Frac{num % level_energy, t});
  }
  const size_t extra = static_cast<size_t>(left - given);  // < number of orders at the level
  auto before = [&](const Frac& a, const Frac& b) {
    if (a.rem != b.rem) return a.rem > b.rem;
    const Ranked& x = side[a.pos];
    const Ranked& y = side[b.pos];
    if (x.energy != y.energy) return x.energy > y.energy;
    return book.orders[x.order].id < book.orders[y.order].id;
  };
  std::partial_sort(fracs.begin(), fracs.begin() + static_cast<ptrdiff_t>(extra), fracs.end(),
                    before);
  for (size_t t = 0; t < extra; ++t) fill[fracs[t].pos] += 1;
  return fill;
}

}  // namespace

Result<Clearing> clear_pro_rata(const Book& book, const Params& params) {
  MeritOrder mo = merit_order(book);
  Allocation a = welfare_max(mo);
  if (a.matches.empty()) return make_clearing("pro-rata", book, {}, std::nullopt);
  const Price p = clearing_price(a, params.get("k", kDefaultK));
  const int64_t q = a.volume.value();
  std::vector<int64_t> bf = side_fills(book, mo.buys, *a.marginal_buy, q);
  std::vector<int64_t> sf = side_fills(book, mo.sells, *a.marginal_sell, q);
  std::vector<Trade> trades;
  size_t i = 0, j = 0;
  while (true) {
    while (i < bf.size() && bf[i] == 0) ++i;
    while (j < sf.size() && sf[j] == 0) ++j;
    if (i == bf.size() || j == sf.size()) break;
    int64_t e = std::min(bf[i], sf[j]);
    trades.push_back(Trade{mo.buys[i].order, mo.sells[j].order, Energy(e), p, p});
    bf[i] -= e;
    sf[j] -= e;
  }
  return make_clearing("pro-rata", book, std::move(trades), p);
}

}  // namespace wattle::market
