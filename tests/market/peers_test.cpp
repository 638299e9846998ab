// The peers' mechanisms (peers.h): gsy-framework's published pay-as-clear
// test vectors reproduced by pay-as-clear-gsy (and `uniform` on the same
// books), hand-computed books for pay-as-offer, preferred and random-pairs,
// and properties on random books.
//
// Source of the vectors: gridsingularity/gsy-framework,
// tests/test_matching_algorithms/test_pay_as_clear_matching_algorithm.py at
// commit 11ff27b067cb3f509deea54bcaaa1614bc1cffd2 (rates there are floats in
// cents/kWh and energies floats in kWh; here a rate r is r x 100000
// micro-units/kWh and an energy e is e Wh, so 1 + 1e-5 becomes 100001 and
// the arithmetic is exact). The algorithm: gsy_framework/matching_algorithms/
// pay_as_clear_matching_algorithm.py at commit
// 05ebde8f202aca6bb20ac0afa9dd26d19e87aeed.
#include "market/mechanisms/peers.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;
using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

constexpr int64_t kRate = 100'000;  // one gsy rate unit in micro-units/kWh

// test_get_matches_recommendations, "market1".
Book gsy_market1() {
  return book_of({owned(buy("1", 10, 1 * kRate), "A"), owned(buy("2", 15, 2 * kRate), "B"),
                  owned(buy("3", 20, 3 * kRate), "C"), owned(sell("4", 25, kRate + 1), "A"),
                  owned(sell("5", 30, 5 * kRate), "B"),
                  owned(sell("6", 35, 24 * kRate / 10), "C")});
}

// test_get_matches_recommendations, "market2".
Book gsy_market2() {
  return book_of({owned(buy("7", 40, 15 * kRate / 10), "A"), owned(buy("8", 45, 2 * kRate), "B"),
                  owned(buy("9", 50, 6 * kRate), "C"), owned(sell("10", 55, 1 * kRate), "A"),
                  owned(sell("11", 60, 5 * kRate), "B"), owned(sell("12", 65, 1 * kRate), "C")});
}

