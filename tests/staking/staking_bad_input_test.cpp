// Every bad input of docs/staking.md ("Bad input"): a stable code, and the
// state exactly as it was (same root).
#include "staking_harness.h"

namespace wattle::staking_test {
namespace {

// Runs `t` signed by `key` as the next block and expects `code`, the state
// root unchanged.
void expect_refused(StakingChain& c, const KeyPair& key, const StakingTx& t, Code code) {
  const Hash256 root = c.state().root();
  const uint64_t height = c.height();
  Status st = c.one(key, t);
  EXPECT_EQ(st.code(), code) << st.to_string();
  EXPECT_EQ(c.state().root(), root);
  EXPECT_EQ(c.height(), height);
}

TEST(StakingBadInput, PosRefusals) {
  StakingChain c(params_for(ConsensusKind::kPos), {10, 10});
  ASSERT_TRUE(c.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(1000), 0}));
  expect_refused(c, user_key(0), Bond{Money(kBalance - 999)}, Code::kInsufficientFunds);
  expect_refused(c, user_key(0), Unbond{Money(1001)}, Code::kInsufficientFunds);
  expect_refused(c, user_key(1), Unbond{Money(1)}, Code::kNotFound);  // not a validator
  expect_refused(c, user_key(1), Bond{Money(1)}, Code::kNotFound);
  expect_refused(c, user_key(0), Bond{Money(0)}, Code::kInvalidArgument);
  expect_refused(c, user_key(0), Bond{Money(-5)}, Code::kInvalidArgument);
  // A key in use, by a genesis validator or a created one; a second validator of one operator.
  expect_refused(c, user_key(1), CreateValidator{val_key(0).public_key(), Money(1000), 0},
                 Code::kKeyInUse);
  expect_refused(c, user_key(1), CreateValidator{cons_key(0).public_key(), Money(1000), 0},
                 Code::kKeyInUse);
  expect_refused(c, user_key(0), CreateValidator{cons_key(1).public_key(), Money(1000), 0},
                 Code::kDuplicate);
  expect_refused(c, user_key(1), CreateValidator{cons_key(1).public_key(), Money(99), 0},
                 Code::kInvalidArgument);  // below min_self_bond
  expect_refused(c, user_key(1), CreateValidator{cons_key(1).public_key(), Money(1000), 10'001},
                 Code::kInvalidArgument);
  expect_refused(c, user_key(1), CreateValidator{cons_key(1).public_key(), Money(2 * kBalance), 0},
                 Code::kInsufficientFunds);
  expect_refused(c, user_key(0), Unjail{}, Code::kNotJailed);
  expect_refused(c, user_key(1), Unjail{}, Code::kNotFound);
  // The txs of the other consensus kinds.
  expect_refused(c, user_key(1), Delegate{user_addr(0), Money(10)}, Code::kNoStaking);
  expect_refused(c, user_key(0), Undelegate{user_addr(0), Money(10)}, Code::kNoStaking);
  expect_refused(c, val_key(0), Propose{cons_key(5).public_key(), 1}, Code::kNoStaking);
  expect_refused(c, val_key(0), Vote{1}, Code::kNoStaking);
}

TEST(StakingBadInput, DposRefusals) {
  StakingChain c(params_for(ConsensusKind::kDpos), {10, 10});
  expect_refused(c, user_key(1), Delegate{user_addr(0), Money(10)}, Code::kNotCandidate);
  expect_refused(c, user_key(1), Delegate{val_addr(0), Money(kBalance + 1)},
                 Code::kInsufficientFunds);
  expect_refused(c, user_key(1), Undelegate{val_addr(0), Money(1)}, Code::kInsufficientFunds);
  expect_refused(c, user_key(1), Undelegate{user_addr(3), Money(1)}, Code::kNotCandidate);
  ASSERT_TRUE(c.one(user_key(1), Delegate{val_addr(0), Money(100)}));
  expect_refused(c, user_key(1), Undelegate{val_addr(0), Money(101)}, Code::kInsufficientFunds);
  expect_refused(c, val_key(0), Bond{Money(10)}, Code::kNoStaking);
  expect_refused(c, val_key(0), Unbond{Money(10)}, Code::kNoStaking);
}

TEST(StakingBadInput, PoaAndSingleTakeNoStake) {
  StakingChain poa(params_for(ConsensusKind::kPoa), {1, 1});
  expect_refused(poa, user_key(0), CreateValidator{cons_key(0).public_key(), Money(1000), 0},
                 Code::kNoStaking);
  expect_refused(poa, user_key(0), Bond{Money(1)}, Code::kNoStaking);
  expect_refused(poa, user_key(0), Delegate{val_addr(0), Money(1)}, Code::kNoStaking);
  expect_refused(poa, val_key(0), Unjail{}, Code::kNoStaking);
  expect_refused(poa, val_key(0), Vote{7}, Code::kNotFound);
  auto single = params_for(ConsensusKind::kSingle);
  StakingChain s(single, {1});
  expect_refused(s, user_key(0), CreateValidator{cons_key(0).public_key(), Money(1000), 0},
                 Code::kNoStaking);
  expect_refused(s, val_key(0), Propose{cons_key(0).public_key(), 1}, Code::kNoStaking);
}

TEST(StakingBadInput, MalformedBodiesAreRefusedByTheDecoder) {
  StakingModule m(params_for(ConsensusKind::kPos), {}, Money(0));
  auto good = to_module_tx(Bond{Money(5)});
  auto with_trailing = good;
  with_trailing.body.push_back(0);
  auto truncated = good;
  truncated.body.pop_back();
  for (const auto& bad : {with_trailing, truncated}) {
    Tx tx = Tx::make_signed(std::string(kChain), user_key(0), 0, bad);
    EXPECT_EQ(m.check_tx(tx).code(), Code::kMalformed);
  }
  EXPECT_TRUE(m.check_tx(Tx::make_signed(std::string(kChain), user_key(0), 0, good)).is_ok());
  // Round trip of every kind.
  for (const StakingTx& t : std::vector<StakingTx>{
           CreateValidator{cons_key(0).public_key(), Money(7), 9}, Bond{Money(1)}, Unbond{Money(2)},
           Delegate{user_addr(1), Money(3)}, Undelegate{user_addr(2), Money(4)}, Unjail{},
           Propose{cons_key(1).public_key(), 5}, Vote{6}}) {
    auto back = decode_staking_tx(to_module_tx(t));
    ASSERT_TRUE(back.is_ok());
    EXPECT_EQ(*back, t);
  }
}

TEST(StakingBadInput, GenesisSectionIsStrict) {
  Genesis g;
  g.chain_id = "x";
  g.engine = EngineKind::kBft;
  g.validators.push_back({val_key(0).public_key(), 1});
  StakingParams p = params_for(ConsensusKind::kPos);
  g.staking = p;
  auto back = Genesis::from_json(g.to_json());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->staking, g.staking);
  EXPECT_EQ(back->hash(), g.hash());
  EXPECT_EQ(back->block().header.state_root, g.block().header.state_root);
  g.engine = EngineKind::kSingle;  // a set that changes needs the bft engine
  EXPECT_EQ(Genesis::from_json(g.to_json()).status().code(), Code::kMalformed);
  g.engine = EngineKind::kBft;
  g.staking.reset();
  EXPECT_NE(back->hash(), g.hash());
  for (std::string_view bad :
       {R"("staking": {"power_unit": 0})", R"("staking": {"consensus": "pow"})",
        R"("staking": {"bogus": 1})", R"("staking": {"slash_double_sign_bp": 10001})",
        R"("staking": {"max_validators": 0})"}) {
    std::string json = g.to_json();
    json.insert(json.find('{') + 1, std::string(bad) + ",");
    EXPECT_FALSE(Genesis::from_json(json).is_ok()) << bad;
  }
}

}  // namespace
}  // namespace wattle::staking_test
