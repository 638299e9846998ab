// A proof-of-work chain on an in-process node (docs/consensus.md, "Proof of
// work on a node"): the genesis "pow" section, --mine-threads, mining,
// txs committing, a restart that rebuilds the engine from the store, and
// `wattle verify` over the mined chain; and the miner threads on their own.
#include <gtest/gtest.h>

#include <filesystem>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "consensus/pow/params.h"
#include "node/home.h"
#include "node/node.h"
#include "node/pow_host.h"
#include "node/pow_miner.h"
#include "node/verify.h"

namespace wattle::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Waits for `done` with a generous deadline (machine speed never decides).
template <typename F>
bool eventually(F done, std::chrono::seconds timeout = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

std::string pow_genesis_json(const std::string& extra) {
  const KeyPair k = KeyPair::from_label("pow-node-test/v");
  return R"({"chain_id": "p", "validators": [{"public_key": ")" + k.public_key().hex() +
         R"("}], "engine": "pow")" + extra + "}";
}

TEST(PowGenesis, EnginePowTakesDefaultsAndItsSection) {
  auto g = chain::Genesis::from_json(pow_genesis_json(""));
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  ASSERT_TRUE(g->pow);
  EXPECT_EQ(*g->pow, chain::GenesisPow{});
  auto h = chain::Genesis::from_json(pow_genesis_json(
      R"(, "pow": {"target_block_ms": 500, "initial_target": 503382015, "retarget_blocks": 10,
          "finality_depth": 3})"));
  ASSERT_TRUE(h.is_ok()) << h.status().to_string();
  EXPECT_EQ(h->pow->target_block_ms, 500u);
  EXPECT_EQ(h->pow->initial_bits, 0x1e00ffffu);
  EXPECT_EQ(h->pow->finality_depth, 3u);
  // The parameters are part of the chain's identity, and round-trip.
  EXPECT_NE(g->hash(), h->hash());
  auto again = chain::Genesis::from_json(h->to_json());
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->hash(), h->hash());
}

TEST(PowGenesis, RefusesStakingBadParamsAndAPowSectionOffPow) {
  auto staking =
      chain::Genesis::from_json(pow_genesis_json(R"(, "staking": {"consensus": "poa"})"));
  ASSERT_FALSE(staking.is_ok());
  EXPECT_NE(staking.status().message().find("staking is not available"), std::string::npos)
      << staking.status().to_string();
  for (const char* bad :
       {R"({"target_block_ms": 0})", R"({"retarget_blocks": 0})", R"({"finality_depth": 0})",
        R"({"initial_target": 4294967296})", R"({"surprise": 1})"}) {
    auto g = chain::Genesis::from_json(pow_genesis_json(std::string(R"(, "pow": )") + bad));
    EXPECT_EQ(g.status().code(), Code::kMalformed) << bad;
  }
  const KeyPair k = KeyPair::from_label("pow-node-test/v");
  auto off =
      chain::Genesis::from_json(R"({"chain_id": "p", "validators": [{"public_key": ")" +
                                k.public_key().hex() + R"("}], "engine": "bft", "pow": {}})");
  EXPECT_EQ(off.status().code(), Code::kMalformed);
  // A target (0x2000ffff) easier than the easiest a node allows (0x1f0fffff)
  // parses, but no node runs it.
  auto easy =
      chain::Genesis::from_json(pow_genesis_json(R"(, "pow": {"initial_target": 536936447})"));
  ASSERT_TRUE(easy.is_ok());
  EXPECT_EQ(pow_params(*easy).status().code(), Code::kInvalidArgument);
}

class PowNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("wattle-pow-node-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
  }
  void TearDown() override {
    if (node_) node_->stop();
    node_.reset();
    fs::remove_all(home_);
  }
  void init(chain::EngineKind engine) {
    InitOptions init;
    init.chain_id = "pow-test";
    init.min_balance = Money(0);
    init.balances = {{Address::of(alice_.public_key()), Money(1'000'000)}};
    init.engine = engine;
    if (engine == chain::EngineKind::kPow) {
      chain::GenesisPow pow;
      pow.initial_bits = 0x1f0fffff;  // the easiest: blocks come fast in a test
      pow.target_block_ms = 50;
      init.pow = pow;
    }
    ASSERT_TRUE(init_home(home_.string(), init).is_ok());
  }
  Result<std::unique_ptr<Node>> open(std::optional<unsigned> threads) {
    NodeConfig cfg;
    cfg.home = home_.string();
    cfg.rpc_enabled = false;
    cfg.mine_threads = threads;
    return Node::open(cfg);
  }

  KeyPair alice_ = KeyPair::from_label("pow-node-test/alice");
  fs::path home_;
  std::unique_ptr<Node> node_;
};

