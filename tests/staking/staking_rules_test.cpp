// Hand-computed tests of each staking rule (docs/staking.md): bond and
// power, unbond release height, top-K with ties, the dpos epoch switch,
// rewards with commission, double-sign slashing with delegators and
// unbonding entries, tombstone, H+2, poa governance.
#include "staking_harness.h"

namespace wattle::staking_test {
namespace {

TEST(StakingPos, CreateValidatorJoinsTheSetAtHPlus2) {
  StakingChain c(params_for(ConsensusKind::kPos), {10, 10});
  const int64_t before = c.balance(user_addr(0));
  ASSERT_TRUE(c.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(1500), 0}));
  EXPECT_EQ(c.balance(user_addr(0)), before - 1500);
  // Recomputed at the end of block 1: effective at 3, not at 2.
  EXPECT_EQ(c.set_at(2).validators.size(), 2u);
  auto s3 = c.set_at(3);
  ASSERT_EQ(s3.validators.size(), 3u);
  EXPECT_EQ(s3.validators[0].operator_address, user_addr(0));
  EXPECT_EQ(s3.validators[0].key, cons_key(0).public_key());
  EXPECT_EQ(s3.validators[0].power, 15u);  // 1500 / power_unit 100
  ASSERT_EQ(c.events().size(), 1u);
  EXPECT_EQ(c.events()[0].kind, Event::Kind::kValidatorSetChanged);
  EXPECT_EQ(c.events()[0].slot, 3u);
  // Bonding more raises the power two blocks on.
  ASSERT_TRUE(c.one(user_key(0), Bond{Money(500)}));
  EXPECT_EQ(c.set_at(3).validators[0].power, 15u);
  EXPECT_EQ(c.set_at(4).validators[0].power, 20u);
}

TEST(StakingPos, TopKBreaksTiesByAddress) {
  auto p = params_for(ConsensusKind::kPos);
  p.max_validators = 2;
  StakingChain c(p, {10, 10});
  ASSERT_TRUE(c.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(1000), 0}));
  // Three candidates of power 10 for two seats: the two lowest addresses.
  std::vector<Address> all{val_addr(0), val_addr(1), user_addr(0)};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(operators(c.set_at(3)), (std::vector<Address>{all[0], all[1]}));
  // One more unit of power wins the seat back, whatever the address.
  const Address out = all[2];
  const KeyPair& key = out == user_addr(0)  ? user_key(0)
                       : out == val_addr(0) ? val_key(0)
                                            : val_key(1);
  ASSERT_TRUE(c.one(key, Bond{Money(100)}));
  auto s4 = c.set_at(4);
  ASSERT_EQ(s4.validators.size(), 2u);
  EXPECT_EQ(s4.validators[0].operator_address, out);
  EXPECT_EQ(s4.validators[0].power, 11u);
  EXPECT_EQ(s4.validators[1].operator_address, all[0]);
}

TEST(StakingPos, UnbondReleasesAfterUnbondingBlocks) {
  StakingChain c(params_for(ConsensusKind::kPos), {10, 10});
  ASSERT_TRUE(c.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(1000), 0}));
  const int64_t before = c.balance(user_addr(0));
  ASSERT_TRUE(c.one(user_key(0), Unbond{Money(300)}));  // block 2: releases at 7
  auto view = c.stake(user_addr(0));
  ASSERT_EQ(view.unbonding.size(), 1u);
  EXPECT_EQ(view.unbonding[0].amount, 300);
  EXPECT_EQ(view.unbonding[0].release_height, 7u);
  EXPECT_EQ(c.validator(user_addr(0)).tokens, 700);
  c.run_to(6);
  EXPECT_EQ(c.balance(user_addr(0)), before);
  c.run_to(7);
  EXPECT_EQ(c.balance(user_addr(0)), before + 300);
  ASSERT_EQ(c.events().size(), 1u);
  EXPECT_EQ(c.events()[0].kind, Event::Kind::kUnbonded);
  EXPECT_EQ(c.events()[0].slot, 300u);
  EXPECT_TRUE(c.stake(user_addr(0)).unbonding.empty());
  // Power fell at 2 + 2.
  EXPECT_EQ(c.set_at(4).validators.back().power, 7u);
}

