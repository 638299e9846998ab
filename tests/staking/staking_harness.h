// A chain of the standard modules with a staking section, in memory, for the
// staking tests: signs txs with the right nonces, executes blocks strictly
// (a failing tx fails its block and leaves the state as it was), and feeds
// evidence through a stand-in checker with node::evidence_checker's contract:
// an item is [0xEE][u64 height][u8 validator index].
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <numeric>

#include "chain/executor.h"
#include "chain/genesis.h"
#include "modules/staking/staking_module.h"
#include "modules/staking/staking_queries.h"
#include "modules/staking/staking_rules.h"
#include "modules/staking/staking_state.h"
#include "modules/staking/staking_txs.h"

namespace wattle::staking_test {

using namespace ::wattle::chain;
using namespace ::wattle::modules;

inline constexpr std::string_view kChain = "staking-test";
inline constexpr int64_t kBalance = 1'000'000;

inline KeyPair val_key(int i) {
  return KeyPair::from_label("staking-val-" + std::to_string(i));
}
inline Address val_addr(int i) {
  return Address::of(val_key(i).public_key());
}
inline KeyPair user_key(int i) {
  return KeyPair::from_label("staking-user-" + std::to_string(i));
}
inline Address user_addr(int i) {
  return Address::of(user_key(i).public_key());
}
inline KeyPair cons_key(int i) {
  return KeyPair::from_label("staking-cons-" + std::to_string(i));
}

inline Bytes evidence_item(uint64_t height, uint8_t validator) {
  Writer w;
  w.u8(0xEE);
  w.u64(height);
  w.u8(validator);
  return std::move(w).take();
}

inline Result<EvidenceInfo> fake_check(ByteView bytes) {
  Reader r(bytes);
  uint8_t tag = 0, who = 0;
  uint64_t height = 0;
  if (!r.u8(tag) || !r.u64(height) || !r.u8(who) || !r.finish() || tag != 0xEE)
    return Status(Code::kMalformed, "not an evidence item");
  return EvidenceInfo{val_key(who).public_key(), height};
}

class StakingChain {
 public:
  // Validators 0..n-1 with `powers`, users 0..users-1, everyone kBalance.
  StakingChain(StakingParams p, std::vector<uint64_t> powers, int users = 4) {
    g_.chain_id = std::string(kChain);
    g_.genesis_time_ms = 1'700'000'000'000;
    g_.engine = EngineKind::kBft;
    for (size_t i = 0; i < powers.size(); ++i) {
      g_.validators.push_back({val_key(static_cast<int>(i)).public_key(), powers[i]});
      g_.balances.push_back({val_addr(static_cast<int>(i)), Money(kBalance)});
    }
    for (int i = 0; i < users; ++i) g_.balances.push_back({user_addr(i), Money(kBalance)});
    g_.staking = p;
    params_ = g_.params(fake_check);
    state_ = g_.initial_state();
  }

  Tx tx(const KeyPair& key, const StakingTx& t) {
    const Address a = Address::of(key.public_key());
    uint64_t nonce = state_.get(a).nonce + pending_[a]++;
    return Tx::make_signed(std::string(kChain), key, nonce, to_module_tx(t));
  }

  // Executes the next block (strict by default); on error nothing changes.
  Status block(std::vector<Tx> txs = {}, std::vector<Bytes> evidence = {},
               ExecMode mode = ExecMode::kStrict, const LastCommit* last_commit = nullptr) {
    pending_.clear();
    BlockHeader h;
    h.height = height_ + 1;
    h.time_ms = g_.genesis_time_ms + h.height * 1000;
    auto out = execute_block(state_, h, std::move(txs), params_, mode, true, std::move(evidence),
                             nullptr, last_commit);
    if (!out) return out.status();
    state_.apply(out->writes);
    events_ = out->module_events;
    applied_ = out->txs.size();
    ++height_;
    return Status::ok();
  }
  // The next block, carrying the commit of the block before as signed by
  // every member of the set in force then except the keys in `absent`.
  Status block_missing(const std::vector<PublicKey>& absent, std::vector<Tx> txs = {}) {
    LastCommit lc{height_, {}};
    for (const auto& e : set_at(height_).validators)
      if (std::find(absent.begin(), absent.end(), e.key) == absent.end())
        lc.signers.push_back(e.key);
    return block(std::move(txs), {}, ExecMode::kStrict, &lc);
  }
  // Blocks without txs up to and including `height`.
  void run_to(uint64_t height) {
    while (height_ < height) ASSERT_TRUE(block().is_ok());
  }
  // One tx in the next block; the block's status.
  Status one(const KeyPair& key, const StakingTx& t) { return block({tx(key, t)}); }