TEST_F(PowNodeTest, MinesCommitsTxsRestartsAndVerifies) {
  init(chain::EngineKind::kPow);
  auto n = open(std::nullopt);  // default: one mining thread
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  node_ = std::move(*n);
  ASSERT_TRUE(node_->start().is_ok());
  ASSERT_TRUE(node_->wait_for_height(3, 120s)) << "no blocks mined";
  const Address bob = Address::of(KeyPair::from_label("pow-node-test/bob").public_key());
  chain::Tx tx = chain::Tx::make_signed("pow-test", alice_, 0, chain::Transfer{bob, Money(1234)});
  auto r = node_->submit({encode_to_bytes(tx)});
  ASSERT_TRUE(r[0].status) << r[0].status.to_string();
  ASSERT_TRUE(
      eventually([&] { return node_->lookup_tx(tx.hash()).state == rpc::TxState::kCommitted; }));
  const uint64_t at = node_->lookup_tx(tx.hash()).height;
  ASSERT_TRUE(node_->wait_for_height(at + 2, 120s));
  EXPECT_GE(node_->confirmations(at), 3u);
  auto view = node_->pow_block(at);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->contains("nonce") && view->contains("target") && view->contains("chainwork"));
  const auto status = node_->status();
  ASSERT_TRUE(status.chainwork && status.reorgs);
  EXPECT_EQ(*status.reorgs, 0u);  // one miner never reorganises
  node_->stop();
  const uint64_t stopped_at = node_->height();
  node_.reset();
  // Restart: the engine's tree comes back from the store and mining goes on.
  auto again = open(1u);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  node_ = std::move(*again);
  EXPECT_EQ(node_->height(), stopped_at);
  ASSERT_TRUE(node_->start().is_ok());
  ASSERT_TRUE(node_->wait_for_height(stopped_at + 2, 120s)) << "no blocks after the restart";
  EXPECT_EQ(node_->account(bob).account.balance, Money(1234));
  node_->stop();
  node_.reset();
  auto verified = verify_home(home_.string());
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_GE(verified->height, stopped_at + 2);
  EXPECT_EQ(verified->txs, 1u);
}

TEST_F(PowNodeTest, ZeroThreadsFollowsOnly) {
  init(chain::EngineKind::kPow);
  auto n = open(0u);
  ASSERT_TRUE(n.is_ok());
  node_ = std::move(*n);
  ASSERT_TRUE(node_->start().is_ok());
  // Nothing mines: the height stays at genesis while the node runs.
  EXPECT_FALSE(node_->wait_for_height(1, 1s));
  EXPECT_EQ(node_->height(), 0u);
}

TEST_F(PowNodeTest, MineThreadsAreRefusedOffPow) {
  init(chain::EngineKind::kSingle);
  auto n = open(1u);
  ASSERT_FALSE(n.is_ok());
  EXPECT_EQ(n.status().code(), Code::kInvalidArgument);
  EXPECT_NE(n.status().message().find("--mine-threads"), std::string::npos);
}

TEST(PowMiner, SolvesEasyJobsAndStopsOnHardOnes) {
  std::mutex mu;
  std::vector<uint64_t> found;
  PowMiner miner(2, [&](uint64_t job, const consensus::pow::PowHeader& h) {
    std::lock_guard lock(mu);
    found.push_back(job);
    EXPECT_EQ(h.bits, 0x1f0fffffu);
  });
  miner.start();
  consensus::pow::PowHeader easy;
  easy.bits = 0x1f0fffff;
  const uint64_t job = miner.set_job(easy);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !found.empty();
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(found[0], job);
  }
  // A target no thread meets in this test's lifetime: stop() still returns
  // (each thread checks between batches of kBatchHashes).
  consensus::pow::PowHeader hard;
  hard.bits = 0x03000001;
  miner.set_job(hard);
  const uint64_t before = miner.hashes();
  ASSERT_TRUE(eventually([&] { return miner.hashes() > before + PowMiner::kBatchHashes; }));
  miner.stop();
  const uint64_t after = miner.hashes();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(miner.hashes(), after) << "a thread kept hashing after stop()";
}

}  // namespace
}  // namespace wattle::node
