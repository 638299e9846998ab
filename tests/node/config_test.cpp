// config.toml (node/config.h) and `devnet init` (node/devnet.h): a config
// round-trips, every bad key or value is refused naming the key, and a
// devnet is N homes that agree on one genesis and name each other as peers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "node/config.h"
#include "node/devnet.h"
#include "node/home.h"
#include "test_dir.h"

namespace wattle::node {
namespace {

namespace fs = std::filesystem;

const std::string kPeer =
    "049b5dfb7571e2e65e3a5bf72b795ffd841d1dc748b4f593566c09dab1762a4b@127.0.0.1:26601";

std::string good_config(const std::string& extra_p2p = "", const std::string& tail = "") {
  return "[p2p]\nlisten = \"127.0.0.1:26603\"\npersistent_peers = [\"" + kPeer + "\"]\n" +
         extra_p2p + "[rpc]\nlisten = \"0.0.0.0:26602\"\n" + tail;
}

TEST(HomeConfig, ParsesListenAddressesPeersAndTimeouts) {
  auto c = parse_config(good_config("", "[consensus]\npropose_ms = 1200\nprevote_delta_ms = 0\n"));
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->p2p_listen, (ListenAddress{"127.0.0.1", 26603}));
  EXPECT_EQ(c->rpc_listen, (ListenAddress{"0.0.0.0", 26602}));
  ASSERT_EQ(c->persistent_peers.size(), 1u);
  EXPECT_EQ(c->persistent_peers[0].to_string(), kPeer);
  EXPECT_EQ(c->timeouts.propose_ms, 1200u);
  EXPECT_EQ(c->timeouts.prevote_delta_ms, 0u);
  // Keys not given keep the engine's defaults.
  EXPECT_EQ(c->timeouts.precommit_ms, consensus::bft::TimeoutConfig{}.precommit_ms);
}

TEST(HomeConfig, ToTomlRoundTrips) {
  HomeConfig c;
  c.p2p_listen = {"::1", 7001};
  c.rpc_listen = {"localhost", 7000};
  c.persistent_peers.push_back(*net::PeerAddress::parse(kPeer));
  c.timeouts.rebroadcast_delta_ms = 42;
  auto back = parse_config(to_toml(c));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string() << "\n" << to_toml(c);
  EXPECT_EQ(back->p2p_listen, c.p2p_listen);
  EXPECT_EQ(back->rpc_listen, c.rpc_listen);
  EXPECT_EQ(back->persistent_peers, c.persistent_peers);
  EXPECT_EQ(back->timeouts.rebroadcast_delta_ms, 42u);
  EXPECT_EQ(back->timeouts.propose_ms, c.timeouts.propose_ms);

  HomeConfig no_peers = c;
  no_peers.persistent_peers.clear();
  auto empty = parse_config(to_toml(no_peers));
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_TRUE(empty->persistent_peers.empty());
}

TEST(HomeConfig, BadInputIsRefusedNamingTheKey) {
  struct Case {
    std::string text, names;
  };
  const std::vector<Case> cases = {
      {"[p2p\nlisten=", "config.toml:1:"},  // TOML syntax: file, line, column
      {"[rpc]\nlisten = \"127.0.0.1:1\"\n", "p2p: missing"},
      {"[p2p]\nlisten = \"127.0.0.1:1\"\n", "rpc: missing"},
      {"p2p = 5\n[rpc]\nlisten = \"127.0.0.1:1\"\n", "p2p: must be a table"},
      {good_config("lisen = \"x\"\n"), "p2p.lisen: unknown key"},
      {good_config("", "[consensus]\npropose = 1\n"), "consensus.propose: unknown key"},
      {good_config("", "[extra]\n"), "extra: unknown key"},
      {"[p2p]\n[rpc]\nlisten = \"127.0.0.1:1\"\n", "p2p.listen: missing"},
      {"[p2p]\nlisten = 26601\n[rpc]\nlisten = \"127.0.0.1:1\"\n", "p2p.listen: must be a string"},
      {"[p2p]\nlisten = \"127.0.0.1\"\n[rpc]\nlisten = \"127.0.0.1:1\"\n",
       "p2p.listen: expected HOST:PORT"},
      {"[p2p]\nlisten = \"127.0.0.1:65536\"\n[rpc]\nlisten = \"127.0.0.1:1\"\n",
       "p2p.listen: bad port"},
      {"[p2p]\nlisten = \"127.0.0.1:0x10\"\n[rpc]\nlisten = \"127.0.0.1:1\"\n",
       "p2p.listen: bad port"},
      {"[p2p]\nlisten = \":80\"\n[rpc]\nlisten = \"127.0.0.1:1\"\n", "p2p.listen: bad host"},
      {"[p2p]\nlisten = \"127.0.0.1:1\"\npersistent_peers = \"" + kPeer +
           "\"\n[rpc]\nlisten = \"127.0.0.1:2\"\n",
       "p2p.persistent_peers: must be an array"},
      {"[p2p]\nlisten = \"127.0.0.1:1\"\npersistent_peers = [\"abc@127.0.0.1:5\"]\n[rpc]\nlisten = "
       "\"127.0.0.1:2\"\n",
       "p2p.persistent_peers[0]:"},
      {"[p2p]\nlisten = \"127.0.0.1:1\"\npersistent_peers = [\"" + kPeer +
           "\", 7]\n[rpc]\nlisten = "
           "\"127.0.0.1:2\"\n",
       "p2p.persistent_peers[1]: must be a string"},
      {"[p2p]\nlisten = \"127.0.0.1:1\"\npersistent_peers = [\"" + kPeer + "\", \"" + kPeer +
           "\"]\n[rpc]\nlisten = \"127.0.0.1:2\"\n",
       "p2p.persistent_peers[1]: listed twice"},
      {good_config("", "[consensus]\npropose_ms = 0\n"), "consensus.propose_ms: must be in 1.."},
      {good_config("", "[consensus]\nprevote_ms = -5\n"), "consensus.prevote_ms: must be in"},
      {good_config("", "[consensus]\nprecommit_ms = 3600001\n"), "consensus.precommit_ms"},
      {good_config("", "[consensus]\nrebroadcast_ms = 1.5\n"),
       "consensus.rebroadcast_ms: must be an integer"},
      {good_config("", "[consensus]\npropose_ms = \"1000\"\n"),
       "consensus.propose_ms: must be an integer"},
  };
  for (const Case& c : cases) {
    auto r = parse_config(c.text);
    ASSERT_FALSE(r.is_ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.text;
    EXPECT_NE(r.status().message().find(c.names), std::string::npos)
        << "want \"" << c.names << "\" in: " << r.status().message();
  }
}

TEST(HomeConfig, LoadConfigReadsTheHomeFileAndNamesIt) {
  wattle::testing::TestDir tmp("wattle-config-test");
  auto missing = load_config(tmp.path().string());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  std::ofstream(tmp.path() / "config.toml") << good_config("bogus = 1\n");
  auto bad = load_config(tmp.path().string());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find((tmp.path() / "config.toml").string() + ": p2p.bogus"),
            std::string::npos)
      << bad.status().message();
  std::ofstream(tmp.path() / "config.toml") << good_config();
  EXPECT_TRUE(load_config(tmp.path().string()).is_ok());
}

class DevnetTest : public ::testing::Test {
 protected:
  wattle::testing::TestDir tmp_{"wattle-devnet-test"};
  fs::path dir_ = tmp_.path() / "net";
};

TEST_F(DevnetTest, WritesNHomesWithOneGenesisAndEveryOtherNodeAsPeer) {
  DevnetOptions o;
  o.dir = dir_.string();
  o.validators = 4;
  o.base_port = 30000;
  o.chain_id = "test-devnet";
  auto nodes = init_devnet(o);
  ASSERT_TRUE(nodes.is_ok()) << nodes.status().to_string();
  ASSERT_EQ(nodes->size(), 4u);

  auto faucet = read_key_file((dir_ / "faucet.key").string());
  ASSERT_TRUE(faucet.is_ok());
  std::set<std::string> genesis_hashes, node_ids, validators;
  for (uint32_t i = 0; i < 4; ++i) {
    const DevnetNode& n = (*nodes)[i];
    const fs::path home = dir_ / ("node" + std::to_string(i));
    EXPECT_EQ(n.home, home.string());
    // Ports: rpc = base + 2i, p2p = base + 2i + 1.
    auto cfg = load_config(home.string());
    ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
    EXPECT_EQ(cfg->rpc_listen, (ListenAddress{"127.0.0.1", static_cast<uint16_t>(30000 + 2 * i)}));
    EXPECT_EQ(cfg->p2p_listen,
              (ListenAddress{"127.0.0.1", static_cast<uint16_t>(30000 + 2 * i + 1)}));
    auto genesis = load_genesis(home.string());
    ASSERT_TRUE(genesis.is_ok()) << genesis.status().to_string();
    genesis_hashes.insert(genesis->hash().hex());
    EXPECT_EQ(genesis->chain_id, "test-devnet");
    ASSERT_EQ(genesis->validators.size(), 4u);
    for (const auto& v : genesis->validators) EXPECT_EQ(v.power, 1u);
    ASSERT_EQ(genesis->balances.size(), 1u);
    EXPECT_EQ(genesis->balances[0].first, Address::of(faucet->public_key()));
    EXPECT_GT(genesis->balances[0].second.value(), 0);

    auto vkey = load_validator_key(home.string());
    auto nkey = load_node_key(home.string());
    ASSERT_TRUE(vkey.is_ok() && nkey.is_ok());
    EXPECT_EQ(genesis->validators[i].public_key, vkey->public_key());
    EXPECT_EQ(nkey->public_key(), n.node_id);
    EXPECT_NE(nkey->public_key(), vkey->public_key());
    validators.insert(vkey->public_key().hex());
    node_ids.insert(nkey->public_key().hex());
    for (const char* secret : {"validator.key", "node.key"}) {
      struct stat st {};
      ASSERT_EQ(::stat((home / secret).c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, 0600u) << secret;
    }

    // Every other node, by node id and P2P address, and not itself.
    ASSERT_EQ(cfg->persistent_peers.size(), 3u);
    for (const net::PeerAddress& p : cfg->persistent_peers) {
      EXPECT_NE(p.id, n.node_id);
      bool found = false;
      for (const DevnetNode& other : *nodes)
        found |= other.node_id == p.id && other.config.p2p_listen.port == p.port &&
                 other.config.p2p_listen.host == p.host;
      EXPECT_TRUE(found) << p.to_string();
    }
  }
  EXPECT_EQ(genesis_hashes.size(), 1u) << "the homes disagree on genesis";
  EXPECT_EQ(node_ids.size(), 4u);
  EXPECT_EQ(validators.size(), 4u);
}

TEST_F(DevnetTest, RefusesANonEmptyDirectoryAndBadOptions) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "keep.txt") << "mine";
  DevnetOptions o;
  o.dir = dir_.string();
  auto r = init_devnet(o);
  EXPECT_EQ(r.status().code(), Code::kDuplicate);
  EXPECT_TRUE(fs::exists(dir_ / "keep.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "faucet.key"));

  std::ofstream(tmp_.path() / "file") << "x";
  o.dir = (tmp_.path() / "file").string();
  EXPECT_EQ(init_devnet(o).status().code(), Code::kDuplicate);

  o.dir = (tmp_.path() / "fresh").string();
  o.validators = 0;
  EXPECT_EQ(init_devnet(o).status().code(), Code::kInvalidArgument);
  o.validators = 4;
  o.base_port = 65530;  // needs 65530..65537
  EXPECT_EQ(init_devnet(o).status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(fs::exists(tmp_.path() / "fresh"));

  // An existing empty directory is fine.
  o.base_port = 26600;
  fs::create_directories(tmp_.path() / "empty");
  o.dir = (tmp_.path() / "empty").string();
  EXPECT_TRUE(init_devnet(o).is_ok());
}

TEST_F(DevnetTest, AFailureLeavesNothingBehind) {
  DevnetOptions o;
  o.validators = 3;
  // A chain id the genesis refuses fails after faucet.key was written.
  o.chain_id = "has spaces";
  o.dir = dir_.string();
  auto fresh = init_devnet(o);
  EXPECT_EQ(fresh.status().code(), Code::kMalformed) << fresh.status().to_string();
  EXPECT_FALSE(fs::exists(dir_)) << "a directory it created must go";

  fs::create_directories(dir_);  // existed (empty): it stays, empty
  auto existing = init_devnet(o);
  EXPECT_FALSE(existing.is_ok());
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_TRUE(fs::is_empty(dir_));

  // A path that cannot be created at all.
  std::ofstream(tmp_.path() / "file-not-dir") << "x";
  o.chain_id = "ok";
  o.dir = (tmp_.path() / "file-not-dir" / "net").string();
  EXPECT_EQ(init_devnet(o).status().code(), Code::kIoError);
  EXPECT_TRUE(fs::is_regular_file(tmp_.path() / "file-not-dir"));
}

}  // namespace
}  // namespace wattle::node
