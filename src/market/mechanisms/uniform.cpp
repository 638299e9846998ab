#include "market/mechanisms/uniform.h"

#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"

namespace wattle::market {

Status clear_uniform_into(const Book& book, const Params& params, ClearingWorkspace& ws,
                          Clearing& out) {
  merit_order_into(book, ws.merit, ws.order);
  welfare_max_into(ws.order, ws.allocation);
  const Allocation& a = ws.allocation;
  out.trades.clear();
  if (a.matches.empty()) return make_clearing_into("uniform", book, std::nullopt, ws.build, out);
  const Price p = clearing_price(a, params.get("k", kDefaultK));
  out.trades.reserve(a.matches.size());
  for (const Match& m : a.matches) out.trades.push_back(Trade{m.buy, m.sell, m.energy, p, p});
  return make_clearing_into("uniform", book, p, ws.build, out);
}

Result<Clearing> clear_uniform(const Book& book, const Params& params) {
  ClearingWorkspace ws;
  Clearing c;
  WATTLE_RETURN_IF_ERROR(clear_uniform_into(book, params, ws, c));
  return c;
}

}  // namespace wattle::market
