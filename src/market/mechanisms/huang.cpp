#include "market/mechanisms/huang.h"

#include "market/clearing/clearing_builder.h"
#include "market/clearing/sequence.h"

namespace wattle::market {

Result<Clearing> clear_huang(const Book& book, const Params& /*params*/) {
  const std::vector<uint32_t> buys = rank_by_price_id(book, Side::kBuy);
  const std::vector<uint32_t> sells = rank_by_price_id(book, Side::kSell);
  const Crossing c = cross(book, buys, sells);
  std::vector<Trade> trades;
  if (c.traded && c.last_buy > 0 && c.last_sell > 0) {
    std::vector<Quota> qb, qs;
    for (size_t r = 0; r < c.last_buy; ++r)
      qb.push_back({buys[r], book.orders[buys[r]].energy.value()});
    for (size_t r = 0; r < c.last_sell; ++r)
      qs.push_back({sells[r], book.orders[sells[r]].energy.value()});
    const int64_t vb = total_wh(qb), vs = total_wh(qs);
    if (vb > vs) ration_equally(book, qb, vs);
    if (vs > vb) ration_equally(book, qs, vb);
    pair_in_sequence(qb, qs, book.orders[buys[c.last_buy]].price,
                     book.orders[sells[c.last_sell]].price, trades);
  }
  return make_clearing("huang", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
