// Multi-process proof-of-work test (docs/consensus.md, "Proof of work on a
// node"): `wattle devnet init --validators 4 --consensus pow` and four real
// `wattle node` processes, each mining with one thread, on loopback P2P.
//
//   MinesConvergesAndCommits: the nodes mine and agree on a deep block;
//     signed transfers sent to any node commit on every node; SIGTERM stops
//     every node with exit code 0 and `wattle verify` passes on each home.
//   PartitionHealsOntoTheHeavierBranch: the network starts split in two
//     pairs ({node0, node1} and {node2, node3}), each home's config.toml
//     naming only its pair's other node as a peer (the simplest honest
//     partition: no test hook in the node). Each pair mines and commits its
//     own sender's transfers. Heal: node0 and node2 restart (SIGTERM, exit 0)
//     with every node as a peer. All four converge on one chain that holds
//     exactly one side's pre-heal branch (the fork choice by work itself is
//     unit-tested in consensus_tests), at least one node reports a reorg,
//     the lighter branch's transfers, which nobody sends again, go back to
//     the mempool of the nodes that reorganised and commit again, and the
//     balances of every account involved sum to the genesis supply.
//
//   pow_devnet_test PATH_TO_WATTLE
//   WATTLE_SEED=N     replay the transfers (the seed is printed first)
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "chain/tx.h"
#include "devnet_processes.h"
#include "node/config.h"
#include "node/devnet.h"
#include "node/home.h"

namespace wattle {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string g_wattle;
constexpr int kNodes = 4;
constexpr int64_t kSenderBalance = 1'000'000'000;

// The devnet's processes, and what the PoW tests ask of them.
class PowNet : public DevnetProcesses {
 public:
  explicit PowNet(fs::path dir) : DevnetProcesses(g_wattle, std::move(dir), kNodes, kNodes) {}

