// Validators over real sockets, in one process: four nodes with a "bft"
// genesis connect over loopback through the encrypted Switch and agree on
// one chain; a tx sent to one is committed on all (tx gossip); a wiped
// validator catches up by block sync, checking certificates; a full node
// without a validator key follows; a peer that sends a block with a bad
// certificate or garbage is scored down.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "consensus/bft/messages.h"
#include "chain/tx.h"
#include "node/chain_consensus.h"
#include "node/home.h"
#include "node/node.h"

namespace wattle::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kChain = "p2p-test";
// Sanitizer builds run several times slower: every wait gets longer there.
#ifdef WATTLE_SANITIZE_BUILD
constexpr int kSlow = 5;
#else
constexpr int kSlow = 1;
#endif

class P2pTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wattle-p2p-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    genesis_.chain_id = kChain;
    genesis_.genesis_time_ms = 1'700'000'000'000;
    genesis_.block_interval_ms = 50;
    genesis_.engine = chain::EngineKind::kBft;
    genesis_.min_balance = Money(0);
    for (int i = 0; i < 4; ++i) {
      validators_.push_back(KeyPair::from_label("p2p-test/validator/" + std::to_string(i)));
      genesis_.validators.push_back({validators_.back().public_key(), 1});
    }
    genesis_.balances.push_back({Address::of(alice_.public_key()), Money(1'000'000'000)});
  }
  void TearDown() override {
    nodes_.clear();
    fs::remove_all(dir_);
  }

  std::string home(int i) const { return (dir_ / ("node" + std::to_string(i))).string(); }

  // A home with the shared genesis and, for i < 4, validator i's key.
  void make_home(int i) {
    fs::create_directories(home(i));
    std::ofstream(fs::path(home(i)) / "genesis.json") << genesis_.to_json();
    if (i < 4)
      ASSERT_TRUE(write_key_file((fs::path(home(i)) / "validator.key").string(), validators_[i],
                                 /*overwrite=*/true)
                      .is_ok());
  }

  // Starts node i dialling every node already running.
  void start(int i) {
    NodeConfig cfg;
    cfg.home = home(i);
    cfg.rpc_enabled = false;
    cfg.node_key = KeyPair::from_label("p2p-test/node/" + std::to_string(i));
    P2pConfig p2p;
    p2p.status_interval = 100ms;
    for (const auto& [j, n] : nodes_)
      if (n && j != i)
        p2p.peers.push_back(net::PeerAddress{node_id(j), "127.0.0.1", n->p2p_port()});
    cfg.p2p = p2p;
    cfg.timeouts.propose_ms = 300;  // a stopped proposer costs one short round
    cfg.timeouts.propose_delta_ms = 100;
    cfg.timeouts.rebroadcast_ms = 500;
    auto n = Node::open(cfg);
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    Status st = (*n)->start();
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    nodes_[i] = std::move(*n);
  }
  static PublicKey node_id(int i) {
    return KeyPair::from_label("p2p-test/node/" + std::to_string(i)).public_key();
  }

  bool all_reach(uint64_t h, std::chrono::milliseconds timeout = kSlow * 20s) {
    for (auto& [i, n] : nodes_)
      if (n && !n->wait_for_height(h, timeout)) return false;
    return true;
  }

  // Every running node has the same block at every height all of them have.
  void expect_one_chain() {
    uint64_t common = UINT64_MAX;
    for (auto& [i, n] : nodes_)
      if (n) common = std::min(common, n->height());
    ASSERT_GT(common, 0u);
    for (uint64_t h = 1; h <= common; ++h) {
      std::optional<Hash256> hash;
      for (auto& [i, n] : nodes_) {
        if (!n) continue;
        auto b = n->block(h);
        ASSERT_TRUE(b.is_ok()) << "node " << i << " h=" << h;
        if (!hash) hash = b->header.hash();
        EXPECT_EQ(b->header.hash(), *hash) << "node " << i << " h=" << h;
      }
    }
  }

  fs::path dir_;
  chain::Genesis genesis_;
  std::vector<KeyPair> validators_;
  KeyPair alice_ = KeyPair::from_label("p2p-test/alice");
  std::map<int, std::unique_ptr<Node>> nodes_;
};

TEST_F(P2pTest, FourValidatorsAgreeAndATxSentToOneCommitsOnAll) {
  for (int i = 0; i < 4; ++i) make_home(i);
  for (int i = 0; i < 4; ++i) start(i);
  ASSERT_TRUE(all_reach(3)) << "the validators never agreed on a block";
  auto tx = chain::Tx::make_signed(
      kChain, alice_, 0, chain::Transfer{Address::of(validators_[0].public_key()), Money(12'345)});
  auto results = nodes_[3]->submit({encode_to_bytes(tx)});
  ASSERT_TRUE(results.at(0).status.is_ok()) << results[0].status.to_string();
  const Hash256 hash = tx.hash();
  for (auto& [i, n] : nodes_) {
    bool committed = false;
    for (int k = 0; k < kSlow * 200 && !committed; ++k) {
      committed = n->lookup_tx(hash).state == rpc::TxState::kCommitted;
      if (!committed) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(committed) << "node " << i;
  }
  expect_one_chain();
}

TEST_F(P2pTest, WipedValidatorAndFullNodeCatchUpByBlockSync) {
  for (int i = 0; i < 4; ++i) make_home(i);
  for (int i = 0; i < 4; ++i) start(i);
  // Beyond the engine's 64 remembered decisions: only block sync helps.
  ASSERT_TRUE(all_reach(3));
  nodes_[3].reset();
  fs::remove_all(fs::path(home(3)) / "data");
  ASSERT_TRUE(nodes_[0]->wait_for_height(80, kSlow * 60s)) << "three of four kept committing";
  start(3);
  make_home(4);  // no validator key: a full node
  start(4);
  const uint64_t target = nodes_[0]->height();
  ASSERT_TRUE(nodes_[3]->wait_for_height(target, kSlow * 60s)) << nodes_[3]->height();
  ASSERT_TRUE(nodes_[4]->wait_for_height(target, kSlow * 60s)) << nodes_[4]->height();
  expect_one_chain();
  // They got there through block sync, not only the engine's recent decisions.
  for (int i : {3, 4}) {
    const std::string m = nodes_[i]->metrics_text();
    const size_t at = m.find("\nwattle_blocks_synced_total ");
    ASSERT_NE(at, std::string::npos) << m;
    EXPECT_GT(std::stoull(m.substr(at + 28)), 10u) << "node " << i;
  }
}

TEST_F(P2pTest, TwoOfFourStoppedCommitNothingUntilOneReturns) {
  for (int i = 0; i < 4; ++i) make_home(i);
  for (int i = 0; i < 4; ++i) start(i);
  ASSERT_TRUE(all_reach(2));
  nodes_[2].reset();
  nodes_[3].reset();
  std::this_thread::sleep_for(300ms);  // what was in flight settles
  const uint64_t stalled = nodes_[0]->height();
  std::this_thread::sleep_for(1500ms);
  EXPECT_LE(nodes_[0]->height(), stalled + 1) << "half the power must not commit";
  start(2);
  EXPECT_TRUE(nodes_[0]->wait_for_height(stalled + 3, kSlow * 30s));
  expect_one_chain();
}

// A hostile peer on the block-sync and consensus channels: it claims to be
// far ahead, then serves a block whose certificate does not verify; another
// sends garbage. Each is scored down to a ban; nothing is committed.
TEST_F(P2pTest, BadSyncedBlocksAndGarbageGetThePeerBanned) {
  for (int i = 0; i < 4; ++i) make_home(i);
  start(0);  // alone: one of four validators cannot commit
  for (int variant = 0; variant < 5; ++variant) {
    boost::asio::io_context io;
    KeyPair evil = KeyPair::from_label("p2p-test/evil/" + std::to_string(variant));
    net::SwitchConfig sc;
    sc.network_id = kChain;
    sc.listen_host = "";
    sc.persistent_peers = {net::PeerAddress{node_id(0), "127.0.0.1", nodes_[0]->p2p_port()}};
    net::Switch sw(io, evil, sc);
    // A block for height 1 on top of genesis, "certified" by one validator:
    // variant 0 signs too little power, variant 1 is the wrong parent,
    // variant 2 sends consensus garbage instead, variant 3 an undecodable tx
    // batch, variant 4 evidence that does not check (10 points each).
    chain::Block b;
    b.header.height = 1;
    b.header.prev_hash = variant == 1 ? Hash256{} : genesis_.block().header.hash();
    b.header.time_ms = genesis_.genesis_time_ms + 1;
    b.header.proposer = validators_[0].public_key();
    b.header.tx_root = chain::compute_tx_root({});
    b.header.state_root = genesis_.block().header.state_root;
    auto set = validator_set(genesis_);
    ASSERT_TRUE(set.is_ok());
    auto vote = consensus::bft::sign_vote(
        kChain, validators_[0], 0, consensus::bft::VoteType::kPrecommit, 1, 0, b.header.hash());
    b.certificate =
        encode_to_bytes(consensus::bft::make_certificate(*set, 1, 0, b.header.hash(), {vote}));
    sw.on_peer_connected([&](const PublicKey& peer) {
      if (variant == 2) {
        (void)sw.send(peer, net::ChannelId::kConsensus, Bytes{0x07, 0x01});
        return;
      }
      if (variant == 3) {
        (void)sw.send(peer, net::ChannelId::kTxGossip, Bytes{0, 0, 0, 2, 0, 0, 0, 9, 1});
        return;
      }
      if (variant == 4) {
        for (uint8_t k = 0; k < 12; ++k)
          (void)sw.send(peer, net::ChannelId::kConsensus, Bytes{2, k, 1, 2, 3});
        return;
      }
      Writer status;
      status.u8(0);  // Status: far ahead
      status.u64(1'000);
      (void)sw.send(peer, net::ChannelId::kBlockSync, status.data());
    });
    sw.on_receive([&](const PublicKey& peer, net::ChannelId ch, ByteView payload) {
      if (ch == net::ChannelId::kBlockSync && !payload.empty() && payload[0] == 1) {
        Bytes reply{2};  // Block
        const Bytes body = encode_to_bytes(b);
        reply.insert(reply.end(), body.begin(), body.end());
        (void)sw.send(peer, net::ChannelId::kBlockSync, reply);
      }
    });
    ASSERT_TRUE(sw.start().is_ok());
    const auto deadline = std::chrono::steady_clock::now() + kSlow * 10s;
    auto banned = [&] {
      const std::string m = nodes_[0]->metrics_text();
      const size_t at = m.find("\nwattle_p2p_peers_banned_total ");
      return at != std::string::npos && std::stoull(m.substr(at + 31)) > uint64_t(variant);
    };
    while (!banned() && std::chrono::steady_clock::now() < deadline) io.run_for(50ms);
    EXPECT_TRUE(banned()) << "variant " << variant << "\n" << nodes_[0]->metrics_text();
    sw.stop();
    io.run_for(10ms);
  }
  EXPECT_EQ(nodes_[0]->height(), 0u);
}

// Evidence gossip and inclusion: an outside peer hands node 0 proof that
// validator 3 signed two different prevotes at height 1. Node 0 checks it,
// passes it on, and a block commits it on every node: one record, the same
// state root everywhere, and the evidence in the block.
TEST_F(P2pTest, GossipedEvidenceIsCommittedInABlockOnEveryNode) {
  for (int i = 0; i < 4; ++i) make_home(i);
  for (int i = 0; i < 4; ++i) start(i);
  ASSERT_TRUE(all_reach(2));
  auto vote = [&](uint8_t salt) {
    Hash256 id;
    id.bytes[0] = salt;
    return consensus::bft::sign_vote(kChain, validators_[3], 3, consensus::bft::VoteType::kPrevote,
                                     1, 0, id);
  };
  auto ev = consensus::bft::make_evidence(vote(1), vote(2));
  ASSERT_TRUE(ev.is_ok());
  Bytes frame{2};  // consensus channel, tag 2: evidence
  const Bytes item = consensus::bft::encode_evidence(*ev);
  frame.insert(frame.end(), item.begin(), item.end());

  boost::asio::io_context io;
  net::SwitchConfig sc;
  sc.network_id = kChain;
  sc.listen_host = "";
  sc.persistent_peers = {net::PeerAddress{node_id(0), "127.0.0.1", nodes_[0]->p2p_port()}};
  net::Switch sw(io, KeyPair::from_label("p2p-test/witness"), sc);
  sw.on_peer_connected(
      [&](const PublicKey& peer) { (void)sw.send(peer, net::ChannelId::kConsensus, frame); });
  ASSERT_TRUE(sw.start().is_ok());
  auto committed_everywhere = [&] {
    for (auto& [i, n] : nodes_) {
      const std::string m = n->metrics_text();
      const size_t at = m.find("\nwattle_evidence_committed_total ");
      if (at == std::string::npos || std::stoull(m.substr(at + 33)) < 1) return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + kSlow * 20s;
  while (!committed_everywhere() && std::chrono::steady_clock::now() < deadline) io.run_for(50ms);
  sw.stop();
  io.run_for(10ms);
  ASSERT_TRUE(committed_everywhere()) << nodes_[1]->metrics_text();
  const Hash256 id = chain::evidence_hash(item);
  std::optional<uint64_t> included;
  for (uint64_t h = 1; h <= nodes_[0]->height() && !included; ++h) {
    auto b = nodes_[0]->block(h);
    ASSERT_TRUE(b.is_ok());
    for (const Bytes& e : b->evidence)
      if (chain::evidence_hash(e) == id) included = h;
  }
  ASSERT_TRUE(included.has_value()) << "a block carries the evidence";
  ASSERT_TRUE(all_reach(*included + 1));
  expect_one_chain();
}

}  // namespace
}  // namespace wattle::node