TEST(StakingPos, SelfBondStaysAboveMinimumOrGoesToZero) {
  StakingChain c(params_for(ConsensusKind::kPos), {10});
  ASSERT_TRUE(c.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(150), 0}));
  EXPECT_EQ(c.one(user_key(0), Unbond{Money(100)}).code(), Code::kInvalidArgument);  // 50 < 100
  EXPECT_TRUE(c.one(user_key(0), Unbond{Money(150)}).is_ok());
  EXPECT_EQ(c.validator(user_addr(0)).tokens, 0);
}

TEST(StakingDpos, DelegationChangesTheSetAtTheNextEpoch) {
  auto p = params_for(ConsensusKind::kDpos);
  p.max_validators = 2;
  StakingChain c(p, {10, 10});  // epoch_blocks 4
  ASSERT_TRUE(c.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(100), 0}));
  ASSERT_TRUE(c.one(user_key(1), Delegate{user_addr(0), Money(1900)}));  // block 2: 2000 = 20
  c.run_to(3);
  EXPECT_EQ(c.set_at(10).validators.size(), 2u);
  EXPECT_NE(c.set_at(10).validators[0].operator_address, user_addr(0));
  c.run_to(4);  // the epoch boundary: effective at 6
  EXPECT_NE(c.set_at(5).validators[0].operator_address, user_addr(0));
  auto s6 = c.set_at(6);
  ASSERT_EQ(s6.validators.size(), 2u);
  EXPECT_EQ(s6.validators[0].operator_address, user_addr(0));
  EXPECT_EQ(s6.validators[0].power, 20u);
}

TEST(StakingDpos, RewardsAreSharedByPowerAndCommission) {
  auto p = params_for(ConsensusKind::kDpos);
  p.epoch_blocks = 1;
  p.block_reward = 1000;
  StakingChain c(p, {10, 10});
  const Address op = user_addr(0);
  ASSERT_TRUE(
      c.block({c.tx(user_key(0), CreateValidator{cons_key(0).public_key(), Money(1000), 1000}),
               c.tx(user_key(1), Delegate{op, Money(1000)})}));
  c.run_to(2);
  EXPECT_EQ(c.stake(user_addr(1)).delegations.at(0).rewards, 0);  // not in the set before 3
  c.run_to(3);
  // Set at 3: op 20, v0 10, v1 10. op's share 500: commission 50, 450 over 2000 shares.
  EXPECT_EQ(c.stake(user_addr(1)).delegations.at(0).rewards, 225);
  EXPECT_EQ(c.stake(op).delegations.at(0).rewards, 225 + 50);
  EXPECT_EQ(c.global().minted, 3000);
  const int64_t before = c.balance(user_addr(1));
  ASSERT_TRUE(c.one(user_key(1), Undelegate{op, Money(100)}));  // settles blocks 3 only
  EXPECT_EQ(c.balance(user_addr(1)), before + 225);
  EXPECT_TRUE(c.conserved() == c.genesis_value());
}