  // `wattle devnet init --validators 4 --consensus pow EXTRA...`; its output
  // is kept for the output check.
  bool init(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--validators", std::to_string(kNodes), "--consensus", "pow"};
    args.insert(args.end(), extra.begin(), extra.end());
    return DevnetProcesses::init(args);
  }
  // Rewrites node i's config.toml so its persistent peers are `peers` only.
  void set_peers(int i, const std::vector<int>& peers) {
    auto mine = node::load_config(home(i));
    ASSERT_TRUE(mine.is_ok());
    mine->persistent_peers.clear();
    for (int p : peers) {
      auto key = node::load_node_key(home(p));
      auto config = node::load_config(home(p));
      ASSERT_TRUE(key.is_ok() && config.is_ok());
      mine->persistent_peers.push_back(
          {key->public_key(), config->p2p_listen.host, config->p2p_listen.port});
    }
    std::ofstream(fs::path(home(i)) / node::kConfigFile) << node::to_toml(*mine);
  }
  void start(int i) { DevnetProcesses::start(i, {"--mine-threads", "1"}); }
  std::string block_hash(int i, uint64_t h) const {
    auto b = get_json(i, "/v1/blocks/" + std::to_string(h));
    return b ? (*b)["hash"].get<std::string>() : "";
  }
  std::optional<json> tx(int i, const std::string& hash) const {
    return get_json(i, "/v1/txs/" + hash);
  }
  int64_t balance(int i, const Address& a) const {
    auto j = get_json(i, "/v1/accounts/" + a.to_string());
    return j ? (*j)["balance"].get<int64_t>() : -1;
  }
};

// Waits for `done` with a generous deadline (machine speed never decides).
template <typename F>
bool eventually(F done, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return done();
}

class PowDevnet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(g_wattle.empty()) << "usage: pow_devnet_test PATH_TO_WATTLE";
    const char* s = std::getenv("WATTLE_SEED");
    seed_ = s && *s ? std::stoull(s) : std::random_device{}();
    std::cout << "pow_devnet_test seed=" << seed_ << "  (replay: WATTLE_SEED=" << seed_ << ")"
              << std::endl;
    rng_.seed(seed_);
    dir_ = fs::temp_directory_path() / ("wattle-pow-devnet-" + std::to_string(::getpid()));
    net_.emplace(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) {
      net_.reset();
      fs::remove_all(dir_);
      fs::remove(dir_.string() + "-init.log");
    } else {
      std::cout << "logs kept in " << dir_.string() << std::endl;
    }
  }

  void init(const std::vector<std::string>& extra = {}) {
    ASSERT_TRUE(net_->init(extra)) << "see " << net_->init_log();
    auto genesis = node::load_genesis(net_->home(0));
    ASSERT_TRUE(genesis.is_ok());
    ASSERT_EQ(genesis->engine, chain::EngineKind::kPow);
    chain_id_ = genesis->chain_id;
    for (const auto& [addr, amount] : genesis->balances) supply_ += amount.value();
  }

  // A signed transfer of `from`'s next nonce to a seeded recipient, posted
  // to `node`; its hash, or "" if the node refused it.
  std::string send(int node, const KeyPair& from) {
    const Address to = Address::of(
        KeyPair::from_label("pow-devnet/to/" + std::to_string(rng_() % 8)).public_key());
    recipients_.insert(to);
    chain::Tx tx = chain::Tx::make_signed(chain_id_, from, nonces_[from.public_key()],
                                          chain::Transfer{to, Money(1'000 + rng_() % 9'000)});
    const std::string body = json{{"tx", to_hex(encode_to_bytes(tx))}}.dump();
    if (!net_->get_json(node, "/v1/txs", body)) return "";
    ++nonces_[from.public_key()];
    return tx.hash().hex();
  }
  bool committed_on(int node, const std::string& hash) const {
    auto t = net_->tx(node, hash);
    return t && (*t)["status"] == "committed";
  }
  // Every node holds the same block at `depth` below the lowest head.
  bool agree(const std::vector<int>& nodes, uint64_t depth) const {
    uint64_t low = UINT64_MAX;
    for (int i : nodes) low = std::min(low, net_->height(i));
    if (low < depth + 1) return false;
    const std::string first = net_->block_hash(nodes[0], low - depth);
    for (int i : nodes)
      if (first.empty() || net_->block_hash(i, low - depth) != first) return false;
    return true;
  }
  int64_t sum_of(int node, const std::vector<Address>& accounts) const {
    int64_t sum = 0;
    for (const Address& a : accounts) sum += net_->balance(node, a);
    for (const Address& a : recipients_) sum += net_->balance(node, a);
    return sum;
  }

  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  fs::path dir_;
  std::optional<PowNet> net_;
  std::string chain_id_;
  int64_t supply_ = 0;
  std::map<PublicKey, uint64_t> nonces_;
  std::set<Address> recipients_;
};

