// Hand-computed tests of the downtime rule (docs/staking.md, "Downtime"):
// the window, the threshold exactly at and just above the bound, one
// punishment per infraction, delegators' shares slashed, jail and unjail,
// the set change at H+2, conservation; and a RapidCheck property against a
// reference sliding window.
#include "staking_harness.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

namespace wattle::staking_test {
namespace {

// Window 4, at most 50% missed (2 of 4), slash 10%, jail 5 blocks.
StakingParams downtime_params(ConsensusKind kind) {
  auto p = params_for(kind);
  p.downtime_window = 4;
  p.downtime_max_missed_bp = 5000;
  p.slash_downtime_bp = 1000;
  p.jail_blocks = 5;
  return p;
}

PublicKey v(int i) {
  return val_key(i).public_key();
}

size_t count(const std::vector<Event>& events, Event::Kind kind) {
  return static_cast<size_t>(
      std::count_if(events.begin(), events.end(), [&](const Event& e) { return e.kind == kind; }));
}

TEST(StakingDowntime, MissingExactlyTheBoundIsNotPunished) {
  StakingChain c(downtime_params(ConsensusKind::kPos), {10, 10, 10, 10});
  ASSERT_TRUE(c.block());  // block 1: no commit before it
  // Commits 1..16: v3 misses two of every four, so every window of four
  // holds exactly 2 misses = 50%, not more.
  for (uint64_t commit = 1; commit <= 16; ++commit) {
    const bool miss = (commit - 1) % 4 < 2;
    ASSERT_TRUE(c.block_missing(miss ? std::vector<PublicKey>{v(3)} : std::vector<PublicKey>{}));
    EXPECT_EQ(count(c.events(), Event::Kind::kSlashed), 0u) << "commit " << commit;
  }
  EXPECT_FALSE(c.validator(val_addr(3)).jailed);
  EXPECT_EQ(c.validator(val_addr(3)).tokens, 1000);
  EXPECT_EQ(c.global().burned, 0);
}

TEST(StakingDowntime, AboveTheBoundSlashesJailsAndLeavesTheSetAtHPlus2) {
  StakingChain c(downtime_params(ConsensusKind::kPos), {10, 10, 10, 10});
  ASSERT_TRUE(c.block());                // 1
  ASSERT_TRUE(c.block_missing({v(3)}));  // 2: commit 1 missed
  ASSERT_TRUE(c.block_missing({v(3)}));  // 3: commit 2 missed
  ASSERT_TRUE(c.block_missing({v(3)}));  // 4: commit 3 missed (3 of 3: window not full)
  EXPECT_FALSE(c.validator(val_addr(3)).jailed);
  ASSERT_TRUE(c.block_missing({}));  // 5: commit 4 signed; 3 of 4 = 75% > 50%
  auto r = c.validator(val_addr(3));
  EXPECT_TRUE(r.jailed);
  EXPECT_FALSE(r.tombstoned);
  EXPECT_EQ(r.jailed_until, 10u);  // 5 + jail_blocks
  EXPECT_EQ(r.tokens, 900);        // 1000 - 10%
  EXPECT_EQ(c.global().burned, 100);
  ASSERT_EQ(count(c.events(), Event::Kind::kSlashed), 1u);
  ASSERT_EQ(count(c.events(), Event::Kind::kJailed), 1u);
  for (const auto& e : c.events()) {
    if (e.kind == Event::Kind::kSlashed) {
      EXPECT_EQ(e.slot, 100u);
    }
    if (e.kind == Event::Kind::kJailed) {
      EXPECT_EQ(e.slot, 9u);  // the jail's last height
    }
  }
  // Recorded at the end of 5: still in force at 6, gone from 7.
  EXPECT_EQ(c.set_at(6).validators.size(), 4u);
  auto s7 = operators(c.set_at(7));
  EXPECT_EQ(s7.size(), 3u);
  EXPECT_EQ(std::count(s7.begin(), s7.end(), val_addr(3)), 0);
  // Its window starts afresh.
  auto info = read_record<SigningInfo>(c.state(), signing_key(val_addr(3)));
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->has_value());
  EXPECT_TRUE(c.conserved() == c.genesis_value());
}

TEST(StakingDowntime, EachInfractionIsPunishedOnceAndUnjailWaitsForTheJail) {
  StakingChain c(downtime_params(ConsensusKind::kPos), {10, 10, 10, 10});
  ASSERT_TRUE(c.block());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.block_missing({v(3)}));  // 2..5: jailed at 5
  ASSERT_TRUE(c.validator(val_addr(3)).jailed);
  // Still in force at 6 and absent: the same infraction, not a new one.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.block_missing({v(3)}));  // 6..8
    EXPECT_EQ(count(c.events(), Event::Kind::kSlashed), 0u);
  }
  EXPECT_EQ(c.validator(val_addr(3)).tokens, 900);
  // Unjail before the jail ends: refused, nothing changes.
  const auto before = c.validator(val_addr(3));
  EXPECT_EQ(c.block_missing({}, {c.tx(val_key(3), Unjail{})}).code(), Code::kJailed);  // 9
  EXPECT_EQ(c.validator(val_addr(3)), before);
  EXPECT_EQ(c.height(), 8u);
  ASSERT_TRUE(c.block_missing({}));  // 9
  // From height 10 on it is accepted; back in the set two blocks later.
  ASSERT_TRUE(c.block_missing({}, {c.tx(val_key(3), Unjail{})}));  // 10
  EXPECT_FALSE(c.validator(val_addr(3)).jailed);
  EXPECT_EQ(c.set_at(11).validators.size(), 3u);
  EXPECT_EQ(c.set_at(12).validators.size(), 4u);
  EXPECT_EQ(c.one(val_key(3), Unjail{}).code(), Code::kNotJailed);
  // A second infraction, judged over a fresh window, is punished again.
  c.run_to(11);
  int slashed = 0;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(c.block_missing({v(3)}));  // commits 11.. : v3 in force from 12
    slashed += static_cast<int>(count(c.events(), Event::Kind::kSlashed));
  }
  EXPECT_EQ(slashed, 1);
  EXPECT_EQ(c.validator(val_addr(3)).tokens, 810);
  EXPECT_EQ(c.global().burned, 190);
  EXPECT_TRUE(c.conserved() == c.genesis_value());
}

