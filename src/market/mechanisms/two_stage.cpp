#include "market/mechanisms/two_stage.h"

#include <algorithm>

#include "market/book/book_events.h"
#include "market/book/order_book.h"
#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"
#include "market/mechanisms/uniform.h"

namespace wattle::market {

namespace {

uint64_t median_time(const Book& book) {
  if (book.orders.empty()) return 0;
  std::vector<uint64_t> t;
  t.reserve(book.orders.size());
  for (const Order& o : book.orders) t.push_back(o.time);
  auto mid = t.begin() + static_cast<ptrdiff_t>((t.size() - 1) / 2);
  std::nth_element(t.begin(), mid, t.end());
  return *mid;
}

}  // namespace

Result<Clearing> clear_two_stage(const Book& book, const Params& params) {
  const int64_t open_param = params.get("open", -1);
  const uint64_t open = open_param < 0 ? median_time(book) : static_cast<uint64_t>(open_param);
  const std::vector<BookEvent> events = events_in_time_order(book);
  const std::vector<uint32_t> target = cancel_targets(book);

  // Stage 1: who is present at open.
  std::vector<char> present(book.orders.size(), 0);
  size_t e = 0;
  for (; e < events.size() && events[e].time <= open; ++e) {
    const BookEvent& ev = events[e];
    if (ev.is_order)
      present[ev.index] = 1;
    else if (target[ev.index] != kNoOrder)
      present[target[ev.index]] = 0;
  }
  std::vector<uint32_t> call;
  for (uint32_t i = 0; i < book.orders.size(); ++i)
    if (present[i]) call.push_back(i);
  const MeritOrder mo = merit_order(book, call);
  const Allocation a = welfare_max(mo);
  std::optional<Price> call_price;
  std::vector<Trade> trades;
  std::vector<int64_t> left(book.orders.size(), 0);
  for (uint32_t i : call) left[i] = book.orders[i].energy.value();
  if (!a.matches.empty()) {
    call_price = clearing_price(a, params.get("k", kDefaultK));
    for (const Match& m : a.matches) {
      trades.push_back(Trade{m.buy, m.sell, m.energy, *call_price, *call_price});
      left[m.buy] -= m.energy.value();
      left[m.sell] -= m.energy.value();
    }
  }

  // Stage 2: residuals rest in priority order (earliest first), then the rest streams in.
  std::vector<int64_t> prices;
  prices.reserve(book.orders.size());
  for (const Order& o : book.orders) prices.push_back(o.price.value());
  OrderBook ob(PriceLadder::of(std::move(prices)), static_cast<uint32_t>(book.orders.size()));
  const size_t call_trades = trades.size();
  for (size_t x = 0; x < e; ++x) {
    const BookEvent& ev = events[x];
    if (!ev.is_order || !present[ev.index] || left[ev.index] == 0) continue;
    const Order& o = book.orders[ev.index];
    WATTLE_RETURN_IF_ERROR(ob.add(ev.index, o.side, o.price, Energy(left[ev.index]), &trades));
  }
  if (trades.size() != call_trades)
    return Status(Code::kInternal, "two-stage: call auction left a crossed book");
  for (; e < events.size(); ++e) {
    const BookEvent& ev = events[e];
    if (ev.is_order) {
      const Order& o = book.orders[ev.index];
      WATTLE_RETURN_IF_ERROR(ob.add(ev.index, o.side, o.price, o.energy, &trades));
    } else if (target[ev.index] != kNoOrder && ob.resting(target[ev.index])) {
      WATTLE_RETURN_IF_ERROR(ob.cancel(target[ev.index]));
    }
  }
  return make_clearing("two-stage", book, std::move(trades), call_price);
}

}  // namespace wattle::market
