// Property: with random sealed and public orders and random reveal failures
// (a reveal with a wrong salt that is refused, a sealed order never
// revealed), the slot's clearing equals the market library's clearing of
// exactly the public and the correctly revealed orders, in placement order;
// balances + escrow - debts stay constant after every block (MarketChain
// checks it, deposits included), and the operator receives exactly one
// seal_deposit per order not revealed. Replay with RC_PARAMS="seed=<n>".
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "market/registry.h"
#include "market_test_util.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr uint64_t kSlot = kFirstSlot + 2;
constexpr int kUsers = 6;

enum class Mode { kPublic, kRevealed, kWrongSaltOnly, kNeverRevealed };

struct Planned {
  int user;
  Side side;
  int64_t energy, price;
  Mode mode;
  bool late_reveal;  // in the window's second block rather than the gate block
};

std::string raw(const auto& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

RC_GTEST_PROP(SealedProperty, ClearingIsTheLibrarysOnRevealedAndPublicOrders, ()) {
  const auto plans = *rc::gen::container<std::vector<Planned>>(rc::gen::build<Planned>(
      rc::gen::set(&Planned::user, rc::gen::inRange(0, kUsers)),
      rc::gen::set(&Planned::side, rc::gen::element(Side::kBuy, Side::kSell)),
      rc::gen::set(&Planned::energy, rc::gen::inRange<int64_t>(1, 5'000)),
      rc::gen::set(&Planned::price, rc::gen::inRange<int64_t>(0, 300'000)),
      rc::gen::set(&Planned::mode, rc::gen::element(Mode::kPublic, Mode::kRevealed,
                                                    Mode::kWrongSaltOnly, Mode::kNeverRevealed)),
      rc::gen::set(&Planned::late_reveal, rc::gen::arbitrary<bool>())));
  RC_PRE(!plans.empty() && plans.size() <= 40);
  const Genesis g = market_genesis(kUsers, 100'000'000, 100'000'000);
  MarketChain chain(g);
  const MarketParams& m = chain.market();
  const uint64_t gate = *m.gate_ms(kSlot);

  bool any_sealed = false;
  for (const Planned& p : plans) any_sealed = any_sealed || p.mode != Mode::kPublic;
  // Placement: every tx in block 1, in plan order.
  std::vector<Tx> txs;
  std::vector<Salt> salts(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    const Planned& p = plans[i];
    if (p.mode == Mode::kPublic) {
      txs.push_back(chain.sign(user_key(p.user), order(kSlot, p.side, p.energy, p.price)));
      continue;
    }
    salts[i].fill(static_cast<uint8_t>(i + 1));
    const Hash256 c = sealed_commitment(user_addr(p.user), kSlot, p.side, Energy(p.energy),
                                        Price(p.price), salts[i]);
    const Money bound = *(p.side == Side::kBuy ? buy_escrow(m, Energy(p.energy), Price(p.price))
                                               : sell_escrow(m, Energy(p.energy)));
    txs.push_back(chain.sign(user_key(p.user), to_module_tx(SealedOrder{kSlot, c, bound})));
  }
  const uint64_t placed_height = chain.head().height + 1;
  chain.ok(txs, chain.head().time_ms + 1);
  std::vector<Hash256> ids;
  for (const Tx& tx : txs) ids.push_back(tx.hash());

  auto reveal_of = [&](size_t i, const Salt& salt) {
    const Planned& p = plans[i];
    return chain.sign(
        user_key(p.user),
        to_module_tx(RevealOrder{ids[i], kSlot, p.side, Energy(p.energy), Price(p.price), salt}));
  };
  // The window: the gate block and the next. A wrong salt is refused and
  // changes nothing; the right one goes in the block the plan says.
  const int64_t op_before = chain.balance(m.operator_account);
  for (int b = 0; b < 2; ++b) {
    const uint64_t t = std::max(gate, chain.head().time_ms + 1000);
    // try_tx forgets the nonces handed out, so the refused reveals go first.
    for (size_t i = 0; i < plans.size() && b == 0; ++i) {
      if (plans[i].mode != Mode::kWrongSaltOnly) continue;
      Salt wrong = salts[i];
      wrong[0] ^= 0xff;
      bool untouched = false;
      RC_ASSERT(chain.try_tx(reveal_of(i, wrong), t, &untouched).code() == Code::kRevealMismatch);
      RC_ASSERT(untouched);
    }
    std::vector<Tx> reveals;
    for (size_t i = 0; i < plans.size(); ++i)
      if (plans[i].mode == Mode::kRevealed && plans[i].late_reveal == (b == 1))
        reveals.push_back(reveal_of(i, salts[i]));
    chain.ok(reveals, t);
    // Sealed orders hold the slot open through its window; public ones alone
    // clear at the gate.
    RC_ASSERT((chain.slot(kSlot).value().status == SlotStatus::kOpen) == any_sealed);
  }
  chain.ok({}, chain.head().time_ms + 1000);  // the window has ended: clearing
  const SlotRecord s = chain.slot(kSlot).value();
  RC_ASSERT(s.status == SlotStatus::kClosed);
  int unrevealed = 0;
  for (const Planned& p : plans)
    unrevealed += p.mode == Mode::kWrongSaltOnly || p.mode == Mode::kNeverRevealed;
  RC_ASSERT(chain.balance(m.operator_account) - op_before == unrevealed * m.seal_deposit);

  // The library's clearing of exactly the public and revealed orders, in
  // placement order (block 1, tx index = plan index).
  market::Book book;
  std::vector<size_t> in_book;
  for (size_t i = 0; i < plans.size(); ++i) {
    const Planned& p = plans[i];
    if (p.mode != Mode::kPublic && p.mode != Mode::kRevealed) continue;
    market::Order o;
    o.id = raw(ids[i].bytes);
    o.side = p.side;
    o.energy = Energy(p.energy);
    o.price = Price(p.price);
    o.time = (placed_height << 32) | i;
    o.owner = raw(user_addr(p.user).bytes);
    book.orders.push_back(o);
    in_book.push_back(i);
  }
  RC_ASSERT(s.book.size() == in_book.size());
  for (size_t k = 0; k < in_book.size(); ++k) RC_ASSERT(s.book[k].id == ids[in_book[k]]);
  if (book.orders.empty()) {
    RC_ASSERT(s.trades.empty());
    return;
  }
  const auto c = market::clear(m.mechanism, book, market::Params{m.params});
  RC_ASSERT(c.is_ok());
  RC_ASSERT(s.clearing_price == c->clearing_price);
  std::vector<Energy> filled(in_book.size());
  std::vector<Money> amount(in_book.size());
  for (const market::Fill& f : c->fills) {
    filled[f.order] = f.energy;
    amount[f.order] = f.amount;
  }
  for (size_t k = 0; k < in_book.size(); ++k) {
    RC_ASSERT(s.book[k].filled == filled[k]);
    RC_ASSERT(s.book[k].amount == amount[k]);
  }
  RC_ASSERT(s.trades.size() == c->trades.size());
  for (size_t k = 0; k < c->trades.size(); ++k) {
    RC_ASSERT(s.trades[k].buy == c->trades[k].buy);
    RC_ASSERT(s.trades[k].sell == c->trades[k].sell);
    RC_ASSERT(s.trades[k].energy == c->trades[k].energy);
    RC_ASSERT(s.trades[k].buy_price == c->trades[k].buy_price);
  }
}

}  // namespace
}  // namespace wattle::chain
