#include "market/mechanisms/pay_as_bid.h"

#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"

namespace wattle::market {

Result<Clearing> clear_pay_as_bid(const Book& book, const Params& params) {
  Allocation a = welfare_max(merit_order(book));
  const int64_t k = params.get("k", kPayAsBidDefaultK);
  std::vector<Trade> trades;
  trades.reserve(a.matches.size());
  for (const Match& m : a.matches) {
    Price p = k_price(m.buy_limit, m.sell_limit, k);
    trades.push_back(Trade{m.buy, m.sell, m.energy, p, p});
  }
  return make_clearing("pay-as-bid", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
