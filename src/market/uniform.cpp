#include "market/uniform.h"

#include "market/clearing_builder.h"
#include "market/merit_order.h"

namespace wattle::market {

Result<Clearing> clear_uniform(const Book& book, const Params& params) {
  Allocation a = welfare_max(merit_order(book));
  if (a.matches.empty()) return make_clearing("uniform", book, {}, std::nullopt);
  Price p = clearing_price(a, params.get("k", kDefaultK));
  std::vector<Trade> trades;
  trades.reserve(a.matches.size());
  for (const Match& m : a.matches) trades.push_back(Trade{m.buy, m.sell, m.energy, p, p});
  return make_clearing("uniform", book, std::move(trades), p);
}

}  // namespace wattle::market
