// Node end to end over real HTTP on loopback: good path, and every bad input
// asserting the error code AND that the state (root, balances,
// nonces) is unchanged. Also: restart keeps the chain, and `verify_chain`
// catches tampering (a checker must be able to fail).
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "chain/tx.h"
#include "node/home.h"
#include "node/light_client.h"
#include "node/node.h"
#include "node/verify.h"
#include "rpc/http_client.h"

namespace wattle::node {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("wattle-node-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    InitOptions init;
    init.chain_id = "test-chain";
    init.block_interval_ms = 10;
    // Total supply is exactly INT64_MAX: the most genesis allows.
    init.balances = {{addr(alice_), Money(1'000'000)}, {addr(bob_), Money(INT64_MAX - 1'000'000)}};
    // These tests move small amounts to fresh addresses; min_balance has its
    // own tests (ledger ApplicationTest, and below).
    init.min_balance = Money(0);
    init.engine = engine_;
    ASSERT_TRUE(init_home(home_.string(), init).is_ok());
    start();
  }
  void TearDown() override {
    client_.reset();
    if (node_) node_->stop();
    node_.reset();
    fs::remove_all(home_);
  }
  void start(chain::StoreOptions store = {}) {
    NodeConfig cfg;
    cfg.home = home_.string();
    cfg.rpc_port = 0;
    cfg.store = store;
    auto n = Node::open(cfg);
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    node_ = std::move(*n);
    ASSERT_TRUE(node_->start().is_ok());
    client_ = std::make_unique<rpc::HttpClient>("127.0.0.1", node_->rpc_port());
  }
  void stop() {
    client_.reset();
    node_->stop();
    node_.reset();
  }
  static Address addr(const KeyPair& k) { return Address::of(k.public_key()); }

