#include "market/clearing/clearing_builder.h"

#include <algorithm>
#include <limits>

namespace wattle::market {

namespace {

// Per order: exact money sum in Wh x micro/kWh (1000x micro-units), energy
// traded, and the sides it traded on. 32 bytes, and the book is only read in
// the final in-order pass: on large books the per-trade accesses are the cost.
using Exact = ClearingScratch::Account;
constexpr uint8_t kAsBuyer = 1;
constexpr uint8_t kAsSeller = 2;

std::optional<int64_t> round_milli(__int128 milli, Rounding r) {
  __int128 q = milli / kWhPerKwh;
  if (milli % kWhPerKwh != 0 && r == Rounding::kUp) q += 1;  // milli >= 0 here
  if (q > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return static_cast<int64_t>(q);
}

bool self_trade(const Book& book, uint32_t b, uint32_t s) {
  if (b >= book.orders.size() || s >= book.orders.size()) return false;
  const std::string& owner = book.orders[b].owner;
  return !owner.empty() && owner == book.orders[s].owner;
}

// Whether buy order b and sell order s cross at their limits.
bool crosses(const Book& book, uint32_t b, uint32_t s) {
  return book.orders[b].price >= book.orders[s].price;
}

// The one price of both re-paired trades of t = (b, s) and u = (b2, s2) when
// the kept prices do not fit: the midpoint of the two trades' buyer prices,
// kept within all four limits. That range is not empty: b-s and b2-s2 traded
// and b-s2, b2-s cross.
Price common_price(const Book& book, const Trade& t, const Trade& u) {
  const auto& o = book.orders;
  const Price lo = std::max(o[t.sell].price, o[u.sell].price);
  const Price hi = std::min(o[t.buy].price, o[u.buy].price);
  const int64_t a = t.buy_price.value(), b = u.buy_price.value();
  const Price mid(std::min(a, b) + (std::max(a, b) - std::min(a, b)) / 2);
  return std::clamp(mid, lo, hi);
}

}  // namespace

bool prevent_self_trades(const Book& book, std::vector<Trade>& trades) {
  bool any = false;
  for (const Trade& t : trades) any = any || self_trade(book, t.buy, t.sell);
  if (!any) return false;
  std::vector<Trade> swapped;
  size_t cursor = 0;  // where the search for a partner resumes: partners are used up in order
  for (size_t x = 0; x < trades.size(); ++x) {
    while (trades[x].energy.value() > 0 && self_trade(book, trades[x].buy, trades[x].sell)) {
      const Trade t = trades[x];
      std::optional<size_t> partner;
      for (size_t step = 0; step < trades.size() && !partner; ++step) {
        const size_t y = (cursor + step) % trades.size();
        const Trade& u = trades[y];
        if (y == x || u.energy.value() == 0 || u.buy == kGrid || u.sell == kGrid) continue;
        if (self_trade(book, t.buy, u.sell) || self_trade(book, u.buy, t.sell)) continue;
        if (!crosses(book, t.buy, u.sell) || !crosses(book, u.buy, t.sell)) continue;
        partner = y;
      }
      if (!partner) {  // only the owner itself is left to trade with: cancel from both
        trades[x].energy = Energy(0);
        break;
      }
      cursor = *partner;
      Trade& u = trades[*partner];
      const int64_t q = std::min(t.energy.value(), u.energy.value());
      if (u.sell_price <= t.buy_price && t.sell_price <= u.buy_price) {  // kept prices fit
        swapped.push_back(Trade{t.buy, u.sell, Energy(q), t.buy_price, u.sell_price});
        swapped.push_back(Trade{u.buy, t.sell, Energy(q), u.buy_price, t.sell_price});
      } else {
        const Price p = common_price(book, t, u);
        swapped.push_back(Trade{t.buy, u.sell, Energy(q), p, p});
        swapped.push_back(Trade{u.buy, t.sell, Energy(q), p, p});
      }
      trades[x].energy = Energy(t.energy.value() - q);
      u.energy = Energy(u.energy.value() - q);
    }
  }
  trades.insert(trades.end(), swapped.begin(), swapped.end());
  std::erase_if(trades, [](const Trade& t) { return t.energy.value() == 0; });
  return true;
}

void close_with_grid(const Book& book, std::vector<Trade>& trades, int64_t grid_buy,
                     int64_t grid_sell, std::vector<int64_t>* scratch, NettingScratch* netting) {
  if (grid_buy < 0 && grid_sell < 0) return;
  std::vector<int64_t> own;
  std::vector<int64_t>& left = scratch != nullptr ? *scratch : own;
  left.resize(book.orders.size());
  for (size_t i = 0; i < book.orders.size(); ++i) left[i] = book.orders[i].energy.value();
  for (const Trade& t : trades) {
    if (t.buy < left.size()) left[t.buy] -= t.energy.value();
    if (t.sell < left.size()) left[t.sell] -= t.energy.value();
  }
  // What an owner left unfilled on both sides is used at home (its meter
  // nets it): neither traded nor billed, so only the rest meets the grid.
  NettingScratch own_netting;
  net_owners(book, left, netting != nullptr ? *netting : own_netting);
  for (uint32_t i = 0; i < left.size(); ++i) {
    if (left[i] <= 0) continue;
    if (book.orders[i].side == Side::kBuy && grid_buy >= 0)
      trades.push_back(Trade{i, kGrid, Energy(left[i]), Price(grid_buy), Price(grid_buy)});
    if (book.orders[i].side == Side::kSell && grid_sell >= 0)
      trades.push_back(Trade{kGrid, i, Energy(left[i]), Price(grid_sell), Price(grid_sell)});
  }
}

Result<Clearing> make_clearing(std::string mechanism, const Book& book, std::vector<Trade> trades,
                               std::optional<Price> clearing_price) {
  Clearing c;
  c.trades = std::move(trades);
  ClearingScratch scratch;
  WATTLE_RETURN_IF_ERROR(make_clearing_into(mechanism, book, clearing_price, scratch, c));
  return c;
}

namespace {

// The clearing's exact sums (milli-units for money, Wh for energy).
struct Sums {
  __int128 grid_receives = 0, grid_pays = 0;  // exact, milli
  __int128 traded = 0, grid_traded = 0;
  __int128 buyers = 0, sellers = 0;  // rounded fill amounts
};

// Checks each trade and adds it to its orders' accounts (or the grid's).
Status account_trades(const std::vector<Trade>& trades, std::vector<Exact>& acc, Sums& sums) {
  const size_t n = acc.size();
  // Trades name orders in any order (merit order, arrival order): on large
  // books every access below is a cache miss, so fetch a few trades ahead.
  // Side and over-fill checks wait for the in-order pass over the book.
  constexpr size_t kPrefetch = 12;
  for (size_t k = 0; k < trades.size(); ++k) {
    if (k + kPrefetch < trades.size()) {
      const Trade& ahead = trades[k + kPrefetch];
      if (ahead.buy < n) __builtin_prefetch(&acc[ahead.buy], 1);
      if (ahead.sell < n) __builtin_prefetch(&acc[ahead.sell], 1);
    }
    const Trade& t = trades[k];
    if (t.energy.value() <= 0) return Status(Code::kInvalidArgument, "trade with energy <= 0");
    if (t.buy_price.value() < 0 || t.sell_price.value() < 0)
      return Status(Code::kInvalidArgument, "trade with a negative price");
    if (t.sell_price > t.buy_price)
      return Status(Code::kInvalidArgument, "trade pays the seller more than the buyer pays");
    if (t.buy == kGrid && t.sell == kGrid) return Status(Code::kInvalidArgument, "grid-grid trade");
    auto add = [&](uint32_t idx, uint8_t role, Price p) -> Status {
      if (idx >= n) return Status(Code::kInvalidArgument, "trade names an unknown order");
      Exact& e = acc[idx];
      e.roles |= role;
      e.milli += static_cast<__int128>(t.energy.value()) * p.value();
      if (__builtin_add_overflow(e.energy, t.energy.value(), &e.energy)) e.overflow = true;
      return Status::ok();
    };
    if (t.buy == kGrid) {
      sums.grid_pays += static_cast<__int128>(t.energy.value()) * t.buy_price.value();
    } else {
      WATTLE_RETURN_IF_ERROR(add(t.buy, kAsBuyer, t.buy_price));
    }
    if (t.sell == kGrid) {
      sums.grid_receives += static_cast<__int128>(t.energy.value()) * t.sell_price.value();
    } else {
      WATTLE_RETURN_IF_ERROR(add(t.sell, kAsSeller, t.sell_price));
    }
    if (t.buy != kGrid && t.sell != kGrid)
      sums.traded += t.energy.value();
    else
      sums.grid_traded += t.energy.value();
  }
  return Status::ok();
}

// One fill per traded order, in book order, each checked against its order's
// side and energy. Sets has_owners if any traded order has an owner.
Status fill_orders(const Book& book, const std::vector<Exact>& acc, Clearing& c, Sums& sums,
                   bool& has_owners) {
  for (uint32_t i = 0; i < acc.size(); ++i) {
    const Exact& e = acc[i];
    if (e.roles == 0) continue;
    const Order& o = book.orders[i];
    has_owners = has_owners || !o.owner.empty();
    const bool buy = o.side == Side::kBuy;
    if (e.roles != (buy ? kAsBuyer : kAsSeller))
      return Status(Code::kInvalidArgument, "trade has an order on the wrong side");
    if (e.overflow || e.energy > o.energy.value())
      return Status(Code::kInternal, "order \"" + o.id + "\" over-filled");
    auto amount = round_milli(e.milli, buy ? Rounding::kUp : Rounding::kDown);
    if (!amount) return Status(Code::kOverflow, "fill amount overflows");
    (buy ? sums.buyers : sums.sellers) += *amount;
    c.fills.push_back(Fill{i, Energy(e.energy), Money(*amount)});
  }
  return Status::ok();
}

// The clearing's totals, each within int64, and the check that no money is
// created.
Status set_totals(const Sums& s, Clearing& c) {
  auto receives = round_milli(s.grid_receives, Rounding::kDown);
  auto pays = round_milli(s.grid_pays, Rounding::kUp);
  constexpr __int128 kMax = std::numeric_limits<int64_t>::max();
  if (!receives || !pays || s.buyers > kMax || s.sellers > kMax || s.traded > kMax ||
      s.grid_traded > kMax)
    return Status(Code::kOverflow, "clearing totals overflow");
  __int128 grid_net = static_cast<__int128>(*receives) - *pays;
  __int128 surplus = s.buyers - s.sellers - grid_net;
  if (surplus < 0) return Status(Code::kInternal, "negative surplus: money would be created");
  c.totals =
      Totals{Energy(static_cast<int64_t>(s.traded)), Energy(static_cast<int64_t>(s.grid_traded)),
             Money(static_cast<int64_t>(s.buyers)),  Money(static_cast<int64_t>(s.sellers)),
             Money(static_cast<int64_t>(grid_net)),  Money(static_cast<int64_t>(surplus))};
  return Status::ok();
}

}  // namespace

Status make_clearing_into(std::string_view mechanism, const Book& book,
                          std::optional<Price> clearing_price, ClearingScratch& scratch,
                          Clearing& out) {
  std::vector<Exact>& acc = scratch.accounts;
  acc.assign(book.orders.size(), Exact{});
  Sums sums;
  WATTLE_RETURN_IF_ERROR(account_trades(out.trades, acc, sums));
  Clearing& c = out;
  c.mechanism.assign(mechanism);
  c.clearing_price = clearing_price;
  c.fills.clear();
  // Whether any traded order has an owner, learned in the pass over the
  // book, so books without owners pay nothing for self-trade prevention.
  bool has_owners = false;
  WATTLE_RETURN_IF_ERROR(fill_orders(book, acc, c, sums, has_owners));
  // Rare path: re-pair self-trades, then account again from the start (once:
  // prevent_self_trades leaves none). If no trade between orders is left,
  // nothing traded at the stated price: there is none (null).
  if (has_owners && prevent_self_trades(book, out.trades)) {
    const bool any = std::any_of(out.trades.begin(), out.trades.end(),
                                 [](const Trade& t) { return t.buy != kGrid && t.sell != kGrid; });
    return make_clearing_into(mechanism, book, any ? clearing_price : std::nullopt, scratch, out);
  }
  return set_totals(sums, c);
}

}  // namespace wattle::market
