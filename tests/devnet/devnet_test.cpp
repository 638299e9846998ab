// Multi-process devnet test: `wattle devnet init`
// writes four validator homes; four real `wattle node` processes find each
// other over encrypted P2P and, under a steady load of signed transfers:
//   - keep committing while validator 3 is killed with SIGKILL and restarted
//     again and again;
//   - commit nothing with two of four stopped, and resume once one returns;
//   - bring a wiped validator back to the head by block sync;
// and at the end every node has the same block hash and state root at every
// height, and every tx node 0 reports committed is committed on every node.
//
// A second test runs the same network beside a hostile process (this binary
// with --hostile, docs/network.md "Threats"): silent sockets flooding every
// P2P port, a peer claiming height 2^64 - 1 that serves nothing, and peers
// claiming validator keys they do not hold; two validators are restarted
// (one wiped) under it, and the chain must keep committing and agree.
//
//   devnet_test PATH_TO_WATTLE
//   devnet_test --hostile DEVNET_DIR BASE_PORT     (spawned by the test)
//   WATTLE_SEED=N     replay the load (the seed is printed first)
#include <gtest/gtest.h>

#include <cctype>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "chain/tx.h"
#include "consensus/bft/messages.h"
#include "devnet_processes.h"
#include "net/silent_flood.h"
#include "net/switch.h"
#include "node/devnet.h"
#include "node/home.h"

namespace wattle {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string g_wattle;
std::string g_self;  // this binary, run again as the hostile process
constexpr int kNodes = 4;

// Signed transfers from the faucet to nodes 0 and 1 (never stopped, so no
// accepted tx dies in a killed node's mempool and leaves a nonce gap).
// Every node reaches node 0's height and has the same block hash and state
// root at every height.
void expect_every_node_agrees(const DevnetProcesses& net) {
  const uint64_t top = net.height(0);
  ASSERT_GT(top, 0u);
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
}

class Load {
 public:
  Load(const DevnetProcesses& net, std::string chain_id, KeyPair faucet, uint64_t seed)
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
  const DevnetProcesses& net_;
  std::string chain_id_;
  KeyPair faucet_;
  std::mt19937_64 rng_;
  uint64_t nonce_ = 0;
  std::set<std::string> accepted_;
};

// Four validators started from `wattle devnet init`, with a seeded load of
// transfers ready to pump (the seed is printed and replays with WATTLE_SEED).
class DevnetUnderLoad : public ::testing::Test {
 protected:
  void start_network(const std::string& dir_prefix) {
    ASSERT_FALSE(g_wattle.empty()) << "usage: devnet_test PATH_TO_WATTLE";
    const char* s = std::getenv("WATTLE_SEED");
    const uint64_t seed = s && *s ? std::stoull(s) : std::random_device{}();
    std::cout << "devnet_test seed=" << seed << "  (replay: WATTLE_SEED=" << seed << " devnet_test "
              << g_wattle << ")" << std::endl;
    dir_ = fs::temp_directory_path() / (dir_prefix + std::to_string(::getpid()));
    net_.emplace(g_wattle, dir_, kNodes, kNodes);
    ASSERT_TRUE(net_->init({"--validators", std::to_string(kNodes)}))
        << "devnet init failed; see " << net_->init_log();
    auto genesis = node::load_genesis(net_->home(0));
    ASSERT_TRUE(genesis.is_ok());
    auto faucet = node::read_key_file((dir_ / "faucet.key").string());
    ASSERT_TRUE(faucet.is_ok());
    chain_id_ = genesis->chain_id;
    load_.emplace(*net_, chain_id_, *faucet, seed);
    for (int i = 0; i < kNodes; ++i) net_->start(i);
    for (int i = 0; i < kNodes; ++i)
      ASSERT_TRUE(net_->wait_height(i, 3, 60s)) << "node " << i << " never reached height 3";
  }

  // Node i killed, its data wiped while the load goes on for `down`, then
  // restarted: it must reach the head again (block sync).
  void wipe_and_catch_up(int i, std::chrono::milliseconds down) {
    ASSERT_EQ(net_->stop(i, SIGKILL), 128 + SIGKILL);
    fs::remove_all(node::data_dir(net_->home(i)));
    load_->pump(down);
    net_->start(i);
    const uint64_t head = net_->height(0);
    EXPECT_TRUE(net_->wait_height(i, head, 120s))
        << "wiped node at " << net_->height(i) << " of " << head;
  }

