#include "market/book/book.h"

#include <limits>
#include <string_view>

#include "market/book/id_index.h"

namespace wattle::market {

namespace {

// The counterparty name the JSON output uses for the grid; no order may take it.
constexpr std::string_view kGridName = "grid";

std::string who(std::string_view kind, const std::string& id, size_t index) {
  if (id.empty()) return std::string(kind) + " #" + std::to_string(index);
  return std::string(kind) + " \"" + id + "\"";
}

Status bad(Code code, std::string_view kind, const std::string& id, size_t index,
           const std::string& what) {
  return Status(code, who(kind, id, index) + ": " + what);
}

Status check_id(std::string_view kind, const std::string& id, size_t index,
                const BookLimits& limits) {
  if (id.empty()) return bad(Code::kInvalidArgument, kind, id, index, "id must not be empty");
  if (id.size() > limits.max_id_length)
    return bad(Code::kInvalidArgument, kind, id.substr(0, limits.max_id_length) + "...", index,
               "id longer than " + std::to_string(limits.max_id_length) + " characters");
  if (id == kGridName)
    return bad(Code::kInvalidArgument, kind, id, index, "id \"grid\" is reserved for the grid");
  return Status::ok();
}

constexpr uint64_t kMaxTime = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// An order's side, quantities, time and attributes within the book's limits.
Status check_order_values(const Order& o, size_t i, const BookLimits& limits) {
  if (o.side != Side::kBuy && o.side != Side::kSell)
    return bad(Code::kInvalidArgument, "order", o.id, i, "side must be buy or sell");
  if (o.energy.value() <= 0)
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "energy_wh must be > 0 (got " + std::to_string(o.energy.value()) + ")");
  if (o.energy.value() > limits.max_energy_wh)
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "energy_wh " + std::to_string(o.energy.value()) + " over the maximum of " +
                   std::to_string(limits.max_energy_wh));
  if (o.price.value() < 0)
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "price must be >= 0 (got " + std::to_string(o.price.value()) + ")");
  if (o.price.value() > limits.max_price)
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "price " + std::to_string(o.price.value()) + " over the maximum of " +
                   std::to_string(limits.max_price));
  if (o.time > kMaxTime)
    return bad(Code::kInvalidArgument, "order", o.id, i, "time over the maximum of 2^63-1");
  if (o.location) {
    auto far = [&](int64_t v) {
      return v > limits.max_coordinate_m || v < -limits.max_coordinate_m;
    };
    if (far(o.location->x) || far(o.location->y))
      return bad(Code::kInvalidArgument, "order", o.id, i,
                 "location coordinate beyond +/-" + std::to_string(limits.max_coordinate_m) + " m");
  }
  if (o.green_pct && (*o.green_pct < 0 || *o.green_pct > 100))
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "green_pct must be in 0..100 (got " + std::to_string(*o.green_pct) + ")");
  return Status::ok();
}

// An order's owner and partners (book.h), and require_green on buys only.
Status check_order_parties(const Order& o, size_t i) {
  if (o.owner.size() > kMaxOwnerLength)
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "owner longer than " + std::to_string(kMaxOwnerLength) + " bytes");
  if (o.owner == kGridName)
    return bad(Code::kInvalidArgument, "order", o.id, i, "owner \"grid\" is reserved for the grid");
  if (o.partners.size() > kMaxPartners)
    return bad(Code::kInvalidArgument, "order", o.id, i,
               "partners has " + std::to_string(o.partners.size()) +
                   " owners, over the maximum of " + std::to_string(kMaxPartners));
  for (size_t k = 0; k < o.partners.size(); ++k) {
    const std::string& p = o.partners[k];
    const std::string field = "partners[" + std::to_string(k) + "]";
    if (p.empty() || p.size() > kMaxOwnerLength)
      return bad(Code::kInvalidArgument, "order", o.id, i,
                 field + " must be an owner of 1.." + std::to_string(kMaxOwnerLength) + " bytes");
    if (p == o.owner)
      return bad(Code::kInvalidArgument, "order", o.id, i,
                 field + " names the order's own owner \"" + p + "\"");
  }
  if (o.require_green && o.side != Side::kBuy)
    return bad(Code::kInvalidArgument, "order", o.id, i, "require_green is for buy orders only");
  return Status::ok();
}