  ValidatorSetRecord set_at(uint64_t h) const {
    auto s = modules::set_at(static_cast<const StateReader&>(state_), h);
    EXPECT_TRUE(s.is_ok());
    return s.is_ok() ? *s : ValidatorSetRecord{};
  }
  ValidatorRecord validator(const Address& op) const {
    auto v = read_record<ValidatorRecord>(state_, validator_key(op));
    EXPECT_TRUE(v.is_ok() && v->has_value());
    return v.is_ok() && *v ? **v : ValidatorRecord{};
  }
  StakeView stake(const Address& who) const {
    auto v = stake_view(state_, who);
    EXPECT_TRUE(v.is_ok());
    return v.is_ok() ? *v : StakeView{};
  }
  StakingGlobal global() const {
    auto g = read_or_default<StakingGlobal>(state_, global_key());
    EXPECT_TRUE(g.is_ok());
    return g.is_ok() ? *g : StakingGlobal{};
  }
  int64_t balance(const Address& a) const { return state_.get(a).balance.value(); }

  // balances + bonded + unbonding + undistributed - minted + burned, from
  // the records themselves (docs/staking.md, "Conservation").
  __int128 conserved() const {
    __int128 sum = 0;
    for (const auto& [key, bytes] : state_.records()) {
      if (key.ns == Namespace::kAccount) {
        sum += decode_exact<Account>(bytes)->balance.value();
      } else if (key.ns == Namespace::kValidator) {
        auto v = decode_exact<ValidatorRecord>(bytes);
        sum += __int128{v->tokens} + v->reward_pool + v->commission;
      } else if (key.ns == kUnbondingNs) {
        // Named: a range-for over a member of a temporary Result would
        // read the list after the Result is gone.
        const auto list = decode_exact<UnbondingList>(bytes);
        for (const auto& e : list->entries) sum += e.amount;
      } else if (key.ns == kGlobalNs) {
        auto g = decode_exact<StakingGlobal>(bytes);
        sum += __int128{g->burned} - g->minted;
      }
    }
    return sum;
  }

  const State& state() const { return state_; }
  uint64_t height() const { return height_; }
  const std::vector<Event>& events() const { return events_; }
  const Genesis& genesis() const { return g_; }
  size_t applied() const { return applied_; }  // txs the last block kept
  // What conserved() equals on every block: genesis balances and stake.
  __int128 genesis_value() const {
    __int128 s = 0;
    for (const auto& [a, m] : g_.balances) s += m.value();
    if (g_.staking && g_.staking->consensus >= ConsensusKind::kPos)
      for (const auto& v : g_.validators)
        s += __int128{static_cast<int64_t>(v.power)} * g_.staking->power_unit;
    return s;
  }

 private:
  Genesis g_;
  ChainParams params_;
  State state_;
  uint64_t height_ = 0;
  std::map<Address, uint64_t> pending_;
  std::vector<Event> events_;
  size_t applied_ = 0;
};

inline StakingParams params_for(ConsensusKind kind) {
  StakingParams p;
  p.consensus = kind;
  p.power_unit = 100;
  p.min_self_bond = 100;
  p.unbonding_blocks = 5;
  p.epoch_blocks = 4;
  p.max_validators = 10;
  return p;
}

inline std::vector<Address> operators(const ValidatorSetRecord& s) {
  std::vector<Address> out;
  for (const auto& e : s.validators) out.push_back(e.operator_address);
  return out;
}

}  // namespace wattle::staking_test
