// `wattle bench market-chain`: what sealing costs the chain, on one slot of
// 10,000 orders (one per household) executed in memory through
// execute_block (the one execution path: rules, hooks, state root; no
// signature checks, which cost the same per tx whatever its kind, and no
// storage):
//
//   public_block_ms_10k   a block of 10,000 public orders
//   sealed_block_ms_10k   a block of 10,000 sealed orders (commitments)
//   reveal_block_ms_10k   a block of the 10,000 reveals (in the window)
//   sealed_clear_ms_10k   the window's end: the block that clears the slot
//   public_clear_ms_10k   the gate block that clears the public slot
//   reveal_vs_public      reveal_block_ms_10k / public_block_ms_10k (same run)
//
// --quick uses 1,000 orders (the names keep _10k; figures not meaningful).
#include <chrono>
#include <iostream>
#include <random>

#include "bench.h"
#include "chain/executor.h"
#include "chain/genesis.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::bench {

namespace {

using Clock = std::chrono::steady_clock;
using modules::MarketParams;

struct Run {
  chain::ChainParams params;
  chain::State state;
  chain::BlockHeader head;

  // Executes and applies one block at `time_ms`; its wall time in ms.
  double block(std::vector<chain::Tx> txs, uint64_t time_ms) {
    chain::BlockHeader h;
    h.height = head.height + 1;
    h.prev_hash = head.hash();
    h.time_ms = time_ms;
    const auto t0 = Clock::now();
    auto exec =
        chain::execute_block(state, h, std::move(txs), params, chain::ExecMode::kStrict, false);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!exec) throw std::runtime_error("block refused: " + exec.status().to_string());
    state.apply(exec->writes);
    h.state_root = exec->state_root;
    head = h;
    return ms;
  }
};

struct Order {
  market::Side side;
  int64_t energy, price;
  modules::Salt salt;
};

}  // namespace

int run_market_chain(const BenchOptions& opts) {
  const size_t n = opts.quick ? 1'000 : 10'000;
  std::mt19937_64 rng(opts.seed);
  std::vector<KeyPair> keys;
  for (size_t i = 0; i < n; ++i)
    keys.push_back(KeyPair::from_label("bench/market-chain/" + std::to_string(i)));
  MarketParams m;
  m.operator_account = Address::of(KeyPair::from_label("bench/market-chain/op").public_key());
  m.tax_account = m.operator_account;
  const uint64_t slot = 2'000'000;
  auto make_run = [&] {
    chain::Genesis g;
    g.chain_id = "bench-market-chain";
    g.genesis_time_ms = m.slot_start_ms(slot - 2);
    g.validators.push_back({keys[0].public_key(), 1});
    for (const auto& k : keys)
      g.balances.push_back({Address::of(k.public_key()), Money(1'000'000'000)});
    g.balances.push_back({m.operator_account, Money(1'000'000'000)});
    g.market = m;
    return Run{g.params(), g.initial_state(), g.block().header};
  };
  std::vector<Order> orders(n);
  for (size_t i = 0; i < n; ++i) {
    orders[i].side = i % 2 ? market::Side::kSell : market::Side::kBuy;
    orders[i].energy = 100 + static_cast<int64_t>(rng() % 5'000);
    orders[i].price = 40'000 + static_cast<int64_t>(rng() % 120'000);
    for (auto& b : orders[i].salt) b = static_cast<uint8_t>(rng());
  }
  const uint64_t t_open = m.slot_start_ms(slot - 2) + 1'000;
  const uint64_t gate = *m.gate_ms(slot);

  Run pub = make_run();
  std::vector<chain::Tx> txs;
  for (size_t i = 0; i < n; ++i)
    txs.push_back(chain::Tx::make_signed(
        pub.params.chain_id, keys[i], 0,
        chain::PlaceOrder{slot, orders[i].side, Energy(orders[i].energy), Price(orders[i].price)}));
  const double public_ms = pub.block(std::move(txs), t_open);
  const double public_clear_ms = pub.block({}, gate);

  Run sealed = make_run();
  txs.clear();
  std::vector<Hash256> ids;
  for (size_t i = 0; i < n; ++i) {
    const Order& o = orders[i];
    const Address a = Address::of(keys[i].public_key());
    const auto bound = o.side == market::Side::kBuy
                           ? modules::buy_escrow(m, Energy(o.energy), Price(o.price))
                           : modules::sell_escrow(m, Energy(o.energy));
    const Hash256 c =
        modules::sealed_commitment(a, slot, o.side, Energy(o.energy), Price(o.price), o.salt);
    txs.push_back(
        chain::Tx::make_signed(sealed.params.chain_id, keys[i], 0,
                               modules::to_module_tx(modules::SealedOrder{slot, c, *bound})));
    ids.push_back(txs.back().hash());
  }
  const double sealed_ms = sealed.block(std::move(txs), t_open);
  txs.clear();
  for (size_t i = 0; i < n; ++i) {
    const Order& o = orders[i];
    txs.push_back(chain::Tx::make_signed(
        sealed.params.chain_id, keys[i], 1,
        modules::to_module_tx(
            modules::RevealOrder{ids[i], slot, o.side, Energy(o.energy), Price(o.price), o.salt})));
  }
  const double reveal_ms = sealed.block(std::move(txs), gate);
  for (uint64_t b = 1; b < m.reveal_blocks; ++b) sealed.block({}, sealed.head.time_ms + 1);
  const double sealed_clear_ms = sealed.block({}, sealed.head.time_ms + 1);

  std::cout << "public_block_ms_10k=" << static_cast<uint64_t>(public_ms) << "\n";
  std::cout << "sealed_block_ms_10k=" << static_cast<uint64_t>(sealed_ms) << "\n";
  std::cout << "reveal_block_ms_10k=" << static_cast<uint64_t>(reveal_ms) << "\n";
  std::cout << "sealed_clear_ms_10k=" << static_cast<uint64_t>(sealed_clear_ms) << "\n";
  std::cout << "public_clear_ms_10k=" << static_cast<uint64_t>(public_clear_ms) << "\n";
  std::cout << "reveal_vs_public=" << reveal_ms / std::max(public_ms, 0.001) << "\n";
  return 0;
}

}  // namespace wattle::bench