  fs::path dir_;
  std::string chain_id_;
  std::optional<DevnetProcesses> net_;
  std::optional<Load> load_;  // after net_: it refers to it
};

TEST_F(DevnetUnderLoad, FourProcessesAgreeThroughCrashesStopsAndAWipe) {
  ASSERT_NO_FATAL_FAILURE(start_network("wattle-devnet-"));
  DevnetProcesses& net = *net_;
  Load& load = *load_;
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
  ASSERT_NO_FATAL_FAILURE(wipe_and_catch_up(3, 1500ms));

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
  std::vector<rpc::HttpClient> clients;
  for (int i = 0; i < kNodes; ++i) clients.push_back(net.client(i));
  expect_every_node_agrees(net);
  for (const std::string& h : committed) {
    for (int i = 1; i < kNodes; ++i) {
      auto t = get(clients[i], "/v1/txs/" + h);
      EXPECT_TRUE(t && (*t)["status"] == "committed") << "tx " << h << " missing on node " << i;
    }
  }
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net.stop(i, SIGTERM), 0) << "node " << i;
  fs::remove_all(dir_);
}

// ---- The hostile process ---------------------------------------------------

volatile std::sig_atomic_t g_hostile_stop = 0;

// What a hostile Switch needs: this chain, dial-only, every node persistent.
net::SwitchConfig hostile_config(const std::string& chain_id,
                                 const std::vector<net::PeerAddress>& nodes) {
  net::SwitchConfig sc;
  sc.network_id = chain_id;
  sc.listen_host = "";
  sc.persistent_peers = nodes;
  sc.allow = [](const PublicKey&) { return true; };
  return sc;
}

// Runs until SIGTERM against the devnet in `dir` (P2P ports from `base`),
// then prints its counters as name=value:
//   - item 1: silent sockets on every P2P port (the 16 a port renewed
//     ~3 times a second from the nodes' own address, 48 more from 127.0.0.2);
//   - item 2: a peer whose node key sorts first claims height 2^64 - 1 and
//     serves nothing;
//   - item 4: one peer per validator claims that validator's key in its
//     Hello with a proof signed by the wrong key, then relays stale votes
//     it hears, which would earn it that validator's catch-up decisions.
int run_hostile(const fs::path& dir, uint16_t base) {
  std::signal(SIGTERM, [](int) { g_hostile_stop = 1; });
  auto genesis = node::load_genesis((dir / "node0").string());
  if (!genesis) return 2;
  std::vector<net::PeerAddress> nodes;
  std::vector<uint16_t> ports;
  for (int i = 0; i < kNodes; ++i) {
    auto key = node::read_key_file((dir / ("node" + std::to_string(i)) / "node.key").string());
    if (!key) return 2;
    const auto port = static_cast<uint16_t>(base + 2 * i + 1);
    nodes.push_back(net::PeerAddress{key->public_key(), "127.0.0.1", port});
    ports.push_back(port);
  }
  net::testing::SilentFlood near("127.0.0.1", ports, 16, 300ms, /*reopen=*/false);
  net::testing::SilentFlood far("127.0.0.2", ports, 48, 300ms, /*reopen=*/true);

  boost::asio::io_context io;
  KeyPair liar_key = KeyPair::from_label("devnet-test/liar/0");
  for (int k = 1; k < 10'000; ++k) {
    bool lowest = true;
    for (const auto& n : nodes) lowest &= liar_key.public_key() < n.id;
    if (lowest) break;
    liar_key = KeyPair::from_label("devnet-test/liar/" + std::to_string(k));
  }
  net::Switch liar(io, liar_key, hostile_config(genesis->chain_id, nodes));
  uint64_t liar_asked = 0;
  const auto claim = [&](const PublicKey& peer) {
    Writer status;
    status.u8(0);
    status.u64(UINT64_MAX);
    (void)liar.send(peer, net::ChannelId::kBlockSync, status.data());
  };
  liar.on_peer_connected(claim);
  liar.on_receive([&](const PublicKey& peer, net::ChannelId ch, ByteView payload) {
    if (ch != net::ChannelId::kBlockSync || payload.empty()) return;
    if (payload[0] == 1) ++liar_asked;
    if (payload[0] == 0) claim(peer);
  });

  std::vector<std::unique_ptr<net::Switch>> impostors;
  uint64_t impostor_decisions = 0;
  std::deque<Bytes> heard;  // votes to relay later, when they are stale
  for (size_t v = 0; v < genesis->validators.size(); ++v) {
    const KeyPair key = KeyPair::from_label("devnet-test/impostor/" + std::to_string(v));
    auto sw = std::make_unique<net::Switch>(io, key, hostile_config(genesis->chain_id, nodes));
    Writer hello;
    hello.u8(0);
    hello.boolean(true);
    encode(hello, genesis->validators[v].public_key);
    encode(hello, key.sign(as_bytes(std::string_view("not the validator's key"))));
    net::Switch* raw = sw.get();
    sw->on_peer_connected([raw, h = hello.data()](const PublicKey& peer) {
      (void)raw->send(peer, net::ChannelId::kConsensus, h);
    });
    sw->on_receive([&](const PublicKey&, net::ChannelId ch, ByteView payload) {
      if (ch != net::ChannelId::kConsensus || payload.size() < 2 || payload[0] != 1) return;
      if (payload[1] == 2) ++impostor_decisions;  // Send{validator}: must never reach us
      if (payload[1] == 1 && heard.size() < 64) heard.emplace_back(payload.begin(), payload.end());
    });
    impostors.push_back(std::move(sw));
  }
  if (!liar.start()) return 2;
  for (auto& sw : impostors)
    if (!sw->start()) return 2;
  while (!g_hostile_stop) {
    io.run_for(200ms);
    for (; heard.size() > 32; heard.pop_front())
      for (auto& sw : impostors)
        for (const PublicKey& peer : sw->peers())
          (void)sw->send(peer, net::ChannelId::kConsensus, heard.front());
  }
  std::cout << "hostile_flood_connects=" << near.connects() + far.connects()
            << " hostile_liar_asked=" << liar_asked
            << " hostile_impostor_decisions=" << impostor_decisions << std::endl;
  liar.stop();
  for (auto& sw : impostors) sw->stop();
  io.run_for(10ms);
  return 0;
}