TEST(StakingDowntime, DelegatorsAndUnbondingBondedThenAreSlashedAndDposDropsItBeforeTheEpoch) {
  auto p = downtime_params(ConsensusKind::kDpos);
  p.epoch_blocks = 100;  // no epoch in sight: the jail alone changes the set
  StakingChain c(p, {10, 10, 10});
  const Address v2 = val_addr(2);
  ASSERT_TRUE(c.one(user_key(0), Delegate{v2, Money(1000)}));   // 1: v2 tokens 2000
  ASSERT_TRUE(c.one(user_key(0), Undelegate{v2, Money(400)}));  // 2: entry of 400, created at 2
  // Misses commits 2..5; judged at block 6 (commit 5): 4 of 4 missed.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.block_missing({v(2)}));  // 3..6
  ASSERT_TRUE(c.validator(v2).jailed);
  // Infraction height 5: tokens 1600 -> 1440; the entry created at 2 was
  // bonded before it and escapes (as for a double-sign).
  EXPECT_EQ(c.validator(v2).tokens, 1440);
  auto view = c.stake(user_addr(0));
  ASSERT_EQ(view.delegations.size(), 1u);
  EXPECT_EQ(view.delegations[0].amount, 540);  // 600 of 1600 shares of 1440
  ASSERT_EQ(view.unbonding.size(), 1u);
  EXPECT_EQ(view.unbonding[0].amount, 400);
  EXPECT_EQ(c.stake(v2).delegations.at(0).amount, 900);
  EXPECT_EQ(c.global().burned, 160);
  EXPECT_EQ(c.set_at(7).validators.size(), 3u);
  EXPECT_EQ(operators(c.set_at(8)), (std::vector<Address>{std::min(val_addr(0), val_addr(1)),
                                                          std::max(val_addr(0), val_addr(1))}));
  EXPECT_TRUE(c.conserved() == c.genesis_value());
}

