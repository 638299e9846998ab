// `wattle bench staking`: the cost of one block's staking work (end-block:
// reward minted and shared, set recomputed) on a chain whose validator has
// 1,000 vs 100,000 delegations. Rewards are distributed lazily (a reward per
// share on the validator, settled when a delegation next changes;
// docs/staking.md, "Rewards"), so the block should cost the same:
// staking_growth = end_block_ms_100k / end_block_ms_1k, goal <= 2.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>

#include "bench.h"
#include "chain/executor.h"
#include "chain/genesis.h"
#include "modules/staking/staking_state.h"

namespace wattle::bench {

namespace {

using namespace ::wattle::chain;
using namespace ::wattle::modules;
using Clock = std::chrono::steady_clock;

// A dpos chain of 4 validators, the first with `delegations` delegators.
State chain_with(const Genesis& g, int delegations) {
  State s = g.initial_state();
  const Address op = Address::of(g.validators[0].public_key);
  auto v = read_or_default<ValidatorRecord>(s, validator_key(op));
  for (int i = 0; i < delegations; ++i) {
    Address who;
    for (int b = 0; b < 4; ++b) who.bytes[b] = static_cast<uint8_t>(i >> (8 * b));
    who.bytes[19] = 0xd7;
    s.put(delegation_key(who, op), encode_to_bytes(Delegation{1'000, 0}));
    v->tokens += 1'000;
    v->shares += 1'000;
  }
  s.put(validator_key(op), encode_to_bytes(*v));
  return s;
}

// Median ms of executing one empty block (its staking end-block) on `s`.
double block_ms(const State& s, const ChainParams& params, int reps) {
  std::vector<double> ms;
  BlockHeader h;
  h.height = 1;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    auto out = execute_block(s, h, {}, params, ExecMode::kStrict, false);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!out) {
      std::cerr << "block failed: " << out.status().to_string() << "\n";
      return -1;
    }
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int run_staking(const BenchOptions& opts) {
  Genesis g;
  g.chain_id = "bench-staking";
  g.engine = EngineKind::kBft;
  for (int i = 0; i < 4; ++i)
    g.validators.push_back(
        {KeyPair::from_label("bench-val-" + std::to_string(i)).public_key(), 10});
  StakingParams p;
  p.consensus = ConsensusKind::kDpos;
  p.epoch_blocks = 1;
  p.block_reward = 1'000'000;
  p.power_unit = 1'000;
  g.staking = p;
  const ChainParams params = g.params();
  const int reps = opts.quick ? 5 : 101;
  const State small = chain_with(g, 1'000);
  const State large = chain_with(g, opts.quick ? 10'000 : 100'000);
  const double a = block_ms(small, params, reps);
  const double b = block_ms(large, params, reps);
  if (a < 0 || b < 0) return 1;
  std::cout << std::fixed << std::setprecision(4) << "end_block_ms_1k=" << a << "\n"
            << "end_block_ms_100k=" << b << "\n"
            << std::setprecision(2) << "staking_growth=" << (a > 0 ? b / a : 0.0) << "\n";
  return 0;
}

}  // namespace wattle::bench
