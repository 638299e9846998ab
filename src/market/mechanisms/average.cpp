#include "market/mechanisms/average.h"

#include "market/clearing/clearing_builder.h"
#include "market/clearing/sequence.h"

namespace wattle::market {

Result<Clearing> clear_average(const Book& book, const Params& /*params*/) {
  const std::vector<uint32_t> buys = rank_by_price_id(book, Side::kBuy);
  const std::vector<uint32_t> sells = rank_by_price_id(book, Side::kSell);
  if (!cross(book, buys, sells).traded) return make_clearing("average", book, {}, std::nullopt);
  const Price price = competitive_price(book, buys, sells);
  // The greedy walk again, as quotas: every order trading at `price` is one
  // the walk reaches, and pair_in_sequence stops where the walk does.
  std::vector<Quota> qb, qs;
  for (uint32_t i : buys)
    if (book.orders[i].price >= price) qb.push_back({i, book.orders[i].energy.value()});
  for (uint32_t i : sells)
    if (book.orders[i].price <= price) qs.push_back({i, book.orders[i].energy.value()});
  std::vector<Trade> trades;
  pair_in_sequence(qb, qs, price, price, trades);
  return make_clearing("average", book, std::move(trades), price);
}

}  // namespace wattle::market
