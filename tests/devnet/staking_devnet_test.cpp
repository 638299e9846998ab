// Multi-process staking test (docs/staking.md): `wattle devnet init
// --validators 4 --consensus pos --candidates 1` and five real `wattle node`
// processes (node0..3 validate, cand0 is a full node), under a steady load
// of signed transfers:
//   - cand0 bonds more than the smallest validator (create-validator) and
//     replaces it exactly two blocks after its tx commits (CometBFT's H+2);
//   - a validator started with `--misbehave double-prevote:H` is slashed
//     (slash_double_sign_bp of its tokens burned) and tombstoned, leaves the
//     set, and the chain goes on;
// the same for dpos (a token holder's delegation puts the candidate in at the
// next epoch boundary, two blocks later) and poa (authorities add cand0 with
// > 2/3 of the votes, then remove node3, which needs 4 of the 5);
// and at the end of each, every node has the same block hash and the same
// `/v1/validators?height=` answer (address, key, power) at every height.
//
//   staking_devnet_test PATH_TO_WATTLE
//   WATTLE_SEED=N     replay the load (the seed is printed first)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "chain/tx.h"
#include "devnet_processes.h"
#include "modules/staking/staking_txs.h"
#include "node/devnet.h"
#include "node/home.h"

namespace wattle {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string g_wattle;
constexpr int kValidators = 4;
constexpr int kNodes = kValidators + 1;  // and cand0
constexpr int64_t kPowerUnit = 1'000'000;

// Txs from the faucet to nodes 0 and 1 in turn: transfers (the load) and,
// between them, the staking txs a test makes as a token holder.
class Load {
 public:
  Load(const DevnetProcesses& net, std::string chain_id, KeyPair faucet, uint64_t seed)
      : net_(net), chain_id_(std::move(chain_id)), faucet_(std::move(faucet)), rng_(seed) {}
  // The tx's hash, or nullopt if both nodes refused it. The node that did
  // not take the previous nonce may not have it by gossip yet and refuse a
  // nonce gap; the other one took it directly, so it is asked next.
  std::optional<std::string> send(chain::Payload payload) {
    chain::Tx tx = chain::Tx::make_signed(chain_id_, faucet_, nonce_, std::move(payload));
    const std::string body = json{{"tx", to_hex(encode_to_bytes(tx))}}.dump();
    const int first = static_cast<int>(nonce_ % 2);
    if (!net_.get_json(first, "/v1/txs", body) && !net_.get_json(1 - first, "/v1/txs", body))
      return std::nullopt;
    ++nonce_;
    return tx.hash().hex();
  }
  void one() {
    const Address to = Address::of(
        KeyPair::from_label("staking-devnet/to/" + std::to_string(rng_() % 20)).public_key());
    send(chain::Transfer{to, Money(1'000 + rng_() % 9'000)});
  }

