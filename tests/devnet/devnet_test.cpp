// Multi-process devnet test (issue 16, DESIGN.md §8): `wattle devnet init`
// writes four validator homes; four real `wattle node` processes find each
// other over encrypted P2P and, under a steady load of signed transfers:
//   - keep committing while validator 3 is killed with SIGKILL and restarted
//     again and again;
//   - commit nothing with two of four stopped, and resume once one returns;
//   - bring a wiped validator back to the head by block sync;
// and at the end every node has the same block hash and state root at every
// height, and every tx node 0 reports committed is committed on every node.
//
//   devnet_test PATH_TO_WATTLE
//   WATTLE_SEED=N     replay the load (the seed is printed first)
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "chain/tx.h"
#include "node/devnet.h"
#include "node/home.h"
#include "process_util.h"

namespace wattle {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string g_wattle;
constexpr int kNodes = 4;

class Devnet {
 public:
  explicit Devnet(fs::path dir) : dir_(std::move(dir)) {}
  ~Devnet() {
    for (int i = 0; i < kNodes; ++i) stop(i, SIGKILL);
  }

  bool init() {
    auto base = node::free_port_range("127.0.0.1", 2 * kNodes);
    if (!base) return false;
    base_ = *base;
    fs::remove_all(dir_);
    pid_t p = spawn({g_wattle, "devnet", "init", "--validators", std::to_string(kNodes), "--home",
                     dir_.string(), "--base-port", std::to_string(base_)},
                    (dir_.parent_path() / (dir_.filename().string() + "-init.log")).string());
    return p > 0 && wait_exit(p) == 0;
  }
  std::string home(int i) const { return (dir_ / ("node" + std::to_string(i))).string(); }
  uint16_t rpc_port(int i) const { return static_cast<uint16_t>(base_ + 2 * i); }

  void start(int i) {
    pids_[i] = spawn({g_wattle, "node", "--home", home(i), "--log-level", "warn"},
                     (fs::path(home(i)) / "node.log").string());
  }
  // SIGTERM: a clean stop (exit code checked); SIGKILL: a crash.
  int stop(int i, int sig) {
    auto it = pids_.find(i);
    if (it == pids_.end()) return 0;
    kill(it->second, sig);
    const int code = wait_exit(it->second);
    pids_.erase(it);
    return code;
  }
  rpc::HttpClient client(int i) const {
    return rpc::HttpClient("127.0.0.1", rpc_port(i), {std::chrono::milliseconds(3000)});
  }
  uint64_t height(int i) const {
    auto c = client(i);
    auto s = get(c, "/v1/status");
    return s && (*s)["_http"] == 200 ? (*s)["height"].get<uint64_t>() : 0;
  }
  bool wait_height(int i, uint64_t h, std::chrono::seconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (height(i) >= h) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

 private:
  fs::path dir_;
  uint16_t base_ = 0;
  std::map<int, pid_t> pids_;
};

// Signed transfers from the faucet to nodes 0 and 1 (never stopped, so no
// accepted tx dies in a killed node's mempool and leaves a nonce gap).
class Load {
 public:
  Load(const Devnet& net, std::string chain_id, KeyPair faucet, uint64_t seed)
      : net_(net), chain_id_(std::move(chain_id)), faucet_(std::move(faucet)), rng_(seed) {}