  std::pair<unsigned, json> call(const std::string& method, const std::string& target,
                                 const std::string& body = "") {
    auto r = client_->request(method, target, body);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  std::string hex(const chain::Tx& tx) { return to_hex(encode_to_bytes(tx)); }
  chain::Tx transfer(const KeyPair& from, uint64_t nonce, const Address& to, int64_t amount,
                     const std::string& chain = "test-chain") {
    return chain::Tx::make_signed(chain, from, nonce, chain::Transfer{to, Money(amount)});
  }
  // Everything a bad input must leave unchanged.
  struct Snapshot {
    std::string state_root;
    uint64_t height;
    json alice, bob;
    size_t mempool;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() {
    auto s = call("GET", "/v1/status").second;
    return {s["state_root"], s["height"],
            call("GET", "/v1/accounts/" + addr(alice_).to_string()).second,
            call("GET", "/v1/accounts/" + addr(bob_).to_string()).second, s["mempool_size"]};
  }
  void commit_and_wait(const chain::Tx& tx) {
    auto [code, body] = call("POST", "/v1/txs", json{{"tx", hex(tx)}}.dump());
    ASSERT_EQ(code, 200u) << body.dump();
    std::string h = body["hash"];
    for (int i = 0; i < 500; ++i) {
      if (call("GET", "/v1/txs/" + h).second["status"] == "committed") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "not committed: " << h;
  }
  // Submits a body, expects `http`/`code`, and an unchanged state.
  void expect_rejected(const std::string& body, unsigned http, const std::string& code) {
    Snapshot before = snapshot();
    auto [status, resp] = call("POST", "/v1/txs", body);
    EXPECT_EQ(status, http) << resp.dump();
    EXPECT_EQ(resp.value("code", ""), code) << resp.dump();
    EXPECT_FALSE(resp.value("message", "").empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(40));  // a few block intervals
    EXPECT_EQ(snapshot(), before);
  }

  chain::EngineKind engine_ = chain::EngineKind::kSingle;  // of the genesis SetUp writes
  KeyPair alice_ = KeyPair::from_label("node-test/alice");
  KeyPair bob_ = KeyPair::from_label("node-test/bob");
  KeyPair carol_ = KeyPair::from_label("node-test/carol");
  fs::path home_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<rpc::HttpClient> client_;
};

TEST_F(NodeTest, TransferCommitsAndMovesMoneyExactly) {
  commit_and_wait(transfer(alice_, 0, addr(carol_), 250'000));
  EXPECT_EQ(call("GET", "/v1/accounts/" + addr(alice_).to_string()).second["balance"], 750'000);
  EXPECT_EQ(call("GET", "/v1/accounts/" + addr(alice_).to_string()).second["nonce"], 1);
  auto carol = call("GET", "/v1/accounts/" + addr(carol_).to_string()).second;
  EXPECT_EQ(carol["balance"], 250'000);
  EXPECT_EQ(carol["exists"], true);
  auto [code, block] = call("GET", "/v1/blocks/1");
  EXPECT_EQ(code, 200u);
  EXPECT_EQ(block["tx_count"], 1);
}

TEST_F(NodeTest, BadSignatureIsRejectedAndChangesNothing) {
  chain::Tx tx = transfer(alice_, 0, addr(carol_), 10);
  tx.signature.bytes[5] ^= 1;
  expect_rejected(json{{"tx", hex(tx)}}.dump(), 400, "bad_signature");
  // Payload changed after signing: the signature no longer covers it.
  chain::Tx tampered = transfer(alice_, 0, addr(carol_), 10);
  std::get<chain::Transfer>(tampered.payload).amount = Money(999'999);
  expect_rejected(json{{"tx", hex(tampered)}}.dump(), 400, "bad_signature");
}

TEST_F(NodeTest, WrongChainIdIsRejected) {
  expect_rejected(json{{"tx", hex(transfer(alice_, 0, addr(carol_), 10, "other-chain"))}}.dump(),
                  400, "wrong_chain");
}

TEST_F(NodeTest, ReplayedTxIsRejected) {
  chain::Tx tx = transfer(alice_, 0, addr(carol_), 10);
  commit_and_wait(tx);
  expect_rejected(json{{"tx", hex(tx)}}.dump(), 409, "nonce_replay");
}

TEST_F(NodeTest, NonceGapIsRejected) {
  expect_rejected(json{{"tx", hex(transfer(alice_, 1, addr(carol_), 10))}}.dump(), 409,
                  "nonce_gap");
}

TEST_F(NodeTest, OverdraftIsRejected) {
  expect_rejected(json{{"tx", hex(transfer(alice_, 0, addr(carol_), 1'000'001))}}.dump(), 409,
                  "insufficient_funds");
}

TEST_F(NodeTest, ZeroAndNegativeAmountsAreRejected) {
  expect_rejected(json{{"tx", hex(transfer(alice_, 0, addr(carol_), 0))}}.dump(), 400,
                  "invalid_argument");
  expect_rejected(json{{"tx", hex(transfer(alice_, 0, addr(carol_), -5))}}.dump(), 400,
                  "invalid_argument");
}

TEST_F(NodeTest, AmountOverflowIsRejected) {
  // One tx of INT64_MAX: more than anyone holds.
  expect_rejected(json{{"tx", hex(transfer(alice_, 0, addr(carol_), INT64_MAX))}}.dump(), 409,
                  "insufficient_funds");
  // Two pending txs whose sum leaves int64: the second is refused with overflow,
  // the first commits, and exactly its amount moves.
  const int64_t bob0 = INT64_MAX - 1'000'000;
  chain::Tx a = transfer(bob_, 0, addr(carol_), bob0 / 2 + 1);
  chain::Tx b = transfer(bob_, 1, addr(carol_), INT64_MAX);
  auto [code, body] = call("POST", "/v1/txs", json{{"txs", {hex(a), hex(b)}}}.dump());
  ASSERT_EQ(code, 200u) << body.dump();
  EXPECT_EQ(body["results"][0]["code"], "ok");
  EXPECT_EQ(body["results"][1]["code"], "overflow") << body.dump();
  for (int i = 0; i < 200 && snapshot().mempool != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto bob = call("GET", "/v1/accounts/" + addr(bob_).to_string()).second;
  EXPECT_EQ(bob["balance"], bob0 - (bob0 / 2 + 1));
  EXPECT_EQ(bob["nonce"], 1);
  EXPECT_EQ(call("GET", "/v1/accounts/" + addr(carol_).to_string()).second["balance"],
            bob0 / 2 + 1);
}

TEST_F(NodeTest, GarbageJsonUnknownFieldsAndMalformedHexAreRejected) {
  expect_rejected("{not json", 400, "malformed_json");
  expect_rejected(json{{"tx", hex(transfer(alice_, 0, addr(carol_), 1))}, {"extra", 1}}.dump(), 400,
                  "unknown_field");
  expect_rejected(R"({"tx": 12})", 400, "wrong_type");
  expect_rejected(R"({"tx": "abc"})", 400, "malformed_hex");
  expect_rejected(R"({"tx": "zz"})", 400, "malformed_hex");
  expect_rejected(R"({"tx": "00"})", 400, "malformed");
}

TEST_F(NodeTest, OversizedBodyIsRejected) {
  std::string big = R"({"txs": [")" + std::string(5 * 1024 * 1024, 'a') + R"("]})";
  Snapshot before = snapshot();
  auto r = client_->request("POST", "/v1/txs", big);
  if (r) {  // the server may answer 413 or close the connection; both leave state alone
    EXPECT_EQ(r->status, 413u);
    EXPECT_NE(r->body.find("payload_too_large"), std::string::npos) << r->body;
  }
  client_ = std::make_unique<rpc::HttpClient>("127.0.0.1", node_->rpc_port());
  EXPECT_EQ(snapshot(), before);
}

TEST_F(NodeTest, BatchReportsEachTxAndAcceptsOnlyGoodOnes) {
  chain::Tx good = transfer(alice_, 0, addr(carol_), 7);
  chain::Tx bad = transfer(alice_, 1, addr(carol_), 7);
  bad.signature.bytes[0] ^= 1;
  auto [code, body] = call("POST", "/v1/txs", json{{"txs", {hex(good), hex(bad), "00"}}}.dump());
  ASSERT_EQ(code, 200u) << body.dump();
  EXPECT_EQ(body["accepted"], 1);
  EXPECT_EQ(body["results"][0]["code"], "ok");
  EXPECT_EQ(body["results"][1]["code"], "bad_signature");
  EXPECT_EQ(body["results"][2]["code"], "malformed");
}

TEST_F(NodeTest, RestartKeepsChainAndStateAndVerifies) {
  commit_and_wait(transfer(alice_, 0, addr(carol_), 100));
  commit_and_wait(transfer(alice_, 1, addr(carol_), 200));
  Snapshot before = snapshot();
  stop();
  auto report = verify_home(home_.string());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->txs, 2u);
  EXPECT_EQ(report->state_root.hex(), before.state_root);
  start();
  EXPECT_EQ(snapshot(), before);
  commit_and_wait(transfer(alice_, 2, addr(carol_), 1));  // nonce continues
  // The committed-tx count is stored with the chain, not restarted from 0.
  EXPECT_EQ(call("GET", "/v1/status").second["txs_committed"], 3);
  stop();
  start();
  EXPECT_EQ(call("GET", "/v1/status").second["txs_committed"], 3);
  EXPECT_NE(call("GET", "/metrics").second.dump(), "");
}

TEST_F(NodeTest, DuplicateJsonKeysAreMalformed) {
  chain::Tx t = transfer(alice_, 0, addr(carol_), 1);
  expect_rejected(R"({"tx": ")" + hex(t) + R"(", "tx": "00"})", 400, "malformed_json");
}

TEST_F(NodeTest, PendingNonceCountsTxsInTheMempool) {
  stop();
  NodeConfig cfg;
  cfg.home = home_.string();
  cfg.rpc_port = 0;
  cfg.block_interval_ms = 3'600'000;  // no block while we look
  auto n = Node::open(cfg);
  ASSERT_TRUE(n.is_ok());
  node_ = std::move(*n);
  ASSERT_TRUE(node_->start().is_ok());
  client_ = std::make_unique<rpc::HttpClient>("127.0.0.1", node_->rpc_port());
  for (uint64_t i = 0; i < 3; ++i)
    ASSERT_EQ(
        call("POST", "/v1/txs", json{{"tx", hex(transfer(alice_, i, addr(carol_), 1))}}.dump())
            .first,
        200u);
  auto a = call("GET", "/v1/accounts/" + addr(alice_).to_string()).second;
  EXPECT_EQ(a["nonce"], 0);
  EXPECT_EQ(a["pending_nonce"], 3);
}

// A disk that fills up while the node runs: every write RocksDB makes fails
// with "no space" once `full` is set, as on a full file system.
class FullDiskEnv : public rocksdb::EnvWrapper {
 public:
  FullDiskEnv() : rocksdb::EnvWrapper(rocksdb::Env::Default()) {}
  const char* Name() const override { return "FullDiskEnv"; }
  std::atomic<bool> full{false};

  rocksdb::Status NewWritableFile(const std::string& f, std::unique_ptr<rocksdb::WritableFile>* r,
                                  const rocksdb::EnvOptions& o) override {
    if (full) return rocksdb::Status::NoSpace("injected: disk full");
    rocksdb::Status s = target()->NewWritableFile(f, r, o);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), full);
    return s;
  }

 private:
  class File : public rocksdb::WritableFileWrapper {
   public:
    File(std::unique_ptr<rocksdb::WritableFile> f, std::atomic<bool>& full)
        : rocksdb::WritableFileWrapper(f.get()), own_(std::move(f)), full_(full) {}
    rocksdb::Status Append(const rocksdb::Slice& d) override {
      return full_ ? rocksdb::Status::NoSpace("injected: disk full")
                   : rocksdb::WritableFileWrapper::Append(d);
    }
    rocksdb::Status Append(const rocksdb::Slice& d,
                           const rocksdb::DataVerificationInfo& v) override {
      return full_ ? rocksdb::Status::NoSpace("injected: disk full")
                   : rocksdb::WritableFileWrapper::Append(d, v);
    }
    rocksdb::Status Sync() override {
      return full_ ? rocksdb::Status::NoSpace("injected: disk full")
                   : rocksdb::WritableFileWrapper::Sync();
    }
    rocksdb::Status Fsync() override {
      return full_ ? rocksdb::Status::NoSpace("injected: disk full")
                   : rocksdb::WritableFileWrapper::Fsync();
    }

   private:
    std::unique_ptr<rocksdb::WritableFile> own_;
    std::atomic<bool>& full_;
  };
};

TEST_F(NodeTest, NearlyFullDiskHaltsBeforeRocksDbRunsOutOfSpace) {
  stop();
  chain::StoreOptions tight;
  tight.min_free_bytes = UINT64_MAX / 4;  // no disk has that much free: "nearly full"
  start(tight);
  auto [code, body] =
      call("POST", "/v1/txs", json{{"tx", hex(transfer(alice_, 0, addr(carol_), 10))}}.dump());
  ASSERT_EQ(code, 200u) << body.dump();
  for (int i = 0; i < 1000 && !node_->halted(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(node_->halted());
  EXPECT_EQ(call("GET", "/v1/status").second["height"], 0);
  stop();
  start();  // the default reserve: there is room again
  commit_and_wait(transfer(alice_, 0, addr(carol_), 10));
  stop();
  auto report = verify_home(home_.string());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
}

TEST_F(NodeTest, FullDiskHaltsCleanlyRefusesTxsAndARestartResumes) {
  stop();
  FullDiskEnv disk;  // outlives the node below
  start(chain::StoreOptions{&disk});
  commit_and_wait(transfer(alice_, 0, addr(carol_), 10));
  EXPECT_EQ(call("GET", "/v1/status").second["halted"], false);

  disk.full = true;
  // This tx is admitted, but its block cannot be written: the node halts.
  auto [code, body] =
      call("POST", "/v1/txs", json{{"tx", hex(transfer(alice_, 1, addr(carol_), 20))}}.dump());
  ASSERT_EQ(code, 200u) << body.dump();
  for (int i = 0; i < 1000 && !node_->halted(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(node_->halted());
  auto status = call("GET", "/v1/status").second;
  EXPECT_EQ(status["halted"], true);
  const uint64_t height = status["height"];
  auto metrics = client_->request("GET", "/metrics");
  ASSERT_TRUE(metrics.is_ok());
  EXPECT_NE(metrics->body.find("\nwattle_halted 1\n"), std::string::npos);
  // New txs are refused instead of accepted into a chain that cannot grow.
  auto [halted_code, halted_body] =
      call("POST", "/v1/txs", json{{"tx", hex(transfer(alice_, 2, addr(carol_), 30))}}.dump());
  EXPECT_EQ(halted_code, 503u) << halted_body.dump();
  EXPECT_EQ(halted_body["code"], "halted");
  // Reads still work.
  EXPECT_EQ(call("GET", "/v1/accounts/" + addr(carol_).to_string()).second["balance"], 10);
  stop();  // a clean shutdown, no abort

  // Space is back: a restart resumes from the last good block and verifies.
  disk.full = false;
  start();
  EXPECT_EQ(call("GET", "/v1/status").second["height"], height);
  EXPECT_EQ(call("GET", "/v1/status").second["halted"], false);
  commit_and_wait(transfer(alice_, 1, addr(carol_), 20));
  stop();
  auto report = verify_home(home_.string());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->txs, 2u);
}

// Mutation checks for the verifier: tampering with stored data must be caught.
TEST_F(NodeTest, VerifyCatchesTamperedState) {
  commit_and_wait(transfer(alice_, 0, addr(carol_), 100));
  stop();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), data_dir(home_.string()), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    Address c = addr(carol_);
    std::string key = "s\x01" + std::string(reinterpret_cast<const char*>(c.bytes.data()), 20);
    Bytes forged = encode_to_bytes(chain::Account{Money(1'000'000'000), 0});  // money from nowhere
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), key, std::string(forged.begin(), forged.end())).ok());
  }
  auto report = verify_home(home_.string());
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), Code::kCorruption) << report.status().to_string();
  // The node no longer rehashes the whole state at start (that is O(state));
  // a forged record cannot be proven against the state root, so a light
  // client's --prove check fails on it, and `wattle verify` finds it.
}

TEST_F(NodeTest, NodeRefusesToStartWhenTheStateTreeRootIsMissing) {
  commit_and_wait(transfer(alice_, 0, addr(carol_), 100));
  std::string root = node_->status().state_root.hex();
  stop();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), data_dir(home_.string()), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    Hash256 h = Hash256::from_hex(root).value();
    std::string key = "n" + std::string(reinterpret_cast<const char*>(h.bytes.data()), 32);
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), key).ok());
  }
  NodeConfig cfg;
  cfg.home = home_.string();
  cfg.rpc_enabled = false;
  auto n = Node::open(cfg);
  ASSERT_FALSE(n.is_ok());
  EXPECT_EQ(n.status().code(), Code::kCorruption);
}

