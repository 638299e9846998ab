// Helpers for the market tests: a genesis with a market section, keys for
// households, meters, the operator and the tax account, tx builders with
// automatic nonces, and an in-memory chain that runs blocks at chosen times
// through execute_block and checks conservation (balances + escrow - debts)
// after every block.
#pragma once

#include <gtest/gtest.h>

#include "chain/executor.h"
#include "ledger_test_util.h"
#include "modules/certificates/cert_state.h"
#include "modules/energy/market_queries.h"
#include "modules/energy/market_state.h"

namespace wattle::chain::testing {
using namespace ::wattle::modules;

inline KeyPair operator_key() {
  return KeyPair::from_label("market-test-operator");
}
inline Address tax_addr() {
  return Address::of(KeyPair::from_label("market-test-tax").public_key());
}
inline KeyPair meter_key(int i) {
  return KeyPair::from_label("market-test-meter-" + std::to_string(i));
}

// The example market: uniform k=0.5, 15-minute slots, gate 5 min
// before, settlement 10 min after.
inline MarketParams example_market() {
  MarketParams m;
  m.mechanism = "uniform";
  m.params = {{"k", 500'000}};
  m.slot_seconds = 900;
  m.gate_lead_seconds = 300;
  m.settlement_delay_seconds = 600;
  m.max_slots_ahead = 96;
  m.grid_buy = 250'000;
  m.grid_sell = 50'000;
  m.grid_fee = 20'000;
  m.tax_bp = 1900;
  m.operator_account = Address::of(operator_key().public_key());
  m.tax_account = tax_addr();
  m.max_reading_wh_per_slot = 100'000;
  return m;
}

inline constexpr uint64_t kFirstSlot = 1'964'321;

// Users 0..n-1 hold `balance`; the operator holds `operator_balance`;
// genesis time is the start of kFirstSlot.
inline Genesis market_genesis(int n, int64_t balance, int64_t operator_balance,
                              const MarketParams& m = example_market()) {
  Genesis g = make_genesis(n, balance);
  g.market = m;
  g.genesis_time_ms = m.slot_start_ms(kFirstSlot);
  g.balances.push_back({m.operator_account, Money(operator_balance)});
  return g;
}

// Sum of balances + escrow - debts over a whole state, less the reward
// tokens the certificates module minted (the supply identity).
inline __int128 market_value(const State& s) {
  __int128 v = 0;
  for (const auto& [key, bytes] : s.records()) {
    if (key.ns == Namespace::kAccount) v += decode_exact<Account>(bytes).value().balance.value();
    if (key.ns == Namespace::kEscrow) {
      auto ma = decode_exact<MarketAccount>(bytes).value();
      v += ma.escrow.value();
      v -= ma.debt.value();
    }
    if (key == cert_keys::cursor()) v -= decode_exact<CertCursor>(bytes).value().minted.value();
  }
  return v;
}

class MarketChain {
 public:
  explicit MarketChain(const Genesis& g)
      : params_(g.params()),
        state_(g.initial_state()),
        head_(g.block().header),
        value_(market_value(state_)) {}

  // Executes a block at `time_ms` (strict: any bad tx fails it; kDropFailing:
  // bad txs are left out); applied on success.
  Result<ExecutedBlock> block(std::vector<Tx> txs, uint64_t time_ms,
                              ExecMode mode = ExecMode::kStrict) {
    BlockHeader h;
    h.height = head_.height + 1;
    h.prev_hash = head_.hash();
    h.time_ms = time_ms;
    auto exec = execute_block(state_, h, std::move(txs), params_, mode, true);
    if (!exec) return exec;
    state_.apply(exec->writes);
    reset_nonces();
    h.state_root = exec->state_root;
    head_ = h;
    EXPECT_TRUE(conserved()) << "conservation broken at height " << h.height;
    return exec;
  }
  // A block expected to succeed.
  ExecutedBlock ok(std::vector<Tx> txs, uint64_t time_ms) {
    auto r = block(std::move(txs), time_ms);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r ? std::move(*r) : ExecutedBlock{};
  }

  // One tx applied to a throw-away overlay at `time_ms`: its code, and
  // whether the overlay stayed untouched on error. Nonces handed out since
  // the last block are forgotten.
  Status try_tx(const Tx& tx, uint64_t time_ms, bool* untouched = nullptr) {
    Status st = check_stateless(tx, params_.chain_id);
    StateOverlay o(state_);
    if (st) st = apply_tx(o, tx, params_, BlockContext{head_.height + 1, time_ms, head_.hash(), 0});
    if (untouched) *untouched = st.is_ok() || o.writes().empty();
    reset_nonces();  // the tx never commits
    return st;
  }

  Tx sign(const KeyPair& k, Payload p) {
    const Address a = Address::of(k.public_key());
    uint64_t& n = nonces_[a];
    n = std::max(n, state_.get(a).nonce);
    return Tx::make_signed(params_.chain_id, k, n++, std::move(p));
  }
  // Forget nonces handed out for txs that never committed.
  void reset_nonces() { nonces_.clear(); }

  // Writes a record directly (a state a long scenario would reach), and
  // takes the new total as the one to conserve.
  void inject(const StateKey& key, Bytes value) {
    state_.put(key, std::move(value));
    value_ = market_value(state_);
  }
  // balances + escrow - debts equals genesis supply.
  bool conserved() const { return market_value(state_) == value_; }
  const State& state() const { return state_; }
  const MarketParams& market() const { return *market_params(*params_.modules); }
  const BlockHeader& head() const { return head_; }
  int64_t balance(const Address& a) const { return state_.get(a).balance.value(); }
  MarketAccount market_account(const Address& a) const {
    return read_record<MarketAccount>(state_, market_keys::account(a))
        .value()
        .value_or(MarketAccount{});
  }
  std::optional<Bill> bill(const Address& a, uint64_t slot) const {
    return read_record<Bill>(state_, market_keys::bill(a, slot)).value();
  }
  std::optional<SlotRecord> slot(uint64_t s) const {
    return read_record<SlotRecord>(state_, market_keys::slot(s)).value();
  }

 private:
  ChainParams params_;
  State state_;
  BlockHeader head_;
  __int128 value_;
  std::map<Address, uint64_t> nonces_;
};

inline Payload order(uint64_t slot, market::Side side, int64_t e, int64_t p) {
  return PlaceOrder{slot, side, Energy(e), Price(p)};
}
inline Payload reading(uint64_t slot, int64_t imp, int64_t exp) {
  return MeterReading{slot, Energy(imp), Energy(exp)};
}

}  // namespace wattle::chain::testing