TEST(PayAsClearGsy, ReproducesGsyMarket1) {
  const Book b = gsy_market1();
  auto r = clear("pay-as-clear-gsy", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  // expected_trades: bid 3 with offer 4, selected_energy 20, trade_rate 3.
  EXPECT_EQ(v.price, 3 * kRate);
  EXPECT_EQ(v.trades, (std::vector<T>{{"3", "4", 20, 3 * kRate, 3 * kRate}}));
  // uniform on the same book: bid 2 (rate 2) still crosses offer 4's 5 Wh
  // left, so the market clears at 2 with 25 Wh; gsy's rate leaves it out.
  auto u = clear("uniform", b, {});
  ASSERT_TRUE(u);
  EXPECT_EQ(u->clearing_price, Price(2 * kRate));
  EXPECT_EQ(u->totals.energy, Energy(25));
}

TEST(PayAsClearGsy, ReproducesGsyMarket2) {
  const Book b = gsy_market2();
  auto r = clear("pay-as-clear-gsy", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  // expected_trades: (9, 10, 50), (8, 10, 5), (8, 12, 40), all at rate 2.
  EXPECT_EQ(v.price, 2 * kRate);
  EXPECT_EQ(v.trades, (std::vector<T>{{"9", "10", 50, 2 * kRate, 2 * kRate},
                                      {"8", "10", 5, 2 * kRate, 2 * kRate},
                                      {"8", "12", 40, 2 * kRate, 2 * kRate}}));
  // uniform: bid 7 (rate 1.5) takes offer 12's last 25 Wh: 120 Wh at 1.5.
  auto u = clear("uniform", b, {});
  ASSERT_TRUE(u);
  EXPECT_EQ(u->clearing_price, Price(15 * kRate / 10));
  EXPECT_EQ(u->totals.energy, Energy(120));
}

std::vector<uint32_t> indices(const Book& b, std::initializer_list<const char*> ids) {
  std::vector<uint32_t> v;
  for (const char* id : ids)
    for (uint32_t i = 0; i < b.orders.size(); ++i)
      if (b.orders[i].id == id) v.push_back(i);
  return v;
}

using M = std::tuple<std::string, std::string, int64_t>;  // (offer, bid, energy) as gsy lists them
std::vector<M> matches(const Book& b, const std::vector<Trade>& trades) {
  std::vector<M> m;
  for (const Trade& t : trades)
    m.emplace_back(b.orders[t.sell].id, b.orders[t.buy].id, t.energy.value());
  return m;
}

// test_create_bid_offer_matches_can_handle_partial_bids (Clearing(1, 15) forced).
TEST(PayAsClearGsy, SweepHandlesPartialBids) {
  const Book b = book_of({buy("bid_id1", 9, 9), buy("bid_id2", 3, 3), buy("bid_id3", 3, 3),
                          sell("offer_id1", 1, 1), sell("offer_id2", 2, 2), sell("offer_id3", 3, 3),
                          sell("offer_id4", 4, 4), sell("offer_id5", 5, 5)});
  const auto t =
      gsy_sweep(b, indices(b, {"bid_id1", "bid_id2", "bid_id3"}),
                indices(b, {"offer_id1", "offer_id2", "offer_id3", "offer_id4", "offer_id5"}),
                Energy(15), Price(1));
  EXPECT_EQ(matches(b, t), (std::vector<M>{{"offer_id1", "bid_id1", 1},
                                           {"offer_id2", "bid_id1", 2},
                                           {"offer_id3", "bid_id1", 3},
                                           {"offer_id4", "bid_id1", 3},
                                           {"offer_id4", "bid_id2", 1},
                                           {"offer_id5", "bid_id2", 2},
                                           {"offer_id5", "bid_id3", 3}}));
}

// test_create_bid_offer_matches_can_handle_partial_offers (lists in the given order).
TEST(PayAsClearGsy, SweepHandlesPartialOffers) {
  const Book b = book_of({buy("bid_id1", 1, 1), buy("bid_id2", 2, 2), buy("bid_id3", 3, 3),
                          buy("bid_id4", 4, 4), buy("bid_id5", 5, 5), sell("offer_id1", 8, 8),
                          sell("offer_id2", 4, 4), sell("offer_id3", 3, 3)});
  const auto t =
      gsy_sweep(b, indices(b, {"bid_id1", "bid_id2", "bid_id3", "bid_id4", "bid_id5"}),
                indices(b, {"offer_id1", "offer_id2", "offer_id3"}), Energy(15), Price(1));
  EXPECT_EQ(matches(b, t), (std::vector<M>{{"offer_id1", "bid_id1", 1},
                                           {"offer_id1", "bid_id2", 2},
                                           {"offer_id1", "bid_id3", 3},
                                           {"offer_id1", "bid_id4", 2},
                                           {"offer_id2", "bid_id4", 2},
                                           {"offer_id2", "bid_id5", 2},
                                           {"offer_id3", "bid_id5", 3}}));
}

// test_create_bid_offer_matches_can_match_with_only_one_bid.
TEST(PayAsClearGsy, SweepWithOnlyOneBid) {
  const Book b = book_of({buy("bid_id1", 90123456789 % 1'000'000'000, 9), sell("offer_id1", 1, 1),
                          sell("offer_id2", 2, 2), sell("offer_id3", 3, 3), sell("offer_id4", 4, 4),
                          sell("offer_id5", 5, 5)});
  const auto t =
      gsy_sweep(b, indices(b, {"bid_id1"}),
                indices(b, {"offer_id1", "offer_id2", "offer_id3", "offer_id4", "offer_id5"}),
                Energy(15), Price(1));
  EXPECT_EQ(matches(b, t), (std::vector<M>{{"offer_id1", "bid_id1", 1},
                                           {"offer_id2", "bid_id1", 2},
                                           {"offer_id3", "bid_id1", 3},
                                           {"offer_id4", "bid_id1", 4},
                                           {"offer_id5", "bid_id1", 5}}));
}

// b1 (t0) wants 1500 @200k, b2 (t1) 1000 @150k; offers s1 1000 @100k, s2 1000
// @140k, s3 1000 @180k. b1 takes s1 1000 at 100000 and s2 500 at 140000; b2
// takes s2's 500 at 140000 and stops at s3 (180k > 150k).
TEST(PayAsOffer, HandComputed) {
  const Book b =
      book_of({buy("b1", 1500, 200000), buy("b2", 1000, 150000), sell("s1", 1000, 100000),
               sell("s2", 1000, 140000), sell("s3", 1000, 180000)});
  auto r = clear("pay-as-offer", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b1", "s1", 1000, 100000, 100000},
                                                   {"b1", "s2", 500, 140000, 140000},
                                                   {"b2", "s2", 500, 140000, 140000}}));
}

// alice's buy names bob as partner: it trades with bob's dearer offer first,
// at the bid. carol requires green: only the 100% green s_g serves her. The
// rest (dave) trades pay-as-bid with the cheapest offer left.
TEST(Preferred, PartnersThenGreenThenPayAsBid) {
  Order a = owned(buy("b_alice", 1000, 300000), "alice");
  a.partners = {"bob"};
  Order c = owned(buy("b_carol", 500, 250000), "carol");
  c.require_green = true;
  Order g = owned(sell("s_g", 500, 200000), "gina");
  g.green_pct = 100;
  const Book b = book_of({a, c, owned(buy("b_dave", 500, 220000), "dave"),
                          owned(sell("s_bob", 1000, 280000), "bob"), g,
                          owned(sell("s_cheap", 1000, 100000), "erin")});
  auto r = clear("preferred", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b_alice", "s_bob", 1000, 300000, 300000},
                                                   {"b_carol", "s_g", 500, 250000, 250000},
                                                   {"b_dave", "s_cheap", 500, 220000, 220000}}));
}

