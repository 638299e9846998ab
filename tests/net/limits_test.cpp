#include <vector>

#include <gtest/gtest.h>

#include "net/backoff.h"
#include "net/ban_list.h"
#include "net/peer_address.h"
#include "net/peer_score.h"
#include "net/token_bucket.h"

namespace wattle::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(TokenBucket, BurstThenRate) {
  auto t0 = Clock::time_point{};
  TokenBucket b(10, 5, t0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.try_take(1, t0));
  EXPECT_FALSE(b.try_take(1, t0));
  EXPECT_TRUE(b.try_take(1, t0 + 100ms));  // one token per 100 ms
  EXPECT_FALSE(b.try_take(1, t0 + 100ms));
  EXPECT_DOUBLE_EQ(b.available(t0 + 100s), 5.0);  // capped at the burst
}

TEST(TokenBucket, ChargeLeavesADebtAndSaysHowLongToWait) {
  auto t0 = Clock::time_point{};
  TokenBucket b(1000, 100, t0);
  EXPECT_EQ(b.charge(50, t0), std::chrono::nanoseconds(0));
  EXPECT_EQ(b.charge(150, t0), std::chrono::milliseconds(100));  // 100 tokens owed at 1000/s
  EXPECT_FALSE(b.try_take(1, t0 + 50ms));
  EXPECT_EQ(b.charge(0, t0 + 100ms), std::chrono::nanoseconds(0));
}

TEST(Backoff, DoublesCapsAndResets) {
  Backoff b(100ms, 1000ms);
  EXPECT_EQ(b.next(0), 50ms);             // half of 100 + jitter 0
  EXPECT_EQ(b.next(0), 100ms);            // half of 200
  EXPECT_EQ(b.next(200), 200ms + 200ms);  // jitter in [0, half]
  for (int i = 0; i < 100; ++i) EXPECT_LE(b.next(~0u), 1000ms);
  b.reset();
  EXPECT_EQ(b.next(0), 50ms);
}

TEST(BanList, ExpiresAndStaysBounded) {
  BanList bans(2);
  auto t0 = Clock::time_point{};
  PublicKey a{{1}}, b{{2}}, c{{3}};
  bans.ban(a, t0 + 10s);
  bans.ban(b, t0 + 20s);
  EXPECT_TRUE(bans.is_banned(a, t0 + 5s));
  EXPECT_FALSE(bans.is_banned(a, t0 + 10s));
  bans.ban(a, t0 + 30s);
  bans.ban(c, t0 + 40s);  // evicts b, the soonest to end
  EXPECT_EQ(bans.size(), 2u);
  EXPECT_FALSE(bans.is_banned(b, t0));
  EXPECT_TRUE(bans.is_banned(c, t0));
}

TEST(PeerScore, FloodIsBannedBurstIsNot) {
  PeerScore s;
  for (int i = 0; i < 99; ++i) s.penalize(kPenaltyRateLimited);
  EXPECT_FALSE(s.should_ban());
  s.penalize(kPenaltyRateLimited);
  EXPECT_TRUE(s.should_ban());
  PeerScore t;
  t.penalize(kPenaltyProtocolViolation);
  EXPECT_TRUE(t.should_ban());
}

TEST(PeerAddress, ParsesAndRejects) {
  const std::string id(64, 'a');
  auto p = PeerAddress::parse(id + "@127.0.0.1:26656");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->host, "127.0.0.1");
  EXPECT_EQ(p->port, 26656);
  EXPECT_EQ(p->to_string(), id + "@127.0.0.1:26656");
  auto v6 = PeerAddress::parse(id + "@[::1]:1");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), id + "@[::1]:1");
  for (const std::string& bad :
       std::vector<std::string>{"", "@h:1", id + "h:1", id + "@h", id + "@:1", id + "@h:0",
                                id + "@h:65536", id + "@h:1x", "zz@h:1"}) {
    EXPECT_EQ(PeerAddress::parse(bad).status().code(), Code::kMalformed) << bad;
  }
}

TEST(PeerAddress, ParsesAConfigList) {
  const std::string a = std::string(64, 'a') + "@10.0.0.1:1", b = std::string(64, 'b') + "@h:2";
  auto list = parse_peer_list(" " + a + " ,, " + b + ",");
  ASSERT_TRUE(list.is_ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].host, "h");
  EXPECT_TRUE(parse_peer_list("")->empty());
  EXPECT_EQ(parse_peer_list(a + ",nonsense").status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace wattle::net
