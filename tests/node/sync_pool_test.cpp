// SyncPool step by step on a hand-driven clock: parallel requests within the
// window and the per-peer bound, rotation away from a peer that does not
// answer, strikes that end in a drop, and a claim capped at what the node can
// check next.
#include "node/sync_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace wattle::node {
namespace {

using namespace std::chrono_literals;
using Clock = SyncPool::Clock;

const PublicKey kLiar{{1}}, kHonest{{2}}, kOther{{3}};

std::set<uint64_t> heights_of(const std::vector<SyncPool::Request>& rs, const PublicKey& peer) {
  std::set<uint64_t> out;
  for (const auto& r : rs)
    if (r.peer == peer) out.insert(r.height);
  return out;
}

TEST(SyncPool, RequestsInParallelWithinTheWindowAndThePerPeerBound) {
  SyncPool pool({.window = 8, .per_peer = 2, .timeout = 1000ms});
  const auto t0 = Clock::time_point{} + 1h;
  pool.set_claim(kHonest, 100);
  pool.set_claim(kOther, 100);
  auto rs = pool.next(10, t0);
  const auto first = rs;
  ASSERT_EQ(rs.size(), 4u);  // two peers, two each
  EXPECT_EQ(heights_of(rs, kHonest).size(), 2u);
  EXPECT_EQ(heights_of(rs, kOther).size(), 2u);
  for (const auto& r : rs) EXPECT_TRUE(r.height >= 11 && r.height <= 14) << r.height;
  EXPECT_TRUE(pool.next(10, t0).empty());  // everyone busy
  // A served block frees a slot; an unasked one is refused.
  const uint64_t h = *heights_of(rs, kHonest).begin();
  EXPECT_FALSE(pool.on_block(kOther, h));
  EXPECT_TRUE(pool.on_block(kHonest, h));
  EXPECT_FALSE(pool.on_block(kHonest, h));  // not twice
  rs = pool.next(10, t0);                   // the served height is not asked again
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].peer, kHonest);
  EXPECT_EQ(pool.in_flight(), 4u);
  pool.release(h);                         // its block did not commit
  EXPECT_TRUE(pool.next(10, t0).empty());  // asked again once someone is free
  EXPECT_TRUE(pool.on_block(kOther, *heights_of(first, kOther).begin()));
  rs = pool.next(10, t0);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].height, h);
}

TEST(SyncPool, OneBehindIsAskedFor) {
  SyncPool pool({.window = 8, .per_peer = 100, .timeout = 1000ms});
  const auto t0 = Clock::time_point{} + 1h;
  pool.set_claim(kHonest, 10);
  EXPECT_TRUE(pool.next(10, t0).empty());  // level with us: nothing to ask
  pool.set_claim(kHonest, 11);
  auto one = pool.next(10, t0);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].height, 11u);
  EXPECT_TRUE(pool.on_block(kHonest, 11));
}

TEST(SyncPool, ClaimsAreCapped) {
  SyncPool pool({.window = 8, .per_peer = 100, .timeout = 1000ms});
  const auto t0 = Clock::time_point{} + 1h;
  pool.set_claim(kLiar, UINT64_MAX);
  EXPECT_EQ(pool.max_claim(), UINT64_MAX);
  EXPECT_EQ(pool.target(10), 18u);
  EXPECT_EQ(pool.target(UINT64_MAX - 3), UINT64_MAX);  // no wrap
  auto rs = pool.next(10, t0);
  EXPECT_EQ(rs.size(), 8u);  // the window, not 2^64 - 11 requests
  EXPECT_EQ(rs.back().height, 18u);
}

TEST(SyncPool, ATimeoutIsAStrikeTheHeightRotatesAndTheLiarIsDropped) {
  SyncPool pool({.window = 4, .per_peer = 4, .timeout = 1000ms, .drop_strikes = 3});
  auto now = Clock::time_point{} + 1h;
  pool.set_claim(kLiar, UINT64_MAX);
  auto rs = pool.next(0, now);
  ASSERT_EQ(heights_of(rs, kLiar), (std::set<uint64_t>{1, 2, 3, 4}));
  pool.set_claim(kHonest, 50);
  // Every request to the liar times out: four strikes at once would drop
  // it, but each expiry counts (3 here), then the rest go to the honest peer.
  now += 1000ms;
  rs = pool.next(0, now);
  EXPECT_EQ(pool.timeouts(), 3u);
  EXPECT_EQ(pool.drops(), 1u);
  EXPECT_EQ(pool.take_dropped(), std::vector<PublicKey>{kLiar});
  EXPECT_TRUE(pool.take_dropped().empty());
  EXPECT_EQ(heights_of(rs, kHonest), (std::set<uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(heights_of(rs, kLiar).empty());
  EXPECT_EQ(pool.strikes(kLiar), 0);  // forgotten
}

TEST(SyncPool, AClaimedHeightMustBeServedEvenAfterConsensusGotThere) {
  SyncPool pool({.window = 4, .per_peer = 1, .timeout = 1000ms});
  auto now = Clock::time_point{} + 1h;
  pool.set_claim(kLiar, UINT64_MAX);
  ASSERT_EQ(pool.next(5, now).size(), 1u);
  pool.on_head(9);  // the network moved on without it
  pool.next(9, now + 1000ms);
  EXPECT_EQ(pool.strikes(kLiar), 1);
}

TEST(SyncPool, AStrikeBenchesThePeerAndPrefersOthersAndAServedBlockForgives) {
  SyncPool pool({.window = 3, .per_peer = 1, .timeout = 1000ms, .drop_strikes = 10});
  auto now = Clock::time_point{} + 1h;
  pool.set_claim(kLiar, 100);
  pool.set_claim(kHonest, 100);
  auto rs = pool.next(0, now);
  ASSERT_EQ(rs.size(), 2u);
  const uint64_t honest_h = *heights_of(rs, kHonest).begin();
  EXPECT_TRUE(pool.on_block(kHonest, honest_h));
  now += 1000ms;
  rs = pool.next(0, now);  // the liar's height timed out: it goes to the honest peer
  EXPECT_EQ(pool.strikes(kLiar), 1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].peer, kHonest);
  // Benched for one timeout: not asked before it ends, even with free work.
  pool.set_claim(kOther, 100);
  rs = pool.next(0, now + 500ms);
  EXPECT_TRUE(heights_of(rs, kLiar).empty());
  EXPECT_EQ(heights_of(rs, kOther).size(), 1u);
  // After the bench, with everyone else busy, it may try again; serving clears it.
  rs = pool.next(0, now + 999ms);
  EXPECT_TRUE(rs.empty());
  EXPECT_EQ(pool.in_flight(), 2u);  // h1 at the honest peer, h3 at the other; h2 served
  pool.on_head(3);                  // consensus overtook them: answers are still due
  EXPECT_EQ(pool.in_flight(), 2u);
  EXPECT_TRUE(pool.on_block(kHonest, 1));
  EXPECT_TRUE(pool.on_block(kOther, 3));
  EXPECT_EQ(pool.in_flight(), 0u);
  rs = pool.next(3, now + 1001ms);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(heights_of(rs, kLiar).size(), 1u);  // its bench is over
  for (const auto& r : rs) EXPECT_TRUE(pool.on_block(r.peer, r.height));
  EXPECT_EQ(pool.strikes(kLiar), 0);
  EXPECT_EQ(pool.timeouts(), 1u);
}

}  // namespace
}  // namespace wattle::node