TEST(RandomPairs, ReproducibleFromTheSeedAndRoundsChecked) {
  const Book b = eight_order_book();
  Params p;
  p.values = {{"seed", 7}, {"rounds", 5}};
  auto r1 = clear("random-pairs", b, p);
  auto r2 = clear("random-pairs", b, p);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(trade_keys(b, *r1), trade_keys(b, *r2));
  p.values["rounds"] = 0;
  auto bad = clear("random-pairs", b, p);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("parameter \"rounds\" = 0 out of range 1..10000"),
            std::string::npos)
      << bad.status().message();
  p.values["rounds"] = kMaxRounds + 1;
  EXPECT_FALSE(clear("random-pairs", b, p));
}

// Equal rates: gsy sorts bids with reversed(sorted(bids, key=rate))
// (gsy_framework/utils.py, sort_list_of_dicts_by_attribute, at the commit
// above), so of two bids at one rate the later one is served first; offers
// are sorted ascending, the earlier first. The clearing point (rate 2,
// 10 Wh) leaves one bid out: the later, "b2", trades.
TEST(PayAsClearGsy, EqualRateBidsTheLaterFirstAsGsySortsThem) {
  const Book b = book_of({buy("b1", 10, 2 * kRate), buy("b2", 10, 2 * kRate),
                          sell("s1", 5, 1 * kRate), sell("s2", 5, 1 * kRate)});
  auto r = clear("pay-as-clear-gsy", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b2", "s1", 5, 2 * kRate, 2 * kRate},
                                                   {"b2", "s2", 5, 2 * kRate, 2 * kRate}}));
  // Arrival is `time`, then position: b1 arriving later is served first.
  Book later = b;
  later.orders[0].time = 9;
  auto l = clear("pay-as-clear-gsy", later, {});
  ASSERT_TRUE(l);
  EXPECT_EQ(id_view(later, *l).trades, (std::vector<T>{{"b1", "s1", 5, 2 * kRate, 2 * kRate},
                                                       {"b1", "s2", 5, 2 * kRate, 2 * kRate}}));
}

// One buyer and one seller always meet in round 1: they trade at the midpoint,
// the buyer paying it rounded up, the seller getting it rounded down.
TEST(RandomPairs, MidpointRoundedUpForBuyersDownForSellers) {
  const Book b = book_of({buy("b", 1000, 200001), sell("s", 400, 100000)});
  auto r = clear("random-pairs", b, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b", "s", 400, 150001, 150000}}));
}

RC_GTEST_PROP(Peers, InvariantsOnRandomBooks, ()) {
  BookShape shape;
  shape.owners = *rc::gen::inRange(0, 4);
  const Book book = full_size_book(shape);
  for (const char* m : {"pay-as-offer", "preferred", "pay-as-clear-gsy", "random-pairs"}) {
    Params p;
    if (std::string(m) == "random-pairs") p.values["seed"] = *rc::gen::inRange<int64_t>(0, 1000);
    auto r = clear(m, book, p);
    RC_ASSERT(r.is_ok());
    rc_check_invariants(book, *r);
  }
}

// gsy's rate is a bid rate and its volume never exceeds uniform's.
RC_GTEST_PROP(PayAsClearGsy, RateIsABidAndVolumeAtMostUniforms, ()) {
  const Book book = full_size_book();
  auto g = clear("pay-as-clear-gsy", book, {});
  auto u = clear("uniform", book, {});
  RC_ASSERT(g.is_ok() && u.is_ok());
  RC_ASSERT(g->totals.energy <= u->totals.energy);
  if (!g->trades.empty()) {
    bool is_bid = false;
    for (const Order& o : book.orders)
      is_bid = is_bid || (o.side == Side::kBuy && o.price == *g->clearing_price);
    RC_ASSERT(is_bid);
  }
}

}  // namespace
}  // namespace wattle::market