// What `wattle init` refuses with --consensus pow, each with a clear error
// and exit code 1, leaving no home behind.
TEST_F(PowDevnet, InitRefusesStakingAndBadPowFiles) {
  fs::create_directories(dir_);
  const std::string staking = (dir_ / "staking.toml").string();
  std::ofstream(staking) << "unbonding_blocks = 10\n";
  const std::string easy = (dir_ / "easy.toml").string();
  std::ofstream(easy) << "initial_target = 0x2000ffff\n";
  const std::string typo = (dir_ / "typo.toml").string();
  std::ofstream(typo) << "target_block = 1000\n";
  struct Case {
    std::vector<std::string> flags;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--consensus", "pow", "--staking", staking}, "staking is not available"},
      {{"--consensus", "pow", "--pow", easy}, "0x1f0fffff"},
      {{"--consensus", "pow", "--pow", typo}, "unknown key \"target_block\""},
      {{"--pow", easy}, "--pow needs --consensus pow"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string home = (dir_ / ("h" + std::to_string(i))).string();
    const std::string log = home + ".log";
    std::vector<std::string> args{g_wattle, "init", "--home", home};
    args.insert(args.end(), cases[i].flags.begin(), cases[i].flags.end());
    EXPECT_EQ(wait_exit(spawn(args, log)), 1) << cases[i].says;
    std::ifstream in(log);
    const std::string out((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(out.find(cases[i].says), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(fs::path(home) / "genesis.json")) << cases[i].says;
  }
}

TEST_F(PowDevnet, MinesConvergesAndCommits) {
  init();
  {
    std::ifstream in(net_->init_log());
    std::string out((std::istreambuf_iterator<char>(in)), {});
    for (int i = 0; i < kNodes; ++i)
      EXPECT_NE(out.find("node" + std::to_string(i) + " rpc="), std::string::npos) << out;
  }
  for (int i = 0; i < kNodes; ++i) net_->start(i);
  ASSERT_TRUE(eventually(
      [&] {
        for (int i = 0; i < kNodes; ++i)
          if (net_->height(i) < 3) return false;
        return true;
      },
      180s))
      << "the nodes do not mine";
  auto faucet = node::read_key_file((dir_ / "faucet.key").string());
  ASSERT_TRUE(faucet.is_ok());
  // Each transfer to node (nonce % 4); a node that has not yet heard of the
  // previous nonce refuses a gap, so the one that took it is asked next.
  std::vector<std::string> hashes;
  int took = 0;
  for (int k = 0; k < 12; ++k) {
    std::string h = send(k % kNodes, *faucet);
    if (h.empty()) {
      h = send(took, *faucet);
    } else {
      took = k % kNodes;
    }
    ASSERT_FALSE(h.empty()) << "transfer " << k << " refused by two nodes";
    hashes.push_back(h);
  }
  ASSERT_TRUE(eventually(
      [&] {
        for (int i = 0; i < kNodes; ++i)
          for (const auto& h : hashes)
            if (!committed_on(i, h)) return false;
        return true;
      },
      180s))
      << "transfers did not commit on every node";
  ASSERT_TRUE(eventually(
      [&] {
        return agree({0, 1, 2, 3}, 2);
      },
      180s))
      << "the nodes do not converge";
  const auto status = net_->get_json(0, "/v1/status");
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->contains("chainwork"));
  EXPECT_TRUE(status->contains("reorgs"));
  // The PoW header of a block, and a tx's depth.
  const auto latest = net_->get_json(0, "/v1/blocks/latest");
  ASSERT_TRUE(latest);
  for (const char* field : {"target", "nonce", "chainwork", "pow_hash"})
    EXPECT_TRUE(latest->contains(field)) << field << " in " << latest->dump();
  EXPECT_GE((*net_->tx(0, hashes[0]))["confirmations"].get<uint64_t>(), 1u);
  // `wattle tx transfer --wait --confirmations 3` returns once its block is 3 deep.
  const Address to = Address::of(KeyPair::from_label("pow-devnet/to/0").public_key());
  recipients_.insert(to);
  const std::string out = (dir_ / "transfer.out").string();
  pid_t t =
      spawn({g_wattle, "tx", "transfer", "--key", (dir_ / "faucet.key").string(), "--to",
             to.to_string(), "--amount", "5000", "--rpc",
             "127.0.0.1:" + std::to_string(net_->rpc_port(1)), "--wait", "--confirmations", "3"},
            out);
  ASSERT_EQ(wait_exit(t), 0) << "see " << out;
  std::ifstream in(out);
  const json waited =
      json::parse(std::string((std::istreambuf_iterator<char>(in)), {}), nullptr, false);
  ASSERT_FALSE(waited.is_discarded());
  EXPECT_GE(waited["confirmations"].get<uint64_t>(), 3u) << waited.dump();
  EXPECT_EQ(waited["status"], "committed");
  for (int i = 0; i < kNodes; ++i)
    EXPECT_EQ(sum_of(i, {Address::of(faucet->public_key())}), supply_) << "node " << i;
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
  for (int i = 0; i < kNodes; ++i) {
    pid_t v = spawn({g_wattle, "verify", "--home", net_->home(i)},
                    (fs::path(net_->home(i)) / "verify.log").string());
    EXPECT_EQ(wait_exit(v), 0) << "wattle verify of node " << i;
  }
}

TEST_F(PowDevnet, PartitionHealsOntoTheHeavierBranch) {
  const KeyPair a = KeyPair::from_label("pow-devnet/sender-a");
  const KeyPair b = KeyPair::from_label("pow-devnet/sender-b");
  const std::string fund = "=" + std::to_string(kSenderBalance);
  init({"--balance", Address::of(a.public_key()).to_string() + fund, "--balance",
        Address::of(b.public_key()).to_string() + fund});
  net_->set_peers(0, {1});
  net_->set_peers(1, {0});
  net_->set_peers(2, {3});
  net_->set_peers(3, {2});
  for (int i = 0; i < kNodes; ++i) net_->start(i);
  // Each side commits three of its own sender's transfers.
  std::vector<std::string> side_a, side_b;
  ASSERT_TRUE(eventually([&] { return net_->height(0) > 0 && net_->height(2) > 0; }, 180s));
  for (int k = 0; k < 3; ++k) {
    std::string h = send(0, a);
    ASSERT_FALSE(h.empty());
    side_a.push_back(h);
    h = send(2, b);
    ASSERT_FALSE(h.empty());
    side_b.push_back(h);
  }
  auto all_committed = [&](const std::vector<int>& nodes, const std::vector<std::string>& txs) {
    for (int i : nodes)
      for (const auto& h : txs)
        if (!committed_on(i, h)) return false;
    return true;
  };
  ASSERT_TRUE(eventually([&] { return all_committed({0, 1}, side_a); }, 180s));
  ASSERT_TRUE(eventually([&] { return all_committed({2, 3}, side_b); }, 180s));
  // Apart, neither side has the other's transfers.
  for (const auto& h : side_b) EXPECT_FALSE(committed_on(0, h));
  for (const auto& h : side_a) EXPECT_FALSE(committed_on(2, h));
  // Each side's branch as it stands before the heal.
  const uint64_t ha = net_->height(1), hb = net_->height(3);
  const std::string tip_a = net_->block_hash(1, ha), tip_b = net_->block_hash(3, hb);
  ASSERT_FALSE(tip_a.empty() || tip_b.empty());
  // Heal: node0 and node2 restart with every node as a peer.
  net_->set_peers(0, {1, 2, 3});
  net_->set_peers(2, {0, 1, 3});
  EXPECT_EQ(net_->stop(0), 0);
  EXPECT_EQ(net_->stop(2), 0);
  net_->start(0);
  net_->start(2);
  ASSERT_TRUE(eventually(
      [&] {
        return agree({0, 1, 2, 3}, 1);
      },
      240s))
      << "the nodes do not converge after the heal";
  // Both sides' transfers commit on the one chain: the lighter branch's
  // went back to the mempool when its blocks were disconnected.
  std::vector<std::string> both = side_a;
  both.insert(both.end(), side_b.begin(), side_b.end());
  ASSERT_TRUE(eventually(
      [&] {
        return all_committed({0, 1, 2, 3}, both);
      },
      240s))
      << "the lighter branch's transfers did not commit again";
  uint64_t reorgs = 0;
  for (int i = 0; i < kNodes; ++i) {
    auto s = net_->get_json(i, "/v1/status");
    ASSERT_TRUE(s);
    reorgs += (*s)["reorgs"].get<uint64_t>();
  }
  EXPECT_GT(reorgs, 0u) << "no node reorganised onto the other branch";
  // Exactly one side's branch is on the chain they converged on: the one
  // the fork choice (most work, unit-tested in consensus_tests) picked.
  const bool a_won = net_->block_hash(0, ha) == tip_a;
  const bool b_won = net_->block_hash(0, hb) == tip_b;
  EXPECT_NE(a_won, b_won) << "ha=" << ha << " hb=" << hb;
  std::cout << "branch_a_height=" << ha << " branch_b_height=" << hb
            << " winner=" << (a_won ? "a" : "b") << " reorgs=" << reorgs << std::endl;
  const std::vector<Address> senders = {Address::of(a.public_key()), Address::of(b.public_key())};
  auto faucet = node::read_key_file((dir_ / "faucet.key").string());
  ASSERT_TRUE(faucet.is_ok());
  std::vector<Address> accounts = senders;
  accounts.push_back(Address::of(faucet->public_key()));
  ASSERT_TRUE(eventually([&] { return agree({0, 1, 2, 3}, 0); }, 120s));
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(sum_of(i, accounts), supply_) << "node " << i;
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = argv[1];
  return RUN_ALL_TESTS();
}