TEST_F(NodeTest, VerifyCatchesTamperedBlock) {
  commit_and_wait(transfer(alice_, 0, addr(carol_), 100));
  stop();
  {
    auto store = chain::Store::open(data_dir(home_.string()));
    ASSERT_TRUE(store.is_ok());
    auto b = (*store)->block(1);
    ASSERT_TRUE(b.is_ok());
    chain::Block forged = *b;
    forged.header.time_ms += 1;  // changes the block hash: the certificate no longer matches
    rocksdb::DB* raw = nullptr;
    store->reset();
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), data_dir(home_.string()), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string key = "b" + std::string(7, '\0') + std::string(1, '\1');
    Bytes bytes = encode_to_bytes(forged);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), key, std::string(bytes.begin(), bytes.end())).ok());
  }
  auto report = verify_home(home_.string());
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), Code::kCorruption);
  EXPECT_NE(report.status().message().find("certificate"), std::string::npos)
      << report.status().to_string();
}

TEST(NodeOpen, RejectsMissingHomeAndForeignKey) {
  NodeConfig cfg;
  cfg.home = "/nonexistent/wattle-home";
  EXPECT_FALSE(Node::open(cfg).is_ok());
}

// The light client's chain of links: proof -> state root -> header ->
// certificate -> genesis validator, each of which must be able to fail.
TEST_F(NodeTest, AccountProofVerifiesAsALightClientAndEveryLinkCanFail) {
  commit_and_wait(transfer(alice_, 0, addr(carol_), 250'000));
  const chain::Genesis& g = node_->genesis();
  auto [code, acct] = call("GET", "/v1/accounts/" + addr(carol_).to_string() + "?prove=true");
  ASSERT_EQ(code, 200u) << acct.dump();
  ASSERT_TRUE(acct.contains("proof"));
  EXPECT_EQ(acct["balance"], 250'000);
  const uint64_t h = acct["proof"]["height"].get<uint64_t>();
  auto [bcode, block] = call("GET", "/v1/blocks/" + std::to_string(h));
  ASSERT_EQ(bcode, 200u);
  auto ok = verify_account_answer(g, addr(carol_), acct, block);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, h);

  // Absence is proven too.
  KeyPair nobody = KeyPair::from_label("node-test-nobody");
  auto [ncode, none] = call("GET", "/v1/accounts/" + addr(nobody).to_string() + "?prove=true");
  ASSERT_EQ(ncode, 200u);
  EXPECT_EQ(none["exists"], false);
  auto [b2code, block2] =
      call("GET", "/v1/blocks/" + std::to_string(none["proof"]["height"].get<uint64_t>()));
  EXPECT_TRUE(verify_account_answer(g, addr(nobody), none, block2).is_ok());

  auto fails = [&](const nlohmann::json& a, const nlohmann::json& b, const Address& who) {
    auto r = verify_account_answer(g, who, a, b);
    return !r.is_ok();
  };
  nlohmann::json richer = acct;
  richer["balance"] = 250'001;
  EXPECT_TRUE(fails(richer, block, addr(carol_))) << "tampered balance";
  EXPECT_TRUE(fails(acct, block, addr(alice_))) << "proof for another account";
  nlohmann::json flipped = acct;
  std::string proof = flipped["proof"]["proof"];
  proof[proof.size() - 1] = proof.back() == '0' ? '1' : '0';
  flipped["proof"]["proof"] = proof;
  EXPECT_TRUE(fails(flipped, block, addr(carol_))) << "tampered proof";
  auto [gcode, genesis_block] = call("GET", "/v1/blocks/0");
  nlohmann::json other_root = acct;
  other_root["proof"]["state_root"] = genesis_block["state_root"];
  EXPECT_TRUE(fails(other_root, block, addr(carol_))) << "proof for another root";
  nlohmann::json old_height = acct;
  old_height["proof"]["height"] = 0;
  EXPECT_TRUE(fails(old_height, genesis_block, addr(carol_))) << "header of another height";
  nlohmann::json forged_header = block;
  forged_header["time_ms"] = block["time_ms"].get<uint64_t>() + 1;
  EXPECT_TRUE(fails(acct, forged_header, addr(carol_))) << "certificate of another header";
  nlohmann::json no_cert = block;
  no_cert["certificate"] = "";
  EXPECT_TRUE(fails(acct, no_cert, addr(carol_))) << "missing certificate";
  chain::Genesis other = g;
  other.validators[0].public_key = KeyPair::from_label("someone-else").public_key();
  EXPECT_FALSE(verify_account_answer(other, addr(carol_), acct, block).is_ok())
      << "another genesis validator";
  EXPECT_FALSE(verify_account_answer(g, addr(carol_), nlohmann::json::object(), block).is_ok());

  auto [qcode, bad_query] = call("GET", "/v1/accounts/" + addr(carol_).to_string() + "?prove=1");
  EXPECT_EQ(qcode, 400u);
  EXPECT_EQ(bad_query["code"], "invalid_argument");
}

TEST_F(NodeTest, TxLookupReadsTheCommittedTxFromTheIndex) {
  auto tx = transfer(alice_, 0, addr(carol_), 100);
  commit_and_wait(tx);
  auto [code, body] = call("GET", "/v1/txs/" + tx.hash().hex());
  ASSERT_EQ(code, 200u);
  EXPECT_EQ(body["status"], "committed");
  EXPECT_EQ(body["index"], 0);
  auto& events = node_->app().events();
  auto batch = events.read(0, 10);
  ASSERT_GE(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[1].hash, tx.hash());
}

// The same node over a one-validator BFT genesis: the Replica runs the
// Tendermint engine, blocks carry BFT commit certificates, and restart,
// `wattle verify` and the light client all check them.
class BftNodeTest : public NodeTest {
 public:
  BftNodeTest() { engine_ = chain::EngineKind::kBft; }
};

TEST_F(BftNodeTest, CommitsRestartsAndVerifiesWithBftCertificates) {
  EXPECT_EQ(node_->genesis().engine, chain::EngineKind::kBft);
  commit_and_wait(transfer(alice_, 0, addr(carol_), 100));
  const uint64_t h_before = node_->height();
  stop();
  auto report = verify_home(home_.string());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->txs, 1u);
  EXPECT_GE(report->height, h_before);
  start();
  commit_and_wait(transfer(alice_, 1, addr(carol_), 1));  // consensus resumes after restart
  auto [code, acct] = call("GET", "/v1/accounts/" + addr(carol_).to_string() + "?prove=true");
  ASSERT_EQ(code, 200u) << acct.dump();
  EXPECT_EQ(acct["balance"], 101);
  auto [bcode, block] =
      call("GET", "/v1/blocks/" + std::to_string(acct["proof"]["height"].get<uint64_t>()));
  ASSERT_EQ(bcode, 200u);
  auto ok = verify_account_answer(node_->genesis(), addr(carol_), acct, block);
  EXPECT_TRUE(ok.is_ok()) << ok.status().to_string();
  // A certificate from another engine's rules is refused by the light client.
  nlohmann::json forged = block;
  forged["certificate"] = std::string(128, 'a');
  EXPECT_FALSE(verify_account_answer(node_->genesis(), addr(carol_), acct, forged).is_ok());
}

}  // namespace
}  // namespace wattle::node