 private:
  const DevnetProcesses& net_;
  std::string chain_id_;
  KeyPair faucet_;
  std::mt19937_64 rng_;
  uint64_t nonce_ = 0;
};

// The set in force at `height` as node `i` answers it: address -> power
// (status is "as of the head", so it is left out of comparisons).
std::optional<std::map<std::string, uint64_t>> set_at(const DevnetProcesses& net, int i,
                                                      uint64_t height) {
  auto v = net.get_json(i, "/v1/validators?height=" + std::to_string(height));
  if (!v) return std::nullopt;
  std::map<std::string, uint64_t> out;
  for (const auto& e : (*v)["validators"])
    out[e["address"].get<std::string>() + "/" + e["consensus_key"].get<std::string>()] =
        e["power"].get<uint64_t>();
  return out;
}
bool in_set(const std::map<std::string, uint64_t>& set, const Address& a) {
  const std::string prefix = a.to_string() + "/";
  for (const auto& [k, p] : set)
    if (k.starts_with(prefix)) return true;
  return false;
}

class StakingDevnet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(g_wattle.empty()) << "usage: staking_devnet_test PATH_TO_WATTLE";
    const char* s = std::getenv("WATTLE_SEED");
    seed_ = s && *s ? std::stoull(s) : std::random_device{}();
    std::cout << "staking_devnet_test seed=" << seed_ << "  (replay: WATTLE_SEED=" << seed_ << ")"
              << std::endl;
    dir_ = fs::temp_directory_path() / ("wattle-staking-devnet-" + std::to_string(::getpid()));
    net_.emplace(g_wattle, dir_, kNodes, kValidators);
  }
  void TearDown() override {
    if (!HasFailure()) {
      net_.reset();
      fs::remove_all(dir_);
      fs::remove(dir_.string() + "-staking.toml");
      fs::remove(dir_.string() + "-init.log");
    } else {
      std::cout << "logs kept in " << dir_.string() << std::endl;
    }
  }

  void init(const std::string& consensus, const std::string& staking_toml) {
    const fs::path toml = dir_.string() + "-staking.toml";
    std::ofstream(toml) << staking_toml;
    ASSERT_TRUE(net_->init({"--validators", std::to_string(kValidators), "--consensus", consensus,
                            "--candidates", "1", "--staking", toml.string()}))
        << "see " << net_->init_log();
    auto genesis = node::load_genesis(net_->home(0));
    ASSERT_TRUE(genesis.is_ok());
    auto faucet = node::read_key_file((dir_ / "faucet.key").string());
    ASSERT_TRUE(faucet.is_ok());
    chain_id_ = genesis->chain_id;
    load_.emplace(*net_, chain_id_, *faucet, seed_);
    for (int i = 0; i < kNodes; ++i) {
      auto k = node::load_validator_key(net_->home(i));
      ASSERT_TRUE(k.is_ok());
      keys_.push_back(*k);
    }
  }
  Address operator_of(int i) const { return Address::of(keys_[i].public_key()); }

  // Sends transfers until `done` holds or `timeout` passes; whether it held.
  template <typename F>
  bool load_until(F done, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (done()) return true;
      load_->one();
      std::this_thread::sleep_for(50ms);  // pacing of the load, not a verdict
    }
    return done();
  }

  // The height node 0 reports tx `hash` committed at (the load goes on
  // while it waits); 0 if it was dropped or never committed.
  uint64_t committed_at(const std::string& hash) {
    uint64_t height = 0;
    std::string status;
    json r;
    load_until(
        [&] {
          auto got = net_->get_json(0, "/v1/txs/" + hash);
          if (!got) return false;
          r = *got;
          status = r["status"].get<std::string>();
          if (status == "committed") height = r["height"].get<uint64_t>();
          return status != "pending";
        },
        60s);
    EXPECT_EQ(status, "committed") << "tx " << hash << ": " << r.dump();
    return height;
  }
  // Submits `t` signed by node i's validator key (nonce given) to node 0,
  // whose committed state has every earlier step (committed_at asks it);
  // the height it commits at.
  uint64_t commit_staking_tx(int i, const modules::StakingTx& t, uint64_t nonce) {
    chain::Tx tx = chain::Tx::make_signed(chain_id_, keys_[i], nonce, modules::to_module_tx(t));
    auto c = net_->client(0);
    auto r = get(c, "/v1/txs", json{{"tx", to_hex(encode_to_bytes(tx))}}.dump());
    EXPECT_TRUE(r && (*r)["_http"] == 200) << "tx refused: " << (r ? r->dump() : "no answer");
    return committed_at(tx.hash().hex());
  }
  // The genesis validator a power-2 newcomer pushes out of a full set of
  // power-1 validators: ties go by address, so the largest one.
  int largest_genesis_address() const {
    int out = 0;
    for (int i = 1; i < kValidators; ++i)
      if (operator_of(out) < operator_of(i)) out = i;
    return out;
  }
  // Waits until node 0 is at `height` and returns its set there.
  std::map<std::string, uint64_t> set_when_reached(uint64_t height) {
    EXPECT_TRUE(load_until([&] { return net_->height(0) >= height; }, 60s)) << height;
    auto s = set_at(*net_, 0, height);
    EXPECT_TRUE(s.has_value()) << height;
    return s.value_or(std::map<std::string, uint64_t>{});
  }
  void start_all() {
    for (int i = 0; i < kNodes; ++i) net_->start(i);
    ASSERT_TRUE(load_until([&] { return net_->height(0) >= 3; }, 60s)) << "no blocks";
  }

  // Every node reaches node 0's head; then the same block hash and the same
  // set at every height on every node.
  void expect_every_node_agrees() {
    const uint64_t top = net_->height(0);
    ASSERT_GT(top, 0u);
    for (int i = 0; i < kNodes; ++i)
      ASSERT_TRUE(load_until([&] { return net_->height(i) >= top; }, 60s)) << "node " << i;
    for (uint64_t h = 1; h <= top; ++h) {
      auto b0 = net_->get_json(0, "/v1/blocks/" + std::to_string(h));
      auto s0 = set_at(*net_, 0, h);
      ASSERT_TRUE(b0 && s0) << h;
      for (int i = 1; i < kNodes; ++i) {
        auto b = net_->get_json(i, "/v1/blocks/" + std::to_string(h));
        ASSERT_TRUE(b) << "node " << i << " h=" << h;
        EXPECT_EQ((*b)["hash"], (*b0)["hash"]) << "node " << i << " h=" << h;
        EXPECT_EQ(set_at(*net_, i, h), s0) << "node " << i << " h=" << h;
      }
    }
  }

  uint64_t seed_ = 0;
  fs::path dir_;
  std::string chain_id_;
  std::optional<DevnetProcesses> net_;
  std::optional<Load> load_;
  std::vector<KeyPair> keys_;  // validator.key of node0..3, cand0
};

