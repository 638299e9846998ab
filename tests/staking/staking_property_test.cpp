// RapidCheck properties of the staking module under random schedules of
// staking txs and double-sign evidence (docs/staking.md): conservation after
// every block (balances + bonded + unbonding + undistributed rewards =
// genesis supply + minted - burned), each evidence slashed at most once, and
// two replicas executing the same blocks hold the same set at every height.
// Replay a failure with RC_PARAMS="replay=..." as RapidCheck prints it.
#include "staking_harness.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace wattle::staking_test {
namespace {

// One random staking action: who acts, what, on whom, how much.
struct Action {
  int kind = 0;  // 0 create, 1 bond, 2 unbond, 3 delegate, 4 undelegate, 5 unjail, 6 evidence
  int who = 0;
  int target = 0;
  int64_t amount = 0;
};

Action random_action() {
  return Action{*rc::gen::inRange(0, 7), *rc::gen::inRange(0, 4), *rc::gen::inRange(0, 6),
                *rc::gen::inRange<int64_t>(-10, 3000)};
}

Address target_addr(int t) {
  return t < 2 ? val_addr(t) : user_addr(t - 2);
}

// The txs (and evidence) of one block from its actions.
void build(StakingChain& c, const std::vector<Action>& actions, std::vector<Tx>& txs,
           std::vector<Bytes>& evidence) {
  for (const auto& a : actions) {
    const KeyPair key = a.who < 2 && a.kind == 5 ? val_key(a.who) : user_key(a.who);
    const Money m(a.amount);
    switch (a.kind) {
      case 0:
        txs.push_back(c.tx(key, CreateValidator{cons_key(a.target).public_key(), m, 500}));
        break;
      case 1:
        txs.push_back(c.tx(key, Bond{m}));
        break;
      case 2:
        txs.push_back(c.tx(key, Unbond{m}));
        break;
      case 3:
        txs.push_back(c.tx(key, Delegate{target_addr(a.target), m}));
        break;
      case 4:
        txs.push_back(c.tx(key, Undelegate{target_addr(a.target), m}));
        break;
      case 5:
        txs.push_back(c.tx(key, Unjail{}));
        break;
      default:
        if (c.height() > 0 && evidence.empty())
          evidence.push_back(evidence_item(static_cast<uint64_t>(a.amount & 0xff) % c.height(),
                                           static_cast<uint8_t>(a.target % 2)));
    }
  }
}

void check_schedule(ConsensusKind kind) {
  auto p = params_for(kind);
  p.block_reward = *rc::gen::inRange<int64_t>(0, 5000);
  p.max_validators = *rc::gen::inRange<uint32_t>(1, 4);
  p.epoch_blocks = *rc::gen::inRange<uint64_t>(1, 4);
  p.unbonding_blocks = *rc::gen::inRange<uint64_t>(0, 6);
  p.slash_double_sign_bp = *rc::gen::inRange<uint32_t>(0, 10'001);
  StakingChain a(p, {10, 7});
  StakingChain b(p, {10, 7});
  const int blocks = *rc::gen::inRange(1, 25);
  std::set<Hash256> slashed_evidence;
  for (int i = 0; i < blocks; ++i) {
    auto actions = *rc::gen::container<std::vector<Action>>(*rc::gen::inRange(0, 5),
                                                            rc::gen::exec(random_action));
    std::vector<Tx> txs_a, txs_b;
    std::vector<Bytes> ev_a, ev_b;
    build(a, actions, txs_a, ev_a);
    build(b, actions, txs_b, ev_b);
    const int64_t burned = a.global().burned;
    // An item already committed fails its block: drop it as a proposer would.
    if (!ev_a.empty() && !slashed_evidence.insert(evidence_hash(ev_a[0])).second) {
      ev_a.clear();
      ev_b.clear();
    }
    const bool had_evidence = !ev_a.empty();
    RC_ASSERT(a.block(txs_a, ev_a, ExecMode::kDropFailing).is_ok());
    RC_ASSERT(b.block(txs_b, ev_b, ExecMode::kDropFailing).is_ok());
    RC_ASSERT(a.conserved() == a.genesis_value());
    RC_ASSERT(a.state().root() == b.state().root());
    if (!had_evidence) RC_ASSERT(a.global().burned == burned);
  }
  for (uint64_t h = 0; h <= a.height() + 2; ++h) RC_ASSERT(a.set_at(h) == b.set_at(h));
  // How much of the rules a schedule reached (RapidCheck prints the mix).
  RC_CLASSIFY(a.global().burned > 0, "slashed");
  RC_CLASSIFY(a.global().candidates.size() > 2, "new candidate");
  RC_CLASSIFY(a.set_at(a.height() + 2) != a.set_at(0), "set changed");
}

RC_GTEST_PROP(StakingProperty, PosConservesValueAndReplicasAgree, ()) {
  check_schedule(ConsensusKind::kPos);
}

RC_GTEST_PROP(StakingProperty, DposConservesValueAndReplicasAgree, ()) {
  check_schedule(ConsensusKind::kDpos);
}

}  // namespace
}  // namespace wattle::staking_test
