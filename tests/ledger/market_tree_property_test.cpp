// Properties of clearing through a market tree on the chain (docs/market.md,
// "A hierarchy of markets"):
// - a genesis whose tree is one market (the flat mechanism, no fee) gives
//   exactly the flat market's results, bit for bit: the slot records (but
//   for the hash of the block the seed came from, which names a block of
//   each chain), the bills and every balance, on random books, readings and
//   mechanisms;
// - on random trees (random depth, leaves, fees and mechanisms) and random
//   households per leaf, the chain's trades and fills are the library's
//   clear_tree of the slot's book, balances + escrow - debts stay constant
//   after every block (MarketChain checks it), and each level's fee account
//   receives exactly the fees its level's trades state, which are exactly
//   what the bills list as grid_fees for that level.
// Replay a failure with RC_PARAMS="seed=<n>" (RapidCheck prints the seed of
// every run at its start and of a failure with it).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "market/hierarchy/market_tree.h"
#include "market_test_util.h"
#include "modules/energy/market_membership.h"
#include "random_market.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr uint64_t kSlot = kFirstSlot + 2;

struct Planned {
  int user;
  Side side;
  int64_t energy, price;
};

struct Day {
  int houses = 0;
  std::vector<Planned> orders;
  std::vector<std::pair<int64_t, int64_t>> readings;  // per house: import, export
};