TEST_F(StakingDevnet, PosCandidateReplacesTheSmallestAndADoubleSignerIsTombstoned) {
  init("pos",
       "power_unit = 1000000\nmin_self_bond = 1000000\nmax_validators = 4\n"
       "slash_double_sign_bp = 1000\n");
  // Genesis: power 1 each; ties go by address, so the largest address is the
  // one a power-2 newcomer pushes out. The double-signer is another one, and
  // neither node 0 (which this test reads) nor node 1 (which takes the load
  // with node 0): it is stopped and restarted below.
  const int out = largest_genesis_address();
  const int bad = out == 2 ? 3 : 2;
  static_assert(kValidators >= 4, "the double-signer is node 2 or 3");
  constexpr uint64_t kMisbehaveAt = 20;
  for (int i = 0; i < kNodes; ++i)
    net_->start(i, i == bad
                       ? std::vector<std::string>{"--misbehave",
                                                  "double-prevote:" + std::to_string(kMisbehaveAt)}
                       : std::vector<std::string>{});
  ASSERT_TRUE(load_until([&] { return net_->height(0) >= 3; }, 60s)) << "no blocks";
  // cand0 bonds 2 units: the set of the block after its tx is unchanged,
  // from two blocks after it cand0 is in with power 2 and `out` is not.
  const Address cand = operator_of(kValidators);
  const uint64_t h = commit_staking_tx(
      kValidators,
      modules::CreateValidator{keys_[kValidators].public_key(), Money(2 * kPowerUnit), 0}, 0);
  ASSERT_GT(h, 0u);
  ASSERT_TRUE(load_until([&] { return net_->height(0) >= h + 2; }, 60s));
  auto before = set_at(*net_, 0, h + 1);
  auto after = set_at(*net_, 0, h + 2);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(before->size(), 4u);
  EXPECT_FALSE(in_set(*before, cand));
  EXPECT_TRUE(in_set(*before, operator_of(out)));
  EXPECT_EQ(after->size(), 4u);
  EXPECT_TRUE(in_set(*after, cand));
  EXPECT_FALSE(in_set(*after, operator_of(out)));
  EXPECT_EQ(after->at(cand.to_string() + "/" + keys_[kValidators].public_key().hex()), 2u);

  // The double-signer: slashed 10% of its 1,000,000 and tombstoned. Its two
  // prevotes only become evidence if another validator still works on that
  // height when they arrive; the others reach a quorum without it, so on a
  // loaded machine a slow double-signer's votes can come too late and are
  // rightly ignored (or it catches up by block sync and never votes at H).
  // Then it is restarted to misbehave a few heights ahead, up to three
  // times; one slash in all is still what the state must show.
  json record;
  const auto tombstoned = [&] {
    auto r = net_->get_json(0, "/v1/staking/" + operator_of(bad).to_string());
    if (!r || (*r)["validator"].is_null() || !(*r)["validator"]["tombstoned"].get<bool>())
      return false;
    record = (*r)["validator"];
    return true;
  };
  uint64_t misbehave_at = kMisbehaveAt;
  for (int attempt = 1;; ++attempt) {
    if (load_until([&] { return tombstoned() || net_->height(0) >= misbehave_at + 10; }, 120s) &&
        tombstoned())
      break;
    ASSERT_LT(attempt, 4) << "validator " << bad << " (--misbehave double-prevote:" << misbehave_at
                          << ") was never tombstoned";
    ASSERT_EQ(net_->stop(bad), 0);
    misbehave_at = net_->height(0) + 5;
    std::cout << "double-prevote not yet evidence; misbehaving again at " << misbehave_at
              << std::endl;
    net_->start(bad, {"--misbehave", "double-prevote:" + std::to_string(misbehave_at)});
  }
  EXPECT_EQ(record["tokens"], 900'000);
  EXPECT_EQ(record["status"], "tombstoned");
  // The chain goes on without it: five more blocks, and it is out of the set.
  const uint64_t t = net_->height(0);
  ASSERT_TRUE(load_until([&] { return net_->height(0) >= t + 5; }, 60s)) << "chain stopped";
  auto last = set_at(*net_, 0, net_->height(0));
  ASSERT_TRUE(last);
  EXPECT_FALSE(in_set(*last, operator_of(bad)));
  EXPECT_TRUE(in_set(*last, cand));
  std::cout << "create_validator_height=" << h << " tombstoned_by=" << t
            << " head=" << net_->height(0) << std::endl;

  expect_every_node_agrees();
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
}

// Downtime on real processes: blocks carry their parent's certificate, so a
// validator stopped with SIGTERM misses every commit from then on; once it
// has missed more than half of a 20-block window it is jailed at some height
// J (jailed_until = J + jail_blocks) and leaves the set at J + 2, while the
// other three go on. Restarted, it follows as a full node; its unjail at U
// (after the jail ends) puts it back at U + 2, and it signs again. Slashing
// is 0 here so its power stays 1 (the amounts are hand-checked in
// tests/staking/staking_downtime_test.cpp); `wattle verify` replays each home.
TEST_F(StakingDevnet, PosAStoppedValidatorIsJailedForDowntimeAndReturnsAfterUnjail) {
  constexpr uint64_t kJailBlocks = 10;
  init("pos",
       "power_unit = 1000000\nmin_self_bond = 1000000\nmax_validators = 4\n"
       "downtime_window = 20\ndowntime_max_missed_bp = 5000\nslash_downtime_bp = 0\n"
       "jail_blocks = " +
           std::to_string(kJailBlocks) + "\n");
  start_all();
  const int down = 3;
  const Address op = operator_of(down);
  ASSERT_TRUE(load_until([&] { return net_->height(0) >= 5; }, 60s));
  EXPECT_EQ(net_->stop(down), 0);
  const uint64_t stopped_at = net_->height(0);
  json record;
  ASSERT_TRUE(load_until(
      [&] {
        auto r = net_->get_json(0, "/v1/staking/" + op.to_string());
        if (!r || (*r)["validator"].is_null() || (*r)["validator"]["jailed_until"].is_null())
          return false;
        record = (*r)["validator"];
        return true;
      },
      120s))
      << "validator " << down << " stopped at height " << stopped_at << " was never jailed";
  const uint64_t jailed_until = record["jailed_until"].get<uint64_t>();
  ASSERT_GT(jailed_until, kJailBlocks);
  const uint64_t jailed_at = jailed_until - kJailBlocks;
  EXPECT_GT(jailed_at, stopped_at);
  EXPECT_EQ(record["status"], "jailed");
  EXPECT_EQ(record["tokens"], kPowerUnit);  // slash_downtime_bp = 0
  EXPECT_TRUE(in_set(set_when_reached(jailed_at + 1), op));
  const auto three = set_when_reached(jailed_at + 2);
  EXPECT_EQ(three.size(), 3u);
  EXPECT_FALSE(in_set(three, op));
  // The other three go on, past the end of the jail.
  ASSERT_TRUE(load_until([&] { return net_->height(0) >= jailed_until + 2; }, 60s))
      << "chain stopped";
  net_->start(down);
  const uint64_t unjailed = commit_staking_tx(down, modules::Unjail{}, 0);
  ASSERT_GT(unjailed, jailed_until);
  EXPECT_FALSE(in_set(set_when_reached(unjailed + 1), op));
  const auto four = set_when_reached(unjailed + 2);
  EXPECT_EQ(four.size(), 4u);
  EXPECT_TRUE(in_set(four, op));
  // It validates again: it catches up and the chain goes on with it.
  ASSERT_TRUE(load_until([&] { return net_->height(down) >= unjailed + 5; }, 60s))
      << "validator " << down << " did not catch up after unjail";
  std::cout << "stopped_at=" << stopped_at << " jailed_at=" << jailed_at
            << " unjailed_at=" << unjailed << std::endl;
  expect_every_node_agrees();
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
  for (int i : {0, down}) {
    const std::string log = (dir_ / ("verify" + std::to_string(i) + ".log")).string();
    pid_t p = spawn({g_wattle, "verify", "--home", net_->home(i)}, log);
    EXPECT_EQ(wait_exit(p), 0) << "wattle verify of node " << i << ": see " << log;
  }
}

TEST_F(StakingDevnet, DposDelegationChangesTheSetAtTheNextEpoch) {
  init("dpos",
       "power_unit = 1000000\nmin_self_bond = 500000\nmax_validators = 4\nepoch_blocks = 5\n");
  start_all();
  const int out = largest_genesis_address();
  const Address cand = operator_of(kValidators);
  // A candidate with power 0 (half a unit): not in any set.
  const uint64_t created = commit_staking_tx(
      kValidators, modules::CreateValidator{keys_[kValidators].public_key(), Money(500'000), 0}, 0);
  ASSERT_GT(created, 0u);
  // A token holder (the faucet) delegates two units to it at height d: the
  // set changes at the first epoch boundary e >= d, in force from e + 2.
  auto hash = load_->send(modules::to_module_tx(modules::Delegate{cand, Money(2 * kPowerUnit)}));
  ASSERT_TRUE(hash);
  const uint64_t d = committed_at(*hash);
  ASSERT_GT(d, 0u);
  const uint64_t e = (d + 4) / 5 * 5;
  const auto before = set_when_reached(e + 1);
  const auto after = set_when_reached(e + 2);
  EXPECT_FALSE(in_set(before, cand));
  EXPECT_TRUE(in_set(before, operator_of(out)));
  EXPECT_EQ(after.size(), 4u);
  EXPECT_TRUE(in_set(after, cand));
  EXPECT_FALSE(in_set(after, operator_of(out)));
  std::cout << "delegated_at=" << d << " epoch=" << e << std::endl;
  expect_every_node_agrees();
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
}

TEST_F(StakingDevnet, PoaAuthoritiesAddThenRemoveAnAuthority) {
  init("poa", "proposal_expiry_blocks = 1000\n");
  start_all();
  const Address cand = operator_of(kValidators);
  // Add cand0: proposal 1 by node0, votes of node1 and node2 (3 of 4 > 2/3).
  ASSERT_GT(commit_staking_tx(0, modules::Propose{keys_[kValidators].public_key(), 1}, 0), 0u);
  ASSERT_GT(commit_staking_tx(1, modules::Vote{1}, 0), 0u);
  const uint64_t added = commit_staking_tx(2, modules::Vote{1}, 0);
  ASSERT_GT(added, 0u);
  EXPECT_FALSE(in_set(set_when_reached(added + 1), cand));
  const auto five = set_when_reached(added + 2);
  EXPECT_EQ(five.size(), 5u);
  EXPECT_TRUE(in_set(five, cand));
  // Remove node3: proposal 2; of 5 authorities, 4 must vote (cand0 among them).
  ASSERT_GT(commit_staking_tx(0, modules::Propose{keys_[3].public_key(), 0}, 1), 0u);
  ASSERT_GT(commit_staking_tx(1, modules::Vote{2}, 1), 0u);
  const uint64_t three = commit_staking_tx(2, modules::Vote{2}, 1);
  ASSERT_GT(three, 0u);
  EXPECT_TRUE(in_set(set_when_reached(three + 2), operator_of(3))) << "3 of 5 is not > 2/3";
  const uint64_t removed = commit_staking_tx(kValidators, modules::Vote{2}, 0);
  ASSERT_GT(removed, 0u);
  EXPECT_TRUE(in_set(set_when_reached(removed + 1), operator_of(3)));
  const auto four = set_when_reached(removed + 2);
  EXPECT_EQ(four.size(), 4u);
  EXPECT_FALSE(in_set(four, operator_of(3)));
  EXPECT_TRUE(in_set(four, cand));
  std::cout << "added_at=" << added << " removed_at=" << removed << std::endl;
  expect_every_node_agrees();
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = argv[1];
  return RUN_ALL_TESTS();
}
