#include "market/mechanisms/cda.h"

#include "market/book/book_events.h"
#include "market/book/order_book.h"
#include "market/clearing/clearing_builder.h"

namespace wattle::market {

Result<Clearing> clear_cda(const Book& book, const Params&) {
  std::vector<int64_t> prices;
  prices.reserve(book.orders.size());
  for (const Order& o : book.orders) prices.push_back(o.price.value());
  OrderBook ob(PriceLadder::of(std::move(prices)), static_cast<uint32_t>(book.orders.size()));
  const std::vector<uint32_t> target = cancel_targets(book);
  std::vector<Trade> trades;
  for (const BookEvent& e : events_in_time_order(book)) {
    if (e.is_order) {
      const Order& o = book.orders[e.index];
      WATTLE_RETURN_IF_ERROR(ob.add(e.index, o.side, o.price, o.energy, &trades));
    } else {
      // A target that is not resting (traded in full, or not yet arrived) is ignored.
      const uint32_t t = target[e.index];
      if (ob.resting(t)) WATTLE_RETURN_IF_ERROR(ob.cancel(t));
    }
  }
  return make_clearing("cda", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