TEST(StakingSlash, DoubleSignSlashesDelegatorsAndUnbondingBondedThen) {
  auto p = params_for(ConsensusKind::kDpos);
  p.slash_double_sign_bp = 1000;  // 10%
  StakingChain c(p, {10, 10});    // v0: 1000 self-bonded
  const Address v0 = val_addr(0);
  ASSERT_TRUE(c.one(user_key(1), Delegate{v0, Money(1000)}));   // block 1
  ASSERT_TRUE(c.one(user_key(1), Undelegate{v0, Money(200)}));  // block 2: before the infraction
  ASSERT_TRUE(c.one(user_key(1), Undelegate{v0, Money(300)}));  // block 3: bonded at 3
  // Block 4 commits evidence of a double-sign at height 3.
  ASSERT_TRUE(c.block({}, {evidence_item(3, 0)}));
  // tokens 1500 -> cut 150; entry of 300 -> cut 30; entry of 200 untouched.
  EXPECT_EQ(c.global().burned, 180);
  auto v = c.validator(v0);
  EXPECT_EQ(v.tokens, 1350);
  EXPECT_TRUE(v.tombstoned);
  EXPECT_TRUE(v.jailed);
  auto view = c.stake(user_addr(1));
  ASSERT_EQ(view.delegations.size(), 1u);
  EXPECT_EQ(view.delegations[0].amount, 450);  // 500 of 1500 shares of 1350
  ASSERT_EQ(view.unbonding.size(), 2u);
  EXPECT_EQ(view.unbonding[0].amount, 200);
  EXPECT_EQ(view.unbonding[1].amount, 270);
  EXPECT_EQ(c.stake(v0).delegations.at(0).amount, 900);
  bool slashed = false;
  for (const auto& e : c.events()) slashed |= e.kind == Event::Kind::kSlashed && e.slot == 180;
  EXPECT_TRUE(slashed);
  // Tombstoned: out of the set from 6 (epoch 4 -> effective 6; recomputed at 4).
  EXPECT_EQ(operators(c.set_at(6)), (std::vector<Address>{val_addr(1)}));
  // Punished once: more evidence of another height changes nothing.
  ASSERT_TRUE(c.block({}, {evidence_item(2, 0)}));
  EXPECT_EQ(c.global().burned, 180);
  // Never again a candidate.
  EXPECT_EQ(c.one(user_key(2), Delegate{v0, Money(100)}).code(), Code::kNotCandidate);
  EXPECT_EQ(c.one(val_key(0), Unjail{}).code(), Code::kTombstoned);
}

TEST(StakingPoa, ProposalPassesAboveTwoThirdsAndExpires) {
  auto p = params_for(ConsensusKind::kPoa);
  p.proposal_expiry_blocks = 3;
  StakingChain c(p, {1, 1, 1, 1});
  const PublicKey added = cons_key(9).public_key();
  ASSERT_TRUE(c.one(val_key(0), Propose{added, 1}));  // proposal 1, 1/4
  ASSERT_TRUE(c.one(val_key(1), Vote{1}));            // 2/4
  EXPECT_EQ(c.global().current.validators.size(), 4u);
  EXPECT_EQ(c.one(val_key(1), Vote{1}).code(), Code::kAlreadyVoted);
  EXPECT_EQ(c.one(user_key(0), Vote{1}).code(), Code::kNotAuthority);
  ASSERT_TRUE(c.one(val_key(2), Vote{1}));  // block 3: 3/4 > 2/3
  EXPECT_EQ(c.set_at(4).validators.size(), 4u);
  EXPECT_EQ(c.set_at(5).validators.size(), 5u);
  // A removal that lapses: proposed at 4, last vote height 7.
  ASSERT_TRUE(c.one(val_key(0), Propose{val_key(3).public_key(), 0}));  // proposal 2
  c.run_to(7);
  EXPECT_EQ(c.one(val_key(1), Vote{2}).code(), Code::kNotFound);
  EXPECT_EQ(c.set_at(100).validators.size(), 5u);
}

TEST(StakingPoa, ProposalsThatBreakTheSetAreRefused) {
  auto p = params_for(ConsensusKind::kPoa);
  p.forbid_third_power = true;
  StakingChain c(p, {1, 1, 1, 1});
  EXPECT_EQ(c.one(val_key(0), Propose{cons_key(9).public_key(), 3}).code(),
            Code::kInvalidArgument);  // 3 of 7 >= 1/3
  EXPECT_EQ(c.one(val_key(0), Propose{cons_key(9).public_key(), 0}).code(), Code::kNotFound);
  StakingChain one(params_for(ConsensusKind::kPoa), {1});
  EXPECT_EQ(one.one(val_key(0), Propose{val_key(0).public_key(), 0}).code(),
            Code::kInvalidArgument);  // empty set
}

}  // namespace
}  // namespace wattle::staking_test