  void pump(std::chrono::milliseconds duration) {
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) {
      const int node = static_cast<int>(rng_() % 2);
      const Address to = Address::of(
          KeyPair::from_label("devnet-test/to/" + std::to_string(rng_() % 50)).public_key());
      chain::Tx tx = chain::Tx::make_signed(chain_id_, faucet_, nonce_,
                                              chain::Transfer{to, Money(1'000 + rng_() % 9'000)});
      auto c = net_.client(node);
      auto r = get(c, "/v1/txs", json{{"tx", to_hex(encode_to_bytes(tx))}}.dump());
      if (r && (*r)["_http"] == 200) {
        ++nonce_;
        accepted_.insert(tx.hash().hex());
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  const std::set<std::string>& accepted() const { return accepted_; }

 private:
  const Devnet& net_;
  std::string chain_id_;
  KeyPair faucet_;
  std::mt19937_64 rng_;
  uint64_t nonce_ = 0;
  std::set<std::string> accepted_;
};

TEST(Devnet, FourProcessesAgreeThroughCrashesStopsAndAWipe) {
  ASSERT_FALSE(g_wattle.empty()) << "usage: devnet_test PATH_TO_WATTLE";
  const char* s = std::getenv("WATTLE_SEED");
  const uint64_t seed = s && *s ? std::stoull(s) : std::random_device{}();
  std::cout << "devnet_test seed=" << seed << "  (replay: WATTLE_SEED=" << seed << " devnet_test "
            << g_wattle << ")" << std::endl;
  const fs::path dir = fs::temp_directory_path() / ("wattle-devnet-" + std::to_string(::getpid()));
  Devnet net(dir);
  ASSERT_TRUE(net.init()) << "devnet init failed; see " << dir.string() << "-init.log";
  auto genesis = node::load_genesis(net.home(0));
  ASSERT_TRUE(genesis.is_ok());
  auto faucet = node::read_key_file((dir / "faucet.key").string());
  ASSERT_TRUE(faucet.is_ok());
  Load load(net, genesis->chain_id, *faucet, seed);

  for (int i = 0; i < kNodes; ++i) net.start(i);
  for (int i = 0; i < kNodes; ++i)
    ASSERT_TRUE(net.wait_height(i, 3, 60s)) << "node " << i << " never reached height 3";
  load.pump(2s);

  // Validator 3 killed and restarted while the others keep committing.
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(net.stop(3, SIGKILL), 128 + SIGKILL);
    const uint64_t before = net.height(0);
    load.pump(1500ms);
    EXPECT_TRUE(net.wait_height(0, before + 2, 30s)) << "round " << round << ": chain stalled";
    net.start(3);
    load.pump(1000ms);
  }

  // Two of four stopped: less than two thirds of the power, nothing commits.
  EXPECT_EQ(net.stop(2, SIGTERM), 0);
  EXPECT_EQ(net.stop(3, SIGTERM), 0);
  std::this_thread::sleep_for(1s);  // what was in flight settles
  const uint64_t stalled = net.height(0);
  std::this_thread::sleep_for(3s);
  EXPECT_LE(net.height(0), stalled + 1) << "committed with half the power";
  net.start(2);
  EXPECT_TRUE(net.wait_height(0, stalled + 3, 60s)) << "did not resume after a restart";
  net.start(3);

  // A wiped validator catches up by block sync.
  ASSERT_EQ(net.stop(3, SIGKILL), 128 + SIGKILL);
  fs::remove_all(node::data_dir(net.home(3)));
  load.pump(1500ms);
  net.start(3);
  const uint64_t head = net.height(0);
  EXPECT_TRUE(net.wait_height(3, head, 120s))
      << "wiped node at " << net.height(3) << " of " << head;

  // Every accepted tx commits on node 0; then every node agrees on everything.
  auto c0 = net.client(0);
  std::set<std::string> committed;
  for (int k = 0; k < 300 && committed.size() < load.accepted().size(); ++k) {
    for (const std::string& h : load.accepted()) {
      if (committed.count(h)) continue;
      auto t = get(c0, "/v1/txs/" + h);
      if (t && (*t)["_http"] == 200 && (*t)["status"] == "committed") committed.insert(h);
    }
    if (committed.size() < load.accepted().size()) std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(committed.size(), load.accepted().size());
  EXPECT_GT(committed.size(), 50u);
  const uint64_t top = net.height(0);
  for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(net.wait_height(i, top, 60s)) << "node " << i;
  std::vector<rpc::HttpClient> clients;
  for (int i = 0; i < kNodes; ++i) clients.push_back(net.client(i));
  for (uint64_t h = 1; h <= top; ++h) {
    auto b0 = get(clients[0], "/v1/blocks/" + std::to_string(h));
    ASSERT_TRUE(b0 && (*b0)["_http"] == 200) << h;
    for (int i = 1; i < kNodes; ++i) {
      auto b = get(clients[i], "/v1/blocks/" + std::to_string(h));
      ASSERT_TRUE(b && (*b)["_http"] == 200) << "node " << i << " h=" << h;
      EXPECT_EQ((*b)["hash"], (*b0)["hash"]) << "node " << i << " h=" << h;
      EXPECT_EQ((*b)["state_root"], (*b0)["state_root"]) << "node " << i << " h=" << h;
    }
  }
  for (const std::string& h : committed) {
    for (int i = 1; i < kNodes; ++i) {
      auto t = get(clients[i], "/v1/txs/" + h);
      EXPECT_TRUE(t && (*t)["status"] == "committed") << "tx " << h << " missing on node " << i;
    }
  }
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net.stop(i, SIGTERM), 0) << "node " << i;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = argv[1];
  return RUN_ALL_TESTS();
}