// A name=value figure from a log or a /metrics text (nullopt if absent).
std::optional<uint64_t> figure(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name, at)) != std::string::npos) {
    const bool starts = at == 0 || text[at - 1] == '\n' || text[at - 1] == ' ';
    const size_t value = at + name.size() + 1;
    const char sep = value <= text.size() ? text[value - 1] : '\0';
    // "name=value" in a log, "name value" in /metrics (not its "# HELP name text").
    if (starts && (sep == '=' || sep == ' ') && value < text.size() &&
        std::isdigit(static_cast<unsigned char>(text[value])))
      return std::stoull(text.substr(value));
    at += name.size();
  }
  return std::nullopt;
}

uint64_t node_metric(const DevnetProcesses& net, int i, const std::string& name) {
  auto c = net.client(i);
  auto r = c.get("/metrics");
  return r && r->status == 200 ? figure(r->body, name).value_or(0) : 0;
}

TEST_F(DevnetUnderLoad, KeepsCommittingAndAgreesBesideAHostileProcessWhileTwoValidatorsRestart) {
  ASSERT_NO_FATAL_FAILURE(start_network("wattle-devnet-hostile-"));
  DevnetProcesses& net = *net_;
  Load& load = *load_;
  const fs::path& dir = dir_;

  const std::string hostile_log = (dir / "hostile.log").string();
  const pid_t hostile =
      spawn({g_self, "--hostile", dir.string(), std::to_string(net.base_port())}, hostile_log);
  ASSERT_GT(hostile, 0);
  load.pump(3s);
  const uint64_t with_hostile = net.height(0);
  EXPECT_TRUE(net.wait_height(0, with_hostile + 3, 60s)) << "stalled beside the hostile process";

  // Validator 3 wiped and restarted: it must catch up past the liar by block sync.
  ASSERT_NO_FATAL_FAILURE(wipe_and_catch_up(3, 2s));

  // Validators 2 and 3 restarted together: half the power is gone until they
  // return, and they must reach their peers through the flood to resume.
  ASSERT_EQ(net.stop(2, SIGKILL), 128 + SIGKILL);
  ASSERT_EQ(net.stop(3, SIGKILL), 128 + SIGKILL);
  load.pump(1s);
  const uint64_t halted = net.height(0);
  net.start(2);
  net.start(3);
  load.pump(2s);
  EXPECT_TRUE(net.wait_height(0, halted + 5, 120s))
      << "the chain did not resume after two restarts under the flood: " << net.height(0);
  for (int i = 2; i < kNodes; ++i)
    EXPECT_TRUE(net.wait_height(i, halted + 5, 120s)) << "node " << i << " at " << net.height(i);

  kill(hostile, SIGTERM);
  EXPECT_EQ(wait_exit(hostile), 0);
  std::ifstream in(hostile_log);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::cout << log;
  // The attacks ran (or this test proved nothing) and failed.
  EXPECT_GT(figure(log, "hostile_flood_connects").value_or(0), 1000u) << log;
  EXPECT_GT(figure(log, "hostile_liar_asked").value_or(0), 0u) << log;
  EXPECT_EQ(figure(log, "hostile_impostor_decisions"), std::optional<uint64_t>(0)) << log;
  uint64_t refused = 0, evicted = 0;
  for (int i = 0; i < kNodes; ++i) {
    refused += node_metric(net, i, "wattle_p2p_hellos_refused_total");
    evicted += node_metric(net, i, "wattle_p2p_handshakes_evicted_total");
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(evicted, 0u);
  std::cout << "hellos_refused=" << refused << " handshakes_evicted=" << evicted
            << " blocksync_timeouts_node3="
            << node_metric(net, 3, "wattle_blocksync_timeouts_total") << std::endl;

  expect_every_node_agrees(net);
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net.stop(i, SIGTERM), 0) << "node " << i;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--hostile")
    return wattle::run_hostile(argv[2], static_cast<uint16_t>(std::stoul(argv[3])));
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = argv[1];
  wattle::g_self = std::filesystem::read_symlink("/proc/self/exe").string();
  return RUN_ALL_TESTS();
}
