// Property: random orders, cancels, transfers and meter readings
// over random slots and block times, under several mechanisms (seeded ones,
// and one that trades with the grid), keep balances + escrow - debts
// constant after every block, and every bill follows the rules of
// docs/market.md as recomputed here, not read back from what settlement
// computed: from the slot's book (bought, sold, p2p_paid, p2p_received), the
// meter's reading (import, export) and the market parameters,
//   deviation = (export - import) - (sold - bought)
//   grid_received = floor(deviation * grid_sell / 1000) if deviation > 0
//   grid_paid = ceil(-deviation * grid_buy / 1000) if deviation < 0
//   grid_fee = ceil(bought * grid_fee / 1000)
//   tax = ceil((p2p_paid + grid_fee + grid_paid) * tax_bp / 10000)
//   net = p2p_received + grid_received - p2p_paid - grid_paid - grid_fee - tax
// and, over every block, each account's balance + escrow - debt moves by
// exactly its bills' nets plus the transfers it received minus those it sent
// (orders, cancels, clearing refunds and readings move nothing between
// accounts); the operator's by the slots' surplus + grid_net + grid_paid +
// grid_fee - grid_received, the tax account's by the taxes.
// Replay a failure with RC_PARAMS="seed=<n>" (RapidCheck prints it; the
// seed of every run is printed at its start).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "market_test_util.h"
#include "random_market.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

// balance + escrow - debt of one account.
using i128 = __int128;

i128 value_of(const MarketChain& chain, const Address& a) {
  const MarketAccount ma = chain.market_account(a);
  return static_cast<i128>(chain.balance(a)) + ma.escrow.value() - ma.debt.value();
}

// ceil(a / b) for b > 0, written out here rather than taken from the code under test.
i128 ceil_of(i128 a, i128 b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

struct Expected {
  i128 operator_delta = 0, tax_delta = 0;
  std::map<Address, i128> net;
};

// Checks every bill of settled slot `slot_no` against the rules, recomputed
// from the slot's book, the readings and the market parameters, and adds
// what the settlement should have moved to `out`.
void check_settled_slot(const MarketChain& chain, uint64_t slot_no, Expected& out) {
  const MarketParams& m = chain.market();
  const std::optional<SlotRecord> s = chain.slot(slot_no);
  RC_ASSERT(s.has_value());
  RC_ASSERT(s->status == SlotStatus::kSettled);
  struct Pos {
    i128 bought = 0, sold = 0, paid = 0, received = 0;
    bool filled = false;
  };
  std::map<Address, Pos> pos;
  for (const BookEntry& e : s->book) {
    Pos& p = pos[e.owner];
    (e.side == Side::kBuy ? p.bought : p.sold) += e.filled.value();
    (e.side == Side::kBuy ? p.paid : p.received) += e.amount.value();
    p.filled = p.filled || e.filled.value() > 0;
    RC_ASSERT(e.escrow.value() == 0);
  }
  out.operator_delta += static_cast<i128>(s->surplus.value()) + s->grid_net.value();
  for (const auto& [owner, p] : pos) {
    const std::optional<Bill> bill = chain.bill(owner, slot_no);
    RC_ASSERT(bill.has_value() == p.filled);
    if (!bill) continue;
    const Bill& b = *bill;
    auto r = read_record<ReadingRecord>(chain.state(), market_keys::reading(owner, slot_no));
    RC_ASSERT(r.is_ok());
    const ReadingRecord reading = r->value_or(ReadingRecord{});
    RC_ASSERT(b.reading_posted == r->has_value());
    RC_ASSERT(b.import_wh.value() == reading.import_wh.value());
    RC_ASSERT(b.export_wh.value() == reading.export_wh.value());
    RC_ASSERT(b.bought.value() == p.bought);
    RC_ASSERT(b.sold.value() == p.sold);
    RC_ASSERT(b.p2p_paid.value() == p.paid);
    RC_ASSERT(b.p2p_received.value() == p.received);
    const i128 dev = (static_cast<i128>(b.export_wh.value()) - b.import_wh.value()) -
                     (static_cast<i128>(b.sold.value()) - b.bought.value());
    const i128 grid_received = dev > 0 ? dev * m.grid_sell / 1000 : 0;
    const i128 grid_paid = dev < 0 ? ceil_of(-dev * m.grid_buy, 1000) : 0;
    const i128 grid_fee = ceil_of(static_cast<i128>(b.bought.value()) * m.grid_fee, 1000);
    const i128 tax = ceil_of((p.paid + grid_fee + grid_paid) * m.tax_bp, 10'000);
    const i128 net = p.received + grid_received - p.paid - grid_paid - grid_fee - tax;
    RC_ASSERT(b.deviation_wh == dev);
    RC_ASSERT(b.grid_received.value() == grid_received);
    RC_ASSERT(b.grid_paid.value() == grid_paid);
    RC_ASSERT(b.grid_fee.value() == grid_fee);
    RC_ASSERT(b.tax.value() == tax);
    RC_ASSERT(b.net.value() == net);
    out.net[owner] += net;
    out.operator_delta += grid_paid + grid_fee - grid_received;
    out.tax_delta += tax;
  }
}

// Runs `txs` as one block and checks every tracked account's value change
// against the slots the block settled and the transfers it applied.
void run_block(MarketChain& chain, std::vector<Tx> txs, uint64_t t,
               const std::vector<Address>& tracked, int& settled_checked) {
  const MarketParams& m = chain.market();
  std::map<Address, i128> before;
  for (const Address& a : tracked) before[a] = value_of(chain, a);
  auto exec = chain.block(std::move(txs), t, ExecMode::kDropFailing);
  RC_ASSERT(exec.is_ok());
  RC_ASSERT(chain.conserved());
  Expected want;
  for (const Event& e : exec->module_events) {
    if (e.kind != Event::Kind::kSlotSettled) continue;
    check_settled_slot(chain, e.slot, want);
    ++settled_checked;
  }
  want.net[m.operator_account] += want.operator_delta;
  want.net[m.tax_account] += want.tax_delta;
  for (const Tx& tx : exec->txs) {
    if (const auto* tr = std::get_if<Transfer>(&tx.payload)) {
      want.net[tx.sender_address()] -= tr->amount.value();
      want.net[tr->to] += tr->amount.value();
    }
  }
  for (const Address& a : tracked) {
    const i128 got = value_of(chain, a) - before[a];
    if (got != want.net[a])
      RC_LOG() << "height " << chain.head().height << ": " << a.to_string() << " moved "
               << static_cast<int64_t>(got) << ", want " << static_cast<int64_t>(want.net[a])
               << "\n";
    RC_ASSERT(got == want.net[a]);
  }
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
  std::vector<Address> tracked{m.operator_account, m.tax_account};
  for (int i = 0; i < houses; ++i) tracked.push_back(user_addr(i));
  int settled = 0;  // slots whose bills and moves were checked
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
    run_block(chain, std::move(txs), t, tracked, settled);
  }
  // Run past every settlement.
  t += (m.max_slots_ahead + 8) * m.slot_ms() + m.settlement_delay_seconds * 1000;
  run_block(chain, {}, t, tracked, settled);
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
  RC_TAG(settled > 0 ? "slots settled" : "nothing settled");
}

}  // namespace
}  // namespace wattle::chain