TEST(StakingDowntime, BadLastCommitsFailTheBlockAndChangeNothing) {
  StakingChain c(downtime_params(ConsensusKind::kPos), {10, 10});
  c.run_to(2);
  const State before = c.state();
  LastCommit future{2, {v(0), v(1)}};  // block 3 may carry commit 2, not 3
  future.height = 3;
  EXPECT_EQ(c.block({}, {}, ExecMode::kStrict, &future).code(), Code::kInvalidArgument);
  LastCommit huge{2, std::vector<PublicKey>(LastCommit::kMaxSigners + 1, v(0))};
  EXPECT_EQ(c.block({}, {}, ExecMode::kStrict, &huge).code(), Code::kTooLarge);
  EXPECT_EQ(c.height(), 2u);
  EXPECT_TRUE(c.state().records() == before.records());
  // Unknown signers are ignored; a poa chain keeps no downtime records.
  LastCommit stranger{2, {cons_key(7).public_key(), v(0), v(1)}};
  ASSERT_TRUE(c.block({}, {}, ExecMode::kStrict, &stranger));
  StakingChain poa(downtime_params(ConsensusKind::kPoa), {10, 10});
  ASSERT_TRUE(poa.block());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(poa.block_missing({v(0)}));
  auto info = read_record<SigningInfo>(poa.state(), signing_key(val_addr(0)));
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->has_value());
}

TEST(StakingDowntime, WindowIsBoundedInGenesis) {
  auto p = downtime_params(ConsensusKind::kPos);
  p.downtime_window = StakingParams::kMaxDowntimeWindow;
  EXPECT_TRUE(p.validate());
  for (uint64_t bad : {uint64_t{0}, StakingParams::kMaxDowntimeWindow + 1}) {
    p.downtime_window = bad;
    EXPECT_EQ(p.validate().code(), Code::kInvalidArgument) << bad;
  }
  auto parsed = staking_params_from_json(nlohmann::json{{"downtime_window", uint64_t{10'001}}});
  EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument);
}

// The module's bitmap against a reference: the last `window` observations
// in a deque; jailed exactly when the reference first goes over the bound.
RC_GTEST_PROP(StakingDowntimeProperty, BitmapMatchesASlidingWindow, ()) {
  const auto window = *rc::gen::inRange<uint64_t>(1, 12);
  const auto bound = *rc::gen::inRange<uint32_t>(0, 10'001);
  const auto pattern =
      *rc::gen::container<std::vector<bool>>(*rc::gen::inRange(1, 40), rc::gen::arbitrary<bool>());
  auto p = downtime_params(ConsensusKind::kPos);
  p.downtime_window = window;
  p.downtime_max_missed_bp = bound;
  p.jail_blocks = 1000;
  StakingChain c(p, {10, 10, 10, 10});
  RC_ASSERT(c.block().is_ok());
  std::deque<bool> ref;
  bool jailed = false;
  for (bool miss : pattern) {
    RC_ASSERT(c.block_missing(miss ? std::vector<PublicKey>{v(0)} : std::vector<PublicKey>{}));
    if (jailed) continue;
    ref.push_back(miss);
    if (ref.size() > window) ref.pop_front();
    const uint64_t missed = static_cast<uint64_t>(std::count(ref.begin(), ref.end(), true));
    const bool over = ref.size() == window && missed * 10'000 > uint64_t{bound} * window;
    RC_ASSERT(c.validator(val_addr(0)).jailed == over);
    if (over) {
      jailed = true;
      RC_ASSERT(c.validator(val_addr(0)).tokens == 900);
      continue;
    }
    auto info = read_record<SigningInfo>(c.state(), signing_key(val_addr(0)));
    RC_ASSERT(info.is_ok() && info->has_value());
    RC_ASSERT((*info)->missed == missed);
    RC_ASSERT((*info)->observed >= ref.size());
  }
  RC_ASSERT(c.conserved() == c.genesis_value());
}

}  // namespace
}  // namespace wattle::staking_test
