// Property: random days of meter readings, orders (so trades), transfers and
// cancels keep the no-double-counting identity and the supply identity
// after every block, recomputed here by scanning the whole state rather
// than trusting the module's incremental check:
//   - for every issuance (device, slot): issued = the Wh of every bundle of
//     that device and slot, active + cancelled + expired, and the bundles'
//     id ranges tile [first_id, first_id + issued) exactly;
//   - for every (account, slot): matched = the Wh of the bundles cancelled
//     against it <= the account's metered import;
//   - balances + escrow - debts - minted = genesis supply (MarketChain checks
//     it after every block), and minted = the sum of issuance rewards.
// Random txs may be invalid; the chain drops those (kDropFailing), as a
// proposer would. Replay a failure with RC_PARAMS="seed=<n>" (RapidCheck
// prints the seed of every run at its start).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "cert_test_util.h"

namespace wattle::chain::testing {
namespace {

constexpr int kHouses = 5;

void check_identities(const MarketChain& c) {
  std::map<Bytes, std::vector<std::pair<uint64_t, int64_t>>> runs;  // issue id -> ranges
  std::map<Bytes, int64_t> claimed;                                 // match id -> Wh
  int64_t rewards = 0;
  auto id_of = [](ByteView owner, uint64_t slot) {
    StateKey k = cert_keys::match(Address{}, slot);
    Bytes id(owner.begin(), owner.end());
    id.insert(id.end(), k.id.end() - 8, k.id.end());
    return id;
  };
  for (const auto& [key, bytes] : c.state().records()) {
    if (key.ns != cert_ns::kBundle) continue;
    const Bundle b = decode_exact<Bundle>(bytes).value();
    runs[id_of(b.device.bytes, b.slot)].push_back({b.first_id, b.wh.value()});
    if (b.status == BundleStatus::kCancelled)
      claimed[id_of(b.owner.bytes, b.claim_slot)] += b.wh.value();
  }
  for (const auto& [key, bytes] : c.state().records()) {
    if (key.ns == cert_ns::kIssue) {
      const IssueRecord r = decode_exact<IssueRecord>(bytes).value();
      rewards += r.reward.value();
      auto ranges = runs[key.id];
      std::sort(ranges.begin(), ranges.end());
      uint64_t next = r.first_id;
      for (const auto& [first, wh] : ranges) {
        RC_ASSERT(first == next);
        next += static_cast<uint64_t>(wh);
      }
      RC_ASSERT(next == r.first_id + static_cast<uint64_t>(r.issued.value()));
      runs.erase(key.id);
    } else if (key.ns == cert_ns::kMatch) {
      const MatchRecord m = decode_exact<MatchRecord>(bytes).value();
      RC_ASSERT(claimed[key.id] == m.matched.value());
      claimed.erase(key.id);
    }
  }
  RC_ASSERT(runs.empty());     // no bundle without an issuance
  RC_ASSERT(claimed.empty());  // no cancelled Wh without a match record
  RC_ASSERT(cert_cursor(c).minted.value() == rewards);
  // Matched never above import, per (account, slot) with a match.
  for (const auto& [key, bytes] : c.state().records()) {
    if (key.ns != cert_ns::kMatch) continue;
    Address a;
    std::copy(key.id.begin(), key.id.begin() + 20, a.bytes.begin());
    uint64_t slot = 0;
    for (size_t i = 20; i < 28; ++i) slot = (slot << 8) | key.id[i];
    const auto reading =
        read_or_default<ReadingRecord>(c.state(), market_keys::reading(a, slot)).value();
    RC_ASSERT(decode_exact<MatchRecord>(bytes).value().matched <= reading.import_wh);
  }
}

RC_GTEST_PROP(CertProperty, IdentitiesHoldAfterEveryBlock, ()) {
  CertParams p;
  p.bundle_with_trades = *rc::gen::arbitrary<bool>();
  p.match_window_slots = *rc::gen::inRange<uint64_t>(0, 3);
  p.expiry_slots = *rc::gen::inRange<uint64_t>(std::max<uint64_t>(p.match_window_slots, 1), 6);
  p.reward_per_mwh[0] = *rc::gen::inRange<int64_t>(0, 5'000'000);
  MarketChain c(cert_genesis(kHouses, p));
  const uint64_t s0 = kFirstSlot;
  std::vector<Tx> setup;
  for (int i = 0; i < kHouses; ++i)
    setup.push_back(c.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
  c.ok(setup, in_slot(c, s0));
  std::vector<Tx> devices;
  for (int i = 0; i < kHouses; ++i)
    if (*rc::gen::arbitrary<bool>()) devices.push_back(c.sign(operator_key(), register_device(i)));
  c.ok(devices, in_slot(c, s0, 2));
  std::array<int64_t, kHouses> imp{}, exp{};
  const int slots = *rc::gen::inRange(3, 9);
  for (int k = 1; k <= slots; ++k) {
    const uint64_t s = s0 + static_cast<uint64_t>(k);
    // Orders for slot s, placed in slot s-1.
    std::vector<Tx> orders;
    for (int i = 0; i < kHouses; ++i) {
      if (*rc::gen::inRange(0, 3) == 0) continue;
      const bool sell = *rc::gen::arbitrary<bool>();
      orders.push_back(c.sign(user_key(i), order(s, sell ? market::Side::kSell : market::Side::kBuy,
                                                 *rc::gen::inRange<int64_t>(1, 2000),
                                                 *rc::gen::inRange<int64_t>(50'000, 250'000))));
    }
    RC_ASSERT(c.block(orders, in_slot(c, s - 1, 10), ExecMode::kDropFailing).is_ok());
    // Readings for s, then certificate txs from what the houses hold.
    std::vector<Tx> reads;
    for (int i = 0; i < kHouses; ++i) {
      if (*rc::gen::inRange(0, 5) == 0) continue;  // a missing reading
      imp[i] += *rc::gen::inRange<int64_t>(0, 1500);
      exp[i] += *rc::gen::inRange<int64_t>(0, 1500);
      reads.push_back(c.sign(meter_key(i), reading(s, imp[i], exp[i])));
    }
    RC_ASSERT(c.block(reads, after_slot(c, s), ExecMode::kDropFailing).is_ok());
    check_identities(c);
    RC_ASSERT(c.block({}, settle(c, s), ExecMode::kDropFailing).is_ok());
    check_identities(c);
    std::vector<Tx> moves;
    for (int i = 0; i < kHouses; ++i) {
      for (const BundleView& v : holdings(c, user_addr(i))) {
        const int choice = *rc::gen::inRange(0, 4);
        const int64_t wh = *rc::gen::inRange<int64_t>(-1, v.bundle.wh.value() + 2);
        if (choice == 1)
          moves.push_back(c.sign(
              user_key(i), cert_transfer(v.id, wh, user_addr(*rc::gen::inRange(0, kHouses)))));
        if (choice == 2)
          moves.push_back(
              c.sign(user_key(i), cert_cancel(v.id, wh, s - *rc::gen::inRange<uint64_t>(0, 3))));
      }
    }
    RC_ASSERT(c.block(moves, settle(c, s) + 1000, ExecMode::kDropFailing).is_ok());
    check_identities(c);
  }
  RC_ASSERT(c.conserved());
  // What the run exercised (RapidCheck prints the distribution).
  int cancelled = 0, expired = 0;
  for (const auto& [key, bytes] : c.state().records()) {
    if (key.ns != cert_ns::kBundle) continue;
    const BundleStatus st = decode_exact<Bundle>(bytes).value().status;
    cancelled += st == BundleStatus::kCancelled;
    expired += st == BundleStatus::kExpired;
  }
  RC_CLASSIFY(cancelled > 0, "cancels committed");
  RC_CLASSIFY(expired > 0, "bundles expired");
  RC_CLASSIFY(cert_cursor(c).next_bundle > 2 * static_cast<uint64_t>(slots), "many bundles");
}

}  // namespace
}  // namespace wattle::chain::testing
