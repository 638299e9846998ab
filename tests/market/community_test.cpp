// Community pricing (mmr, sdr, bill-sharing): hand-computed books in both the
// importing and the exporting case, bad parameters, and properties on random
// books: whole energy served, budget balance, the formulas' totals, line order.
#include "market/mechanisms/community.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"

namespace wattle::market {
namespace {

using testing::TradeKey;

Order household(std::string id, Side side, int64_t wh) {
  Order o;
  o.id = std::move(id);
  o.side = side;
  o.energy = Energy(wh);
  o.price = Price(123456);  // ignored by community pricing
  return o;
}

Params tariffs(int64_t buy, int64_t sell) {
  Params p;
  p.values = {{"grid_buy", buy}, {"grid_sell", sell}};
  return p;
}

// G = 2000 < D = 4000: the community imports 2000 Wh.
Book importing() {
  Book b;
  b.orders = {household("h1", Side::kBuy, 3000), household("h2", Side::kBuy, 1000),
              household("p1", Side::kSell, 2000)};
  return b;
}

// G = 4000 > D = 1000: the community exports 3000 Wh.
Book exporting() {
  Book b;
  b.orders = {household("h1", Side::kBuy, 1000), household("p1", Side::kSell, 3000),
              household("p2", Side::kSell, 1000)};
  return b;
}

int64_t fill_amount(const Clearing& c, uint32_t order) {
  for (const Fill& f : c.fills)
    if (f.order == order) return f.amount.value();
  return -1;
}

TEST(Mmr, ImportingHandComputed) {
  // P = 175000. Buyers share G pro rata: h1 1500, h2 500 at P; the rest from
  // the grid at 300000. Each buyer's average: (175000·2000 + 300000·2000)/4000
  // = 237500 per kWh: h1 pays 712500, h2 237500; p1 gets 2000 x P = 350000.
  const Book book = importing();
  auto c = clear_mmr(book, tariffs(300000, 50000));
  ASSERT_TRUE(c) << c.status().to_string();
  const std::vector<TradeKey> want = {{"h1", "p1", 1500, 175000, 175000},
                                      {"h2", "p1", 500, 175000, 175000},
                                      {"h1", "grid", 1500, 300000, 300000},
                                      {"h2", "grid", 500, 300000, 300000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
  EXPECT_EQ(fill_amount(*c, 0), 712500);
  EXPECT_EQ(fill_amount(*c, 1), 237500);
  EXPECT_EQ(fill_amount(*c, 2), 350000);
  EXPECT_EQ(c->totals.grid_net.value(), 600000);
  EXPECT_EQ(c->totals.surplus.value(), 0);
  EXPECT_EQ(c->clearing_price, Price(175000));
}

TEST(Mmr, ExportingHandComputed) {
  // Buyers pay P = 175000. Sellers share D = 1000 pro rata (p1 750, p2 250)
  // and export the rest at 50000: p1 gets 750·175 + 2250·50 = 243750, which
  // is 3000 x (175000·1000 + 50000·3000)/4000 = 3000 x 81250 per kWh.
  const Book book = exporting();
  auto c = clear_mmr(book, tariffs(300000, 50000));
  ASSERT_TRUE(c) << c.status().to_string();
  const std::vector<TradeKey> want = {{"h1", "p1", 750, 175000, 175000},
                                      {"h1", "p2", 250, 175000, 175000},
                                      {"grid", "p1", 2250, 50000, 50000},
                                      {"grid", "p2", 750, 50000, 50000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
  EXPECT_EQ(fill_amount(*c, 0), 175000);
  EXPECT_EQ(fill_amount(*c, 1), 243750);
  EXPECT_EQ(fill_amount(*c, 2), 81250);
  EXPECT_EQ(c->totals.grid_net.value(), -150000);
  EXPECT_EQ(c->totals.surplus.value(), 0);
}

TEST(Mmr, OddTariffSumRoundsBuyersUpSellersDown) {
  // λb + λs = 350001: P = 175000.5. The trade rows carry 175001 / 175000;
  // the fills are exact: buyers' price (P·2000 + 300001·2000)/4000 =
  // 237500.75: h1 3 kWh -> 712502.25 -> 712503, h2 -> 237501; p1 2 x P =
  // 350001. The grid receives 600002; surplus 950004 - 350001 - 600002 = 1.
  auto c = clear_mmr(importing(), tariffs(300001, 50000));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trades[0].buy_price, Price(175001));
  EXPECT_EQ(c->trades[0].sell_price, Price(175000));
  EXPECT_EQ(fill_amount(*c, 0), 712503);
  EXPECT_EQ(fill_amount(*c, 1), 237501);
  EXPECT_EQ(fill_amount(*c, 2), 350001);
  EXPECT_EQ(c->totals.surplus.value(), 1);
}

TEST(Sdr, ImportingHandComputed) {
  // SDR = 2000/4000. Ps = λsλbD / ((λb−λs)G + λsD) = 6e13 / 7e8 = 85714.28..:
  // the trade rows carry 85714 (sellers) / 85715 (buyers), the grid 300000.
  // Fills are exact: Pb = (Ps·2000 + 300000·2000)/4000 = 192857.142857..:
  // h1 3 kWh -> 578571.43 -> 578572 (up); h2 -> 192858; p1 2 x Ps =
  // 171428.57 -> 171428 (down). Surplus 771430 − 171428 − 600000 = 2.
  const Book book = importing();
  auto c = clear_sdr(book, tariffs(300000, 50000));
  ASSERT_TRUE(c) << c.status().to_string();
  const std::vector<TradeKey> want = {{"h1", "p1", 1500, 85715, 85714},
                                      {"h2", "p1", 500, 85715, 85714},
                                      {"h1", "grid", 1500, 300000, 300000},
                                      {"h2", "grid", 500, 300000, 300000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
  EXPECT_EQ(fill_amount(*c, 0), 578572);
  EXPECT_EQ(fill_amount(*c, 1), 192858);
  EXPECT_EQ(fill_amount(*c, 2), 171428);
  EXPECT_EQ(c->totals.surplus.value(), 2);
  EXPECT_EQ(c->clearing_price, Price(85714));
}

TEST(Sdr, ExportingEveryoneAtFeedIn) {
  // SDR = 4 > 1: Ps = Pb = λs = 50000 for everything.
  const Book book = exporting();
  auto c = clear_sdr(book, tariffs(300000, 50000));
  ASSERT_TRUE(c);
  for (const Trade& t : c->trades) {
    EXPECT_EQ(t.buy_price, Price(50000));
    EXPECT_EQ(t.sell_price, Price(50000));
  }
  EXPECT_EQ(fill_amount(*c, 0), 50000);
  EXPECT_EQ(fill_amount(*c, 1), 150000);
  EXPECT_EQ(fill_amount(*c, 2), 50000);
}

TEST(Sdr, BalancedCommunityTradesAtFeedIn) {
  // SDR = 1: Ps = λsλb / λb = λs.
  Book book;
  book.orders = {household("h", Side::kBuy, 1000), household("p", Side::kSell, 1000)};
  auto c = clear_sdr(book, tariffs(300000, 50000));
  ASSERT_TRUE(c);
  ASSERT_EQ(c->trades.size(), 1u);
  EXPECT_EQ(c->trades[0].buy_price, Price(50000));
}

// No supply and no feed-in tariff (λs = 0, G = 0): Liu's denominator
// (λb − λs)·G + λs·D is 0. The community imports everything, so the buyers pay
// the import tariff (the first pass priced them at 0 and failed with
// "negative surplus").
TEST(Sdr, NoSupplyAndNoFeedInBuyersPayTheImportTariff) {
  Book book;
  book.orders = {household("h1", Side::kBuy, 3000), household("h2", Side::kBuy, 1000)};
  auto c = clear("sdr", book, tariffs(300000, 0));
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(fill_amount(*c, 0), 900000);
  EXPECT_EQ(fill_amount(*c, 1), 300000);
  EXPECT_EQ(c->totals.grid_net.value(), 1200000);
  EXPECT_EQ(c->totals.surplus.value(), 0);
  EXPECT_EQ(c->clearing_price, Price(300000));
  // Both tariffs 0: everything is free.
  auto free = clear("sdr", book, tariffs(0, 0));
  ASSERT_TRUE(free) << free.status().to_string();
  EXPECT_EQ(fill_amount(*free, 0), 0);
  EXPECT_EQ(free->totals.surplus.value(), 0);
}

TEST(BillSharing, ImportBillSharedByDemand) {
  // Net bill 300000 x 2 kWh = 600000 shared by demand: 150000 per kWh;
  // h1 450000, h2 150000; community energy is free, p1 gets 0.
  const Book book = importing();
  auto c = clear_bill_sharing(book, tariffs(300000, 50000));
  ASSERT_TRUE(c);
  EXPECT_EQ(fill_amount(*c, 0), 450000);
  EXPECT_EQ(fill_amount(*c, 1), 150000);
  EXPECT_EQ(fill_amount(*c, 2), 0);
  EXPECT_EQ(c->totals.grid_net.value(), 600000);
  EXPECT_FALSE(c->clearing_price.has_value());
}

TEST(BillSharing, ExportRevenueSharedBySupply) {
  // Revenue 50000 x 3 kWh = 150000 shared by supply: 37500 per kWh;
  // p1 112500, p2 37500; h1 pays nothing.
  const Book book = exporting();
  auto c = clear_bill_sharing(book, tariffs(300000, 50000));
  ASSERT_TRUE(c);
  EXPECT_EQ(fill_amount(*c, 0), 0);
  EXPECT_EQ(fill_amount(*c, 1), 112500);
  EXPECT_EQ(fill_amount(*c, 2), 37500);
  EXPECT_EQ(c->totals.grid_net.value(), -150000);
}

TEST(Community, BadParameters) {
  for (auto clear : {clear_mmr, clear_sdr, clear_bill_sharing}) {
    auto low = clear(importing(), tariffs(40000, 50000));
    ASSERT_FALSE(low);
    EXPECT_EQ(low.status().code(), Code::kInvalidArgument);
    EXPECT_NE(low.status().message().find("grid_buy"), std::string::npos);
    Params only_buy;
    only_buy.values = {{"grid_buy", 300000}};
    auto missing = clear(importing(), only_buy);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("grid_sell"), std::string::npos);
    auto none = clear(importing(), Params{});
    ASSERT_FALSE(none);
    EXPECT_NE(none.status().message().find("grid_buy"), std::string::npos);
  }
}

TEST(Community, RegisteredUnderTheirNamesAndCheckedThroughTheRegistry) {
  for (const char* name : {"mmr", "sdr", "bill-sharing"}) {
    const MechanismInfo* m = find_mechanism(name);
    ASSERT_NE(m, nullptr) << name;
    ASSERT_EQ(m->params.size(), 2u);
    EXPECT_EQ(m->params[0].name, "grid_buy");
    EXPECT_EQ(m->params[1].name, "grid_sell");
    // The registry fills absent keys with defaults: they must still read as missing.
    auto missing = clear(name, importing(), Params{});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("missing required parameter grid_buy"),
              std::string::npos);
    auto low = clear(name, importing(), tariffs(40000, 50000));
    ASSERT_FALSE(low);
    EXPECT_EQ(low.status().code(), Code::kInvalidArgument);
    Params negative = tariffs(300000, 50000);
    negative.values["grid_sell"] = -5;
    EXPECT_FALSE(clear(name, importing(), negative));
    Params unknown = tariffs(300000, 50000);
    unknown.values["k"] = 500000;
    EXPECT_FALSE(clear(name, importing(), unknown));
    auto ok = clear(name, importing(), tariffs(300000, 50000));
    ASSERT_TRUE(ok) << ok.status().to_string();
    EXPECT_EQ(ok->mechanism, name);
  }
}

TEST(Community, PricesAndEqualTariffs) {
  // Equal tariffs (no spread) and zero tariffs are valid.
  for (auto clear : {clear_mmr, clear_sdr, clear_bill_sharing}) {
    EXPECT_TRUE(clear(importing(), tariffs(100000, 100000)));
    EXPECT_TRUE(clear(exporting(), tariffs(0, 0)));
    EXPECT_TRUE(clear(Book{}, tariffs(300000, 50000)));
  }
}

Params random_tariffs() {
  const int64_t sell = *rc::gen::inRange<int64_t>(0, 200'000);
  const int64_t buy = sell + *rc::gen::inRange<int64_t>(0, 300'000);
  return tariffs(buy, sell);
}

// Exact totals of the formulas, in milli (Wh x micro-units/kWh) then rounded
// as make_clearing does, are what each side pays in total up to rounding.
void check_community(const Book& book, const Params& p, const Clearing& c) {
  RC_ASSERT(testing::check_no_overfill(book, c) == "");
  // Fills are priced by formula, not from the trade rows: only the identity
  // and the sums are checked here (exactness: EachHouseholdPaysExactlyItsFormula).
  int64_t buyers = 0, sellers = 0;
  for (const Fill& f : c.fills)
    (book.orders[f.order].side == Side::kBuy ? buyers : sellers) += f.amount.value();
  RC_ASSERT(buyers == c.totals.buyers_pay.value());
  RC_ASSERT(sellers == c.totals.sellers_get.value());
  RC_ASSERT(c.totals.buyers_pay.value() ==
            c.totals.sellers_get.value() + c.totals.grid_net.value() + c.totals.surplus.value());
  RC_ASSERT(c.totals.surplus.value() >= 0);
  // Every household's fill carries its whole energy.
  RC_ASSERT(c.fills.size() == book.orders.size());
  for (const Fill& f : c.fills) RC_ASSERT(f.energy == book.orders[f.order].energy);
  int64_t g = 0, d = 0;
  for (const Order& o : book.orders) (o.side == Side::kBuy ? d : g) += o.energy.value();
  // The grid carries exactly the imbalance.
  int64_t import = 0, export_ = 0;
  for (const Trade& t : c.trades) {
    if (t.sell == kGrid) import += t.energy.value();
    if (t.buy == kGrid) export_ += t.energy.value();
  }
  RC_ASSERT(import == std::max<int64_t>(d - g, 0));
  RC_ASSERT(export_ == std::max<int64_t>(g - d, 0));
  RC_ASSERT(c.totals.energy.value() == std::min(g, d));
  (void)p;
}

RC_GTEST_PROP(Community, WholeEnergyServedAndBudgetBalanced, ()) {
  const Book book = testing::full_size_book();
  const Params p = random_tariffs();
  for (auto clear : {clear_mmr, clear_sdr, clear_bill_sharing}) {
    auto c = clear(book, p);
    RC_ASSERT(c.is_ok());
    check_community(book, p, *c);
  }
}

// Each formula's exact price per kWh as a fraction (num / den), computed
// here from community.h's definitions in 128 bits (the generator's books and
// tariffs are small): {buyers', sellers'}.
struct Frac {
  __int128 num, den;
};
std::pair<Frac, Frac> formula_prices(const std::string& name, __int128 lb, __int128 ls, __int128 g,
                                     __int128 d) {
  if (name == "mmr") {
    Frac p{lb + ls, 2};
    if (g < d) return {Frac{(lb + ls) * g + 2 * lb * (d - g), 2 * d}, p};
    if (g > d) return {p, Frac{(lb + ls) * d + 2 * ls * (g - d), 2 * g}};
    return {p, p};
  }
  if (name == "bill-sharing") {
    Frac zero{0, 1};
    if (d > g) return {Frac{lb * (d - g), d}, zero};
    if (g > d) return {zero, Frac{ls * (g - d), g}};
    return {zero, zero};
  }
  if (g > d || d == 0) return {Frac{ls, 1}, Frac{ls, 1}};
  const __int128 den = (lb - ls) * g + ls * d;
  if (den == 0) return {Frac{lb, 1}, Frac{lb, 1}};  // λs = 0 and G = 0: all imported at λb
  const Frac ps{ls * lb * d, den};
  // Pb = (Ps·G + λb·(D − G)) / D
  return {Frac{ls * lb * d * g + lb * (d - g) * den, den * d}, ps};
}

// Per household: the amount is exactly its formula price x its energy,
// rounded once (buyers up, sellers down).
RC_GTEST_PROP(Community, EachHouseholdPaysExactlyItsFormula, ()) {
  const Book book = testing::full_size_book();
  const Params p = random_tariffs();
  const int64_t lb = p.get("grid_buy", 0), ls = p.get("grid_sell", 0);
  int64_t g = 0, d = 0;
  for (const Order& o : book.orders) (o.side == Side::kBuy ? d : g) += o.energy.value();
  const std::vector<std::pair<std::string, testing::Clear>> all = {
      {"mmr", clear_mmr}, {"sdr", clear_sdr}, {"bill-sharing", clear_bill_sharing}};
  for (const auto& [name, clear] : all) {
    auto c = clear(book, p);
    RC_ASSERT(c.is_ok());
    const auto [pb, ps] = formula_prices(name, lb, ls, g, d);
    for (const Fill& f : c->fills) {
      const bool buy = book.orders[f.order].side == Side::kBuy;
      const Frac& x = buy ? pb : ps;
      const __int128 num = x.num * f.energy.value(), den = x.den * 1000;
      const __int128 want = buy ? (num + den - 1) / den : num / den;
      RC_ASSERT(static_cast<__int128>(f.amount.value()) == want);
    }
  }
}

// An owner's buy and sell net out before pricing: "a" buys 1000 and sells
// 400, so it brings a demand of 600 (its buy order's fill) and its sell order
// trades nothing; with "p" selling 600 the community balances: mmr's P for all.
TEST(Community, OwnerBuyAndSellNetOut) {
  Book book;
  book.orders = {household("a-buy", Side::kBuy, 1000), household("a-sell", Side::kSell, 400),
                 household("p", Side::kSell, 600)};
  book.orders[0].owner = book.orders[1].owner = "alice";
  auto c = clear_mmr(book, tariffs(300000, 50000));
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(testing::trade_keys(book, *c),
            (std::vector<TradeKey>{{"a-buy", "p", 600, 175000, 175000}}));
  EXPECT_EQ(fill_amount(*c, 0), 105000);
  EXPECT_EQ(fill_amount(*c, 1), -1);  // no fill
  EXPECT_EQ(fill_amount(*c, 2), 105000);
}

// The registry's clear (as the chain and the simulator call it): alice
// buys and sells 1000 Wh, which stays at home; h buys 2000 and p sells 1000.
// Alice is neither traded nor billed (the first pass closed her netted
// energy with the grid: -300000 + 50000), and h and p pay exactly mmr's
// formula on D = 2000, G = 1000: h (175000·1000 + 300000·1000)/2000 = 237500
// per kWh, 475000; p 175000.
TEST(Community, NettedEnergyIsNeitherTradedNorBilledThroughTheRegistry) {
  Book book;
  book.orders = {household("a-buy", Side::kBuy, 1000), household("a-sell", Side::kSell, 1000),
                 household("h", Side::kBuy, 2000), household("p", Side::kSell, 1000)};
  book.orders[0].owner = book.orders[1].owner = "alice";
  auto c = clear("mmr", book, tariffs(300000, 50000));
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(fill_amount(*c, 0), -1);
  EXPECT_EQ(fill_amount(*c, 1), -1);
  EXPECT_EQ(fill_amount(*c, 2), 475000);
  EXPECT_EQ(fill_amount(*c, 3), 175000);
  for (const Trade& t : c->trades) EXPECT_TRUE(t.buy != 0 && t.sell != 1);
  EXPECT_EQ(c->totals.grid_net.value(), 300000);
  // Partly netted: a-buy brings 600 of its 1000 (OwnerBuyAndSellNetOut) and
  // pays exactly 600 x P, with no grid rows for the 400 netted.
  book.orders = {household("a-buy", Side::kBuy, 1000), household("a-sell", Side::kSell, 400),
                 household("p", Side::kSell, 600)};
  book.orders[0].owner = book.orders[1].owner = "alice";
  auto d = clear("mmr", book, tariffs(300000, 50000));
  ASSERT_TRUE(d) << d.status().to_string();
  EXPECT_EQ(testing::trade_keys(book, *d),
            (std::vector<TradeKey>{{"a-buy", "p", 600, 175000, 175000}}));
  EXPECT_EQ(fill_amount(*d, 0), 105000);
  EXPECT_EQ(fill_amount(*d, 1), -1);
}

// What each household brings after netting, computed independently of
// owner_netting.h: per owner, net = buys − sells (one side only).
struct NetPositions {
  std::map<std::string, int64_t> net;  // owner (or "#id" for an unowned order) -> net Wh
  int64_t demand = 0, supply = 0;
};
NetPositions net_positions(const Book& book) {
  NetPositions n;
  for (const Order& o : book.orders) {
    const std::string key = o.owner.empty() ? "#" + o.id : o.owner;
    n.net[key] += o.side == Side::kBuy ? o.energy.value() : -o.energy.value();
  }
  for (const auto& [key, e] : n.net) (e > 0 ? n.demand : n.supply) += std::abs(e);
  return n;
}

// With owners, through the registry's clear (grid closing included): each
// owner's fills carry exactly its net position, on its net side only, and
// every household's amount is exactly its formula price x its energy,
// rounded once, on the netted D and G.
RC_GTEST_PROP(Community, EachHouseholdPaysExactlyItsFormulaWithOwners, ()) {
  testing::BookShape shape;
  shape.owners = *rc::gen::inRange(1, 8);
  const Book book = testing::full_size_book(shape);
  const Params p = random_tariffs();
  const int64_t lb = p.get("grid_buy", 0), ls = p.get("grid_sell", 0);
  const NetPositions n = net_positions(book);
  for (const char* name : {"mmr", "sdr", "bill-sharing"}) {
    auto c = clear(name, book, p);
    RC_ASSERT(c.is_ok());
    const auto [pb, ps] = formula_prices(name, lb, ls, n.supply, n.demand);
    std::map<std::string, int64_t> carried;
    for (const Fill& f : c->fills) {
      const Order& o = book.orders[f.order];
      const bool buy = o.side == Side::kBuy;
      carried[o.owner.empty() ? "#" + o.id : o.owner] += buy ? f.energy.value() : -f.energy.value();
      const Frac& x = buy ? pb : ps;
      const __int128 num = x.num * f.energy.value(), den = x.den * 1000;
      const __int128 want = buy ? (num + den - 1) / den : num / den;
      RC_ASSERT(static_cast<__int128>(f.amount.value()) == want);
    }
    for (const auto& [key, e] : n.net) {
      const auto it = carried.find(key);
      RC_ASSERT((it == carried.end() ? 0 : it->second) == e);
    }
    // Netted energy is neither traded nor billed: the grid carries the
    // netted imbalance only.
    int64_t import = 0, export_ = 0;
    for (const Trade& t : c->trades) {
      if (t.sell == kGrid) import += t.energy.value();
      if (t.buy == kGrid) export_ += t.energy.value();
    }
    RC_ASSERT(import == std::max<int64_t>(n.demand - n.supply, 0));
    RC_ASSERT(export_ == std::max<int64_t>(n.supply - n.demand, 0));
    RC_ASSERT(c->totals.buyers_pay.value() == c->totals.sellers_get.value() +
                                                  c->totals.grid_net.value() +
                                                  c->totals.surplus.value());
    RC_ASSERT(c->totals.surplus.value() >= 0);
  }
}

RC_GTEST_PROP(Community, SameOutputWhateverTheLineOrder, ()) {
  const Book book = testing::full_size_book();
  const Book other = testing::shuffled(book);
  const Params p = random_tariffs();
  for (auto clear : {clear_mmr, clear_sdr, clear_bill_sharing}) {
    auto a = clear(book, p);
    auto b = clear(other, p);
    RC_ASSERT(a.is_ok() && b.is_ok());
    RC_ASSERT(testing::trade_keys(book, *a) == testing::trade_keys(other, *b));
  }
}

}  // namespace
}  // namespace wattle::market