// Adds the order to its side's totals, in 128 bits; every mechanism's sums
// stay below the limits on these (book.h).
Status add_to_side_totals(const Order& o, size_t i, const BookLimits& limits,
                          __int128 side_energy[2], __int128 side_money[2]) {
  const __int128 money = static_cast<__int128>(o.energy.value()) * o.price.value() / kWhPerKwh;
  side_energy[o.side == Side::kSell] += o.energy.value();
  side_money[o.side == Side::kSell] += money;
  if (side_energy[o.side == Side::kSell] > limits.max_side_energy_wh)
    return bad(Code::kTooLarge, "order", o.id, i,
               std::string("the book's total ") + (o.side == Side::kBuy ? "demand" : "supply") +
                   " passes " + std::to_string(limits.max_side_energy_wh) + " Wh here");
  if (side_money[o.side == Side::kSell] > limits.max_side_money)
    return bad(Code::kTooLarge, "order", o.id, i,
               std::string("the book's total ") + (o.side == Side::kBuy ? "bids" : "asks") +
                   " (energy x price) pass " + std::to_string(limits.max_side_money) +
                   " micro-units here");
  return Status::ok();
}

// Each cancel: a fresh id (in the id space the orders share) naming an
// order of the book.
Status check_cancels(const Book& book, const BookLimits& limits, IdIndex& ids) {
  const uint32_t kCancelTag = 0x80000000u;
  for (size_t i = 0; i < book.cancels.size(); ++i) {
    const Cancel& c = book.cancels[i];
    WATTLE_RETURN_IF_ERROR(check_id("cancel", c.id, i, limits));
    if (!ids.insert(c.id, kCancelTag | static_cast<uint32_t>(i)))
      return bad(Code::kDuplicate, "cancel", c.id, i, "duplicate id");
    auto target = ids.find(c.target);
    if (!target || (*target & kCancelTag) != 0)
      return bad(Code::kNotFound, "cancel", c.id, i,
                 "cancel names \"" + c.target + "\", which is not an order in the book");
    if (c.time > kMaxTime)
      return bad(Code::kInvalidArgument, "cancel", c.id, i, "time over the maximum of 2^63-1");
    if (c.orders_before > book.orders.size())
      return bad(Code::kInvalidArgument, "cancel", c.id, i, "position beyond the last order");
  }
  return Status::ok();
}

}  // namespace

Status validate(const Book& book, const BookLimits& limits) {
  const size_t entries = book.orders.size() + book.cancels.size();
  if (entries > limits.max_entries || entries >= (size_t{1} << 31))
    return Status(Code::kTooLarge, "book: orders has " + std::to_string(entries) +
                                       " entries, over the maximum of " +
                                       std::to_string(limits.max_entries));
  // Orders and cancels share one id space.
  IdIndex ids(entries);
  __int128 side_energy[2] = {0, 0}, side_money[2] = {0, 0};
  for (size_t i = 0; i < book.orders.size(); ++i) {
    const Order& o = book.orders[i];
    WATTLE_RETURN_IF_ERROR(check_id("order", o.id, i, limits));
    if (!ids.insert(o.id, static_cast<uint32_t>(i)))
      return bad(Code::kDuplicate, "order", o.id, i, "duplicate id");
    WATTLE_RETURN_IF_ERROR(check_order_values(o, i, limits));
    WATTLE_RETURN_IF_ERROR(check_order_parties(o, i));
    WATTLE_RETURN_IF_ERROR(add_to_side_totals(o, i, limits, side_energy, side_money));
  }
  return check_cancels(book, limits, ids);
}

}  // namespace wattle::market