Day random_day(int max_houses) {
  Day d;
  d.houses = *rc::gen::inRange(2, max_houses + 1);
  const int n = *rc::gen::inRange(1, 16);
  for (int i = 0; i < n; ++i)
    d.orders.push_back(
        Planned{*rc::gen::inRange(0, d.houses), *rc::gen::element(Side::kBuy, Side::kSell),
                *rc::gen::inRange<int64_t>(1, 4'000), *rc::gen::inRange<int64_t>(1, 400'000)});
  for (int h = 0; h < d.houses; ++h)
    d.readings.emplace_back(*rc::gen::inRange<int64_t>(0, 5'000),
                            *rc::gen::inRange<int64_t>(0, 5'000));
  return d;
}

// Registers every house's meter (in `leaf_of[h]` when given), places the
// day's orders, runs gate closure, posts the readings and settles.
void run_day(MarketChain& chain, const Day& d, const std::vector<std::string>& leaf_of = {}) {
  const MarketParams& m = chain.market();
  std::vector<Tx> txs;
  for (int h = 0; h < d.houses; ++h) {
    if (leaf_of.empty()) {
      txs.push_back(
          chain.sign(operator_key(), RegisterMeter{meter_key(h).public_key(), user_addr(h)}));
    } else {
      txs.push_back(chain.sign(operator_key(), to_module_tx(RegisterMeterInMarket{
                                                   meter_key(h).public_key(), user_addr(h),
                                                   leaf_of[static_cast<size_t>(h)]})));
    }
  }
  chain.ok(txs, chain.head().time_ms + 1000);
  // Orders the balance cannot escrow are left out (kDropFailing), the same
  // way on every chain.
  txs.clear();
  for (const Planned& o : d.orders)
    txs.push_back(chain.sign(user_key(o.user), order(kSlot, o.side, o.energy, o.price)));
  RC_ASSERT(chain.block(txs, chain.head().time_ms + 1000, ExecMode::kDropFailing).is_ok());
  chain.ok({}, *m.gate_ms(kSlot));
  txs.clear();
  for (int h = 0; h < d.houses; ++h) {
    const auto [imp, exp] = d.readings[static_cast<size_t>(h)];
    txs.push_back(chain.sign(meter_key(h), reading(kSlot, imp, exp)));
  }
  RC_ASSERT(chain.block(txs, m.slot_end_ms(kSlot) + 1000, ExecMode::kDropFailing).is_ok());
  chain.ok({}, m.settle_ms(kSlot));
}

Genesis day_genesis(const Day& d, const MarketParams& m, const std::vector<int64_t>& balances) {
  Genesis g = market_genesis(d.houses, 0, 10'000'000, m);
  g.balances.clear();
  for (int h = 0; h < d.houses; ++h)
    g.balances.push_back({user_addr(h), Money(balances[static_cast<size_t>(h)])});
  g.balances.push_back({m.operator_account, Money(10'000'000)});
  return g;
}

RC_GTEST_PROP(MarketTreeProperty, OneMarketTreeEqualsTheFlatMarketBitForBit, ()) {
  MarketParams flat = random_market();
  // random-pairs draws its seed from the parent block's hash, which covers
  // the genesis (and so the market section): two genesis files differ there
  // by construction. Both paths take the seed from market_seed alike.
  if (flat.mechanism == "random-pairs") flat.mechanism = "uniform", flat.params = {{"k", 250'000}};
  MarketParams tree = flat;
  market::MarketNode root;
  root.name = "community";
  root.mechanism = flat.mechanism;
  root.params.values = flat.params;
  root.grid_fee = 0;
  root.fee_account = Address::of(KeyPair::from_label("tree-root-fee").public_key()).to_string();
  tree.markets.nodes = {root};
  const Day d = random_day(6);
  std::vector<int64_t> balances;
  for (int h = 0; h < d.houses; ++h) balances.push_back(*rc::gen::inRange<int64_t>(1, 3'000'000));
  MarketChain a(day_genesis(d, flat, balances));
  MarketChain b(day_genesis(d, tree, balances));
  run_day(a, d);
  run_day(b, d);
  // No slot record when every order was dropped (funds): then on both.
  RC_ASSERT(a.slot(kSlot).has_value() == b.slot(kSlot).has_value());
  if (a.slot(kSlot)) {
    // seed_block names a block of each chain (their genesis differ): the
    // rest of the record, bytes included, is the same.
    SlotRecord ra = *a.slot(kSlot), rb = *b.slot(kSlot);
    ra.seed_block = rb.seed_block = Hash256{};
    RC_ASSERT(encode_to_bytes(ra) == encode_to_bytes(rb));
  }
  for (int h = 0; h < d.houses; ++h) {
    const auto ba = a.bill(user_addr(h), kSlot), bb = b.bill(user_addr(h), kSlot);
    RC_ASSERT(ba.has_value() == bb.has_value());
    if (ba) RC_ASSERT(encode_to_bytes(*ba) == encode_to_bytes(*bb));
    RC_ASSERT(a.balance(user_addr(h)) == b.balance(user_addr(h)));
    RC_ASSERT(a.market_account(user_addr(h)) == b.market_account(user_addr(h)));
  }
  RC_ASSERT(a.balance(flat.operator_account) == b.balance(flat.operator_account));
  RC_ASSERT(a.balance(flat.tax_account) == b.balance(flat.tax_account));
}

// A random tree: a root, 1..3 streets under it, each with 0..2 houses.
market::MarketTree random_tree() {
  market::MarketTree t;
  auto add = [&](const std::string& name, const std::string& parent) {
    market::MarketNode n;
    n.name = name;
    n.parent = parent;
    n.mechanism = *rc::gen::element<std::string>("uniform", "pay-as-bid", "cda");
    if (n.mechanism == "uniform") n.params.values = {{"k", *rc::gen::inRange(0, 1'000'001)}};
    n.grid_fee = *rc::gen::inRange<int64_t>(0, 60'000);
    n.fee_account = Address::of(KeyPair::from_label("tree-fee-" + name).public_key()).to_string();
    t.nodes.push_back(std::move(n));
  };
  add("root", "");
  const int streets = *rc::gen::inRange(1, 4);
  for (int s = 0; s < streets; ++s) {
    const std::string street = "street-" + std::to_string(s);
    add(street, "root");
    const int houses = *rc::gen::inRange(0, 3);
    for (int h = 0; h < houses; ++h) add(street + "-house-" + std::to_string(h), street);
  }
  return t;
}

// The library's book of a closed slot, as the chain hands it over (raw id
// and owner bytes, time = height << 32 | index).
market::Book library_book(const SlotRecord& s) {
  market::Book book;
  for (const BookEntry& e : s.book) {
    market::Order o;
    o.id.assign(reinterpret_cast<const char*>(e.id.bytes.data()), e.id.bytes.size());
    o.owner.assign(reinterpret_cast<const char*>(e.owner.bytes.data()), e.owner.bytes.size());
    o.side = e.side;
    o.energy = e.energy;
    o.price = e.price;
    o.time = (e.height << 32) | e.index;
    book.orders.push_back(std::move(o));
  }
  return book;
}

RC_GTEST_PROP(MarketTreeProperty, ClearingIsTheLibrarysAndFeesReachTheirLevelsExactly, ()) {
  MarketParams m = example_market();
  m.grid_fee = *rc::gen::inRange<int64_t>(0, 30'000);
  m.tax_bp = *rc::gen::inRange<int64_t>(0, 2'000);
  m.markets = random_tree();
  RC_ASSERT(validate(m).is_ok());
  std::vector<uint32_t> leaves;
  for (uint32_t i = 0; i < m.markets.nodes.size(); ++i)
    if (m.markets.is_leaf(i)) leaves.push_back(i);
  const Day d = random_day(8);
  std::vector<int64_t> balances;
  std::vector<std::string> leaf_names;
  std::vector<uint32_t> leaf_of_house;
  for (int h = 0; h < d.houses; ++h) {
    balances.push_back(*rc::gen::inRange<int64_t>(1, 3'000'000));
    leaf_of_house.push_back(*rc::gen::elementOf(leaves));
    leaf_names.push_back(m.markets.nodes[leaf_of_house.back()].name);
  }
  MarketChain chain(day_genesis(d, m, balances));
  // Stop after gate closure to compare with the library, then settle.
  run_day(chain, d, leaf_names);
  const std::optional<SlotRecord> s = chain.slot(kSlot);
  if (!s) return;  // every order dropped (funds): nothing cleared

  // The library's clearing of the same book, each order in its owner's leaf.
  std::vector<uint32_t> leaf_of;
  for (const BookEntry& e : s->book)
    for (int h = 0; h < d.houses; ++h)
      if (e.owner == user_addr(h)) leaf_of.push_back(leaf_of_house[static_cast<size_t>(h)]);
  RC_ASSERT(leaf_of.size() == s->book.size());
  auto c = market::clear_tree(m.markets, library_book(*s), leaf_of);
  RC_ASSERT(c.is_ok());
  RC_ASSERT(c->trades.size() == s->trades.size());
  std::map<uint32_t, __int128> trade_fees;  // by level
  for (size_t i = 0; i < s->trades.size(); ++i) {
    const SlotTrade& t = s->trades[i];
    const market::TreeTrade& w = c->trades[i];
    RC_ASSERT(t.buy == w.trade.buy && t.sell == w.trade.sell);
    RC_ASSERT(t.energy == w.trade.energy && t.buy_price == w.trade.buy_price &&
              t.sell_price == w.trade.sell_price);
    RC_ASSERT(t.market == w.market);
    RC_ASSERT(t.fees.size() == w.fees.size());
    for (size_t f = 0; f < t.fees.size(); ++f) {
      RC_ASSERT(t.fees[f].market == w.fees[f].market && t.fees[f].amount == w.fees[f].amount);
      trade_fees[t.fees[f].market] += t.fees[f].amount.value();
    }
  }
  std::vector<Energy> filled(s->book.size());
  for (const market::Fill& f : c->fills) filled[f.order] = f.energy;
  for (size_t i = 0; i < s->book.size(); ++i) RC_ASSERT(s->book[i].filled == filled[i]);

  // Settled: per level, bills' grid_fees == trades' fees == the fee
  // account's balance (each level's account is its own, starting at 0).
  std::map<uint32_t, __int128> billed;
  for (int h = 0; h < d.houses; ++h)
    if (auto b = chain.bill(user_addr(h), kSlot))
      for (const LevelFeeRecord& f : b->grid_fees) billed[f.market] += f.amount.value();
  RC_ASSERT(billed == trade_fees);
  for (uint32_t i = 0; i < m.markets.nodes.size(); ++i) {
    const Address fee = Address::parse(m.markets.nodes[i].fee_account).value();
    const __int128 want = trade_fees.count(i) ? trade_fees[i] : 0;
    RC_ASSERT(static_cast<__int128>(chain.balance(fee)) == want);
  }
  RC_ASSERT(chain.conserved());
}

}  // namespace
}  // namespace wattle::chain
