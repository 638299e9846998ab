// A recorded market day: a fixed schedule of meter registrations, transfers,
// orders, cancels, gate closures, meter readings and settlements for ten
// households over six slots, run block by block. The state root after each
// block is compared with the roots recorded in testdata/recorded_market_day.txt.
// The state root commits to every balance, escrow, debt, order, slot record,
// trade and bill, so any change to what the chain computes (a refactor that
// moves code, a new module, a faster decode) that alters a trade or a bill by
// one micro-unit shows here, at the first block where it differs.
//
// The schedule is fixed (no seed): it is a recording, not a property. After a
// deliberate change to the rules or the state encoding, regenerate with
// WATTLE_WRITE_RECORDED_DAY=1 and say why in the commit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "market_test_util.h"

namespace wattle::chain::testing {
namespace {

using market::Side;

constexpr int kHouseholds = 10;
constexpr int kSlots = 6;

std::string fixture_path() {
  return std::string(WATTLE_SOURCE_DIR) + "/tests/ledger/testdata/recorded_market_day.txt";
}

// A small deterministic generator (the schedule must never change by itself).
struct Lcg {
  uint64_t x = 0x5eed'0f'da'7e'2026ULL;
  uint64_t next(uint64_t bound) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % bound;
  }
};

// The day as "height state_root_hex" lines, plus a summary of trades and
// bills for a reader of a failing diff.
std::string run_day() {
  MarketChain chain(market_genesis(kHouseholds, 50'000'000, 10'000'000));
  const MarketParams& m = chain.market();
  std::map<uint64_t, std::vector<Tx>> at;  // block time -> its txs
  const uint64_t t0 = chain.head().time_ms;
  for (int i = 0; i < kHouseholds; ++i)
    at[t0 + 1000].push_back(
        chain.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
  at[t0 + 1000].push_back(chain.sign(user_key(0), Transfer{user_addr(1), Money(1'234'567)}));
  chain.ok(std::move(at[t0 + 1000]), t0 + 1000);
  at.clear();

  Lcg rng;
  std::vector<int64_t> imported(kHouseholds, 0), exported(kHouseholds, 0);
  const uint64_t first = kFirstSlot + 1;
  for (uint64_t s = first; s < first + kSlots; ++s) {
    const uint64_t place = *m.gate_ms(s) - 240'000;
    std::vector<Tx> orders;
    for (int i = 0; i < kHouseholds; ++i) {
      const Side side = (i + s) % 3 == 0 ? Side::kSell : Side::kBuy;
      const int64_t energy = 100 + static_cast<int64_t>(rng.next(2900));
      const int64_t price = 40'000 + static_cast<int64_t>(rng.next(260'000));
      orders.push_back(chain.sign(user_key(i), order(s, side, energy, price)));
    }
    // One household changes its mind a minute later.
    const int canceller = static_cast<int>(rng.next(kHouseholds));
    at[place + 60'000].push_back(
        chain.sign(user_key(canceller), CancelOrder{orders[canceller].hash()}));
    at[place] = std::move(orders);
    // Readings once the slot has ended, before settlement.
    // One household's meter misses its reading: settlement bills it from
    // its trades.
    const uint64_t ended = m.slot_start_ms(s + 1) + 5'000;
    const int silent = static_cast<int>(rng.next(kHouseholds));
    for (int i = 0; i < kHouseholds; ++i) {
      imported[i] += static_cast<int64_t>(rng.next(3000));
      exported[i] += static_cast<int64_t>(rng.next(3000));
      if (i != silent)
        at[ended].push_back(chain.sign(meter_key(i), reading(s, imported[i], exported[i])));
    }
  }
  // A block every minute from the first order to the last settlement, plus
  // the scheduled ones.
  const uint64_t end = m.settle_ms(first + kSlots - 1) + 120'000;
  for (uint64_t t = t0 + 60'000; t <= end; t += 60'000) at[t];

  std::ostringstream out;
  for (auto& [time, txs] : at) {
    ExecutedBlock b = chain.ok(std::move(txs), time);
    out << chain.head().height << ' ' << b.state_root.hex() << '\n';
  }
  for (uint64_t s = first; s < first + kSlots; ++s) {
    auto rec = chain.slot(s);
    out << "# slot " << s << " trades=" << (rec ? rec->trades.size() : 0);
    int64_t net = 0;
    for (int i = 0; i < kHouseholds; ++i)
      if (auto bill = chain.bill(user_addr(i), s)) net += bill->net.value();
    out << " sum_net=" << net << '\n';
  }
  return out.str();
}

TEST(RecordedDay, EveryBlockReachesTheRecordedStateRoot) {
  const std::string day = run_day();
  if (std::getenv("WATTLE_WRITE_RECORDED_DAY")) {
    std::ofstream(fixture_path()) << day;
    GTEST_SKIP() << "wrote " << fixture_path();
  }
  std::ifstream in(fixture_path());
  ASSERT_TRUE(in) << "missing " << fixture_path();
  std::stringstream recorded;
  recorded << in.rdbuf();
  std::istringstream want(recorded.str()), got(day);
  std::string w, g;
  int line = 0;
  while (std::getline(want, w)) {
    ++line;
    ASSERT_TRUE(std::getline(got, g)) << "the day ended early, at line " << line;
    ASSERT_EQ(g, w) << "first difference at line " << line << " (height, state root)";
  }
  EXPECT_FALSE(std::getline(got, g)) << "the day runs longer than recorded: " << g;
  // The day exercised the market: trades and bills exist.
  EXPECT_NE(recorded.str().find("trades="), std::string::npos);
  EXPECT_EQ(recorded.str().find("trades=0 "), std::string::npos) << recorded.str();
}

}  // namespace
}  // namespace wattle::chain::testing
