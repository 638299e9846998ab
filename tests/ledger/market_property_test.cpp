// Property (issue 15): random orders, cancels, transfers and meter readings
// over random slots and block times, under several mechanisms (seeded ones,
// and one that trades with the grid), keep balances + escrow - debts
// constant after every block, and every bill satisfies
//   net = p2p_received + grid_received - p2p_paid - grid_paid - grid_fee - tax
// with grid_paid and grid_received never both non-zero, and the bill's
// deviation = (export - import) - (sold - bought).
// Replay a failure with RC_PARAMS="seed=<n>" (RapidCheck prints it).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "market_test_util.h"

namespace wattle::ledger {
namespace {

using market::Side;
using namespace testing;

MarketParams random_market() {
  MarketParams m = example_market();
  switch (*rc::gen::inRange(0, 5)) {
    case 0:
      break;  // uniform
    case 1:
      m.mechanism = "pay-as-bid";
      m.params = {};
      break;
    case 2:
      m.mechanism = "random-pairs";  // draws randomness: the chain's seed
      m.params = {};
      break;
    case 3:
      m.mechanism = "mmr";  // community pricing: trades with the grid in the clearing
      m.params = {{"grid_buy", m.grid_buy}, {"grid_sell", m.grid_sell}};
      break;
    default:
      m.mechanism = "cda";
      m.params = {};
  }
  m.tax_bp = *rc::gen::inRange<int64_t>(0, 3000);
  m.grid_fee = *rc::gen::inRange<int64_t>(0, 50'000);
  m.max_reading_wh_per_slot = *rc::gen::inRange<int64_t>(1, 20'000);
  return m;
}

RC_GTEST_PROP(MarketProperty, ConservationAndBillIdentityHold, ()) {
  const MarketParams m = random_market();
  const int houses = *rc::gen::inRange(2, 7);
  Genesis g = make_genesis(houses, 0);
  g.balances.clear();
  for (int i = 0; i < houses; ++i)
    g.balances.push_back({user_addr(i), Money(*rc::gen::inRange<int64_t>(1, 5'000'000))});
  g.market = m;
  g.genesis_time_ms = m.slot_start_ms(kFirstSlot);
  g.balances.push_back({m.operator_account, Money(*rc::gen::inRange<int64_t>(1, 1'000'000))});
  MarketChain chain(g);
  std::vector<Tx> meters;
  for (int i = 0; i < houses; ++i)
    meters.push_back(
        chain.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
  uint64_t t = g.genesis_time_ms + 1;
  RC_ASSERT(chain.block(meters, t).is_ok());
  std::vector<Hash256> placed;
  std::vector<std::pair<int64_t, int64_t>> counters(houses);
  std::set<uint64_t> slots_seen;
  const int blocks = *rc::gen::inRange(5, 40);
  for (int b = 0; b < blocks; ++b) {
    t += *rc::gen::inRange<uint64_t>(1, 2 * m.slot_ms());
    const uint64_t now = m.slot_of(t);
    std::vector<Tx> txs;
    for (int i = 0; i < houses; ++i) {
      switch (*rc::gen::inRange(0, 5)) {
        case 0:
        case 1: {
          const uint64_t slot = now + *rc::gen::inRange<uint64_t>(0, 4);
          const Side side = *rc::gen::element(Side::kBuy, Side::kSell);
          Tx tx = chain.sign(user_key(i), order(slot, side, *rc::gen::inRange<int64_t>(1, 3000),
                                                *rc::gen::inRange<int64_t>(0, 400'000)));
          placed.push_back(tx.hash());
          txs.push_back(tx);
          break;
        }
        case 2:
          if (!placed.empty())
            txs.push_back(chain.sign(
                user_key(i), CancelOrder{placed[*rc::gen::inRange<size_t>(0, placed.size())]}));
          break;
        case 3:
          txs.push_back(
              chain.sign(user_key(i), Transfer{user_addr(*rc::gen::inRange(0, houses)),
                                               Money(*rc::gen::inRange<int64_t>(1, 100'000))}));
          break;
        default:
          break;
      }
      if (*rc::gen::inRange(0, 3) != 0) {  // the meter reads a recent slot
        const uint64_t slot = now - *rc::gen::inRange<uint64_t>(1, 4);
        auto& [imp, exp] = counters[i];
        imp += *rc::gen::inRange<int64_t>(0, m.max_reading_wh_per_slot + 1);
        exp += *rc::gen::inRange<int64_t>(0, m.max_reading_wh_per_slot + 1);
        txs.push_back(chain.sign(meter_key(i), reading(slot, imp, exp)));
        slots_seen.insert(slot);
      }
    }
    auto exec = chain.block(txs, t, ExecMode::kDropFailing);
    RC_ASSERT(exec.is_ok());
    RC_ASSERT(chain.conserved());
  }
  // Run past every settlement.
  t += (m.max_slots_ahead + 8) * m.slot_ms() + m.settlement_delay_seconds * 1000;
  RC_ASSERT(chain.block({}, t).is_ok());
  RC_ASSERT(chain.conserved());
  int bills = 0;
  for (const auto& [key, bytes] : chain.state().records()) {
    if (key.ns == Namespace::kEscrow) {  // everything settled: no escrow left
      RC_ASSERT(decode_exact<MarketAccount>(bytes).value().escrow.value() == 0);
    }
    if (key.ns != Namespace::kBill) continue;
    ++bills;
    const Bill b = decode_exact<Bill>(bytes).value();
    RC_ASSERT(b.net.value() == b.p2p_received.value() + b.grid_received.value() -
                                   b.p2p_paid.value() - b.grid_paid.value() - b.grid_fee.value() -
                                   b.tax.value());
    RC_ASSERT(b.grid_paid.value() == 0 || b.grid_received.value() == 0);
    RC_ASSERT(b.deviation_wh ==
              (b.export_wh.value() - b.import_wh.value()) - (b.sold.value() - b.bought.value()));
  }
  RC_TAG(bills > 0 ? "with bills" : "no bills");
}

}  // namespace
}  // namespace wattle::ledger
