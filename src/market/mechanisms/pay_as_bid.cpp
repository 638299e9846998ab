#include "market/mechanisms/pay_as_bid.h"

#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"

namespace wattle::market {

Result<Clearing> clear_pay_as_bid(const Book& book, const Params& params) {
  Allocation a = welfare_max(merit_order(book));
  const int64_t k = params.get("k", kPayAsBidDefaultK);
  std::vector<Trade> trades;
  trades.reserve(a.matches.size());
  for (const Match& m : a.matches) trades.push_back(Trade{m.buy, m.sell, m.energy, {}, {}});
  // Self-trades are re-paired on the walk's pairs before pricing, exactly as
  // `uniform` re-pairs them (every pair of the walk crosses), so both trade
  // the same volume; then every pair, re-paired or not, at its own k-price.
  prevent_self_trades(book, trades);
  for (Trade& t : trades) {
    t.buy_price = k_price(book.orders[t.buy].price, book.orders[t.sell].price, k);
    t.sell_price = t.buy_price;
  }
  return make_clearing("pay-as-bid", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
