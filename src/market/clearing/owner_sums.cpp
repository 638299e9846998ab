#include "market/clearing/owner_sums.h"

#include <map>

namespace wattle::market {

std::vector<OwnerTotals> owner_totals(const Book& book, const Clearing& clearing) {
  std::map<std::string, OwnerTotals> by_owner;
  for (const Fill& f : clearing.fills) {
    if (f.order >= book.orders.size()) continue;
    const Order& o = book.orders[f.order];
    const std::string& name = o.owner.empty() ? o.id : o.owner;
    OwnerTotals& t = by_owner.try_emplace(name, OwnerTotals{name, {}, {}, {}, {}}).first->second;
    // Fill sums are bounded by the clearing's totals, which fit int64.
    if (o.side == Side::kBuy) {
      t.bought = Energy(t.bought.value() + f.energy.value());
      t.paid = Money(t.paid.value() + f.amount.value());
    } else {
      t.sold = Energy(t.sold.value() + f.energy.value());
      t.received = Money(t.received.value() + f.amount.value());
    }
  }
  std::vector<OwnerTotals> out;
  out.reserve(by_owner.size());
  for (auto& [name, t] : by_owner) out.push_back(std::move(t));
  return out;
}

}  // namespace wattle::market
