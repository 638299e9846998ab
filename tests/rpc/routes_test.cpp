// Every route's good case over real HTTP against the fake chain.
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

class RoutesTest : public ServerTest {
 protected:
  void SetUp() override { start(); }
};

TEST_F(RoutesTest, SubmitOneTxThenSeeItPendingThenCommitted) {
  chain::Tx tx = transfer(alice_, 0, bob_addr_, 250);
  Reply r = call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump());
  ASSERT_EQ(r.status, 200u) << r.raw.body;
  EXPECT_EQ(r.body, (json{{"hash", tx.hash().hex()}, {"status", "accepted"}}));

  Reply pending = call("GET", "/v1/txs/" + tx.hash().hex());
  ASSERT_EQ(pending.status, 200u) << pending.raw.body;
  EXPECT_EQ(pending.body["status"], "pending");
  EXPECT_EQ(pending.body["hash"], tx.hash().hex());
  EXPECT_FALSE(pending.body.contains("height"));
  EXPECT_EQ(pending.body["tx"]["amount"], 250);

  chain_.commit_block();
  Reply done = call("GET", "/v1/txs/" + tx.hash().hex());
  ASSERT_EQ(done.status, 200u);
  EXPECT_EQ(done.body["status"], "committed");
  EXPECT_EQ(done.body["height"], 1);
  EXPECT_EQ(done.body["index"], 0);
  EXPECT_EQ(done.body["confirmations"], 1);  // not a PoW chain: final at commit
  EXPECT_FALSE(pending.body.contains("confirmations"));
  const json& t = done.body["tx"];
  EXPECT_EQ(t["hash"], tx.hash().hex());
  EXPECT_EQ(t["chain_id"], kTestChain);
  EXPECT_EQ(t["sender"], alice_addr_.to_string());
  EXPECT_EQ(t["sender_key"], alice_.public_key().hex());
  EXPECT_EQ(t["nonce"], 0);
  EXPECT_EQ(t["type"], "transfer");
  EXPECT_EQ(t["to"], bob_addr_.to_string());
  EXPECT_TRUE(t["amount"].is_number_integer());
  EXPECT_EQ(t["amount"], 250);
  EXPECT_EQ(t["signature"], to_hex(tx.signature.bytes));
}

TEST_F(RoutesTest, BatchReportsOneResultPerTxInOrder) {
  chain::Tx ok0 = transfer(alice_, 0, bob_addr_, 10);
  chain::Tx ok1 = transfer(alice_, 1, bob_addr_, 20);
  chain::Tx bad_sig = transfer(alice_, 2, bob_addr_, 30);
  bad_sig.signature.bytes[5] ^= 1;
  chain::Tx wrong_chain = transfer(alice_, 2, bob_addr_, 30, "other-chain");
  chain::Tx gap = transfer(alice_, 9, bob_addr_, 30);
  chain::Tx broke = transfer(bob_, 0, alice_addr_, 1);
  json body = {{"txs",
                {tx_hex(ok0), tx_hex(ok1), tx_hex(bad_sig), tx_hex(wrong_chain), tx_hex(ok0),
                 tx_hex(gap), tx_hex(broke), "00"}}};
  Reply r = call("POST", "/v1/txs", body.dump());
  ASSERT_EQ(r.status, 200u) << r.raw.body;
  EXPECT_EQ(r.body["accepted"], 2);
  const json& res = r.body["results"];
  ASSERT_EQ(res.size(), 8u);
  const char* codes[] = {"ok",           "ok",        "bad_signature",      "wrong_chain",
                         "nonce_replay", "nonce_gap", "insufficient_funds", "malformed"};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(res[i]["code"], codes[i]) << i;
    EXPECT_EQ(res[i].contains("message"), i >= 2) << i;
  }
  EXPECT_EQ(res[0]["hash"], ok0.hash().hex());
  EXPECT_EQ(res[2]["hash"], bad_sig.hash().hex());
  EXPECT_TRUE(res[7]["hash"].is_null());  // "00" does not decode, so it has no hash
}

TEST_F(RoutesTest, BlocksShowHeaderTxsAndCertificate) {
  Reply genesis = call("GET", "/v1/blocks/0");
  ASSERT_EQ(genesis.status, 200u) << genesis.raw.body;
  EXPECT_EQ(genesis.body["height"], 0);
  EXPECT_EQ(genesis.body["tx_count"], 0);
  EXPECT_EQ(genesis.body["tx_hashes"], json::array());
  EXPECT_FALSE(genesis.body.contains("txs"));  // full txs only on request

  chain::Tx tx = transfer(alice_, 0, bob_addr_, 5);
  ASSERT_EQ(call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump()).status, 200u);
  chain::Block b = chain_.commit_block();

  for (std::string target : {"/v1/blocks/1?txs=full", "/v1/blocks/latest?txs=full&page=0"}) {
    Reply r = call("GET", target);
    ASSERT_EQ(r.status, 200u) << r.raw.body;
    const json& j = r.body;
    EXPECT_EQ(j["height"], 1);
    EXPECT_EQ(j["hash"], b.header.hash().hex());
    EXPECT_EQ(j["prev_hash"], b.header.prev_hash.hex());
    EXPECT_EQ(j["proposer"], b.header.proposer.hex());
    EXPECT_EQ(j["time_ms"], b.header.time_ms);
    EXPECT_EQ(j["tx_root"], b.header.tx_root.hex());
    EXPECT_EQ(j["state_root"], b.header.state_root.hex());
    EXPECT_EQ(j["tx_count"], 1);
    EXPECT_EQ(j["certificate"], "ce57");
    ASSERT_EQ(j["txs"].size(), 1u);
    EXPECT_EQ(j["txs"][0]["hash"], tx.hash().hex());
    EXPECT_EQ(j["txs"][0]["sender"], alice_addr_.to_string());
    EXPECT_EQ(j["txs"][0]["to"], bob_addr_.to_string());
    EXPECT_EQ(j["txs"][0]["amount"], 5);
    EXPECT_EQ(j["tx_hashes"], json::array({tx.hash().hex()}));
    EXPECT_EQ(j["page"], 0);
    EXPECT_EQ(j["limit"], Api::kDefaultBlockPage);
    EXPECT_TRUE(j["next_page"].is_null());
  }
  Reply hashes_only = call("GET", "/v1/blocks/1");
  EXPECT_EQ(hashes_only.body["tx_hashes"], json::array({tx.hash().hex()}));
  EXPECT_FALSE(hashes_only.body.contains("txs"));
}

TEST_F(RoutesTest, BlockTxsComeInBoundedPages) {
  KeyPair rich = KeyPair::from_label("rich");
  chain_.fund(Address::of(rich.public_key()), 1'000'000);
  std::vector<std::string> txs;
  for (int i = 0; i < 25; ++i) txs.push_back(tx_hex(transfer(rich, i, bob_addr_, 1)));
  ASSERT_EQ(call("POST", "/v1/txs", json{{"txs", txs}}.dump()).status, 200u);
  chain::Block b = chain_.commit_block();
  std::vector<std::string> seen;
  json page = 0;
  while (!page.is_null()) {
    Reply r = call("GET", "/v1/blocks/1?txs=full&limit=10&page=" + page.dump());
    ASSERT_EQ(r.status, 200u) << r.raw.body;
    EXPECT_LE(r.body["txs"].size(), 10u);
    for (const auto& t : r.body["txs"]) seen.push_back(t["hash"]);
    page = r.body["next_page"];
  }
  ASSERT_EQ(seen.size(), 25u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], b.txs[i].hash().hex());
  // Past the end: an empty page, not an error.
  EXPECT_EQ(call("GET", "/v1/blocks/1?txs=full&limit=10&page=9").body["txs"].size(), 0u);
  // Limits and unknown parameters are refused, not clamped or ignored.
  for (std::string q : {"limit=0", "limit=1001", "limit=010x", "page=-1", "txs=some", "foo=1",
                        "limit=99999999999999999999999"})
    expect_error(call("GET", "/v1/blocks/1?" + q), 400, "invalid_argument");
  EXPECT_EQ(call("GET", "/v1/blocks/1?txs=full&limit=1000").status, 200u);
}

TEST_F(RoutesTest, AccountsShowBalanceNonceAndExistence) {
  Reply a = call("GET", "/v1/accounts/" + alice_addr_.to_string());
  ASSERT_EQ(a.status, 200u) << a.raw.body;
  EXPECT_EQ(a.body, (json{{"address", alice_addr_.to_string()},
                          {"balance", 1'000'000},
                          {"nonce", 0},
                          {"pending_nonce", 0},
                          {"exists", true}}));
  Reply b = call("GET", "/v1/accounts/" + bob_addr_.to_string());
  ASSERT_EQ(b.status, 200u);
  EXPECT_EQ(b.body["exists"], false);
  EXPECT_EQ(b.body["balance"], 0);

  ASSERT_EQ(call("POST", "/v1/txs", json{{"tx", tx_hex(transfer(alice_, 0, bob_addr_, 7))}}.dump())
                .status,
            200u);
  // A pending tx moves pending_nonce, not nonce: the CLI signs its next tx with it.
  Reply pending = call("GET", "/v1/accounts/" + alice_addr_.to_string());
  EXPECT_EQ(pending.body["nonce"], 0);
  EXPECT_EQ(pending.body["pending_nonce"], 1);
  chain_.commit_block();
  EXPECT_EQ(call("GET", "/v1/accounts/" + bob_addr_.to_string()).body["balance"], 7);
  Reply a2 = call("GET", "/v1/accounts/" + alice_addr_.to_string());
  EXPECT_EQ(a2.body["balance"], 1'000'000 - 7);
  EXPECT_EQ(a2.body["nonce"], 1);
}

TEST_F(RoutesTest, StatusShowsTheChainHead) {
  ASSERT_EQ(call("POST", "/v1/txs", json{{"tx", tx_hex(transfer(alice_, 0, bob_addr_, 7))}}.dump())
                .status,
            200u);
  Reply before = call("GET", "/v1/status");
  ASSERT_EQ(before.status, 200u) << before.raw.body;
  EXPECT_EQ(before.body["mempool_size"], 1);
  chain::Block b = chain_.commit_block();
  Reply r = call("GET", "/v1/status");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, (json{{"chain_id", kTestChain},
                          {"height", 1},
                          {"last_block_hash", b.header.hash().hex()},
                          {"state_root", b.header.state_root.hex()},
                          {"last_block_time_ms", b.header.time_ms},
                          {"mempool_size", 0},
                          {"txs_committed", 1},
                          {"validator", KeyPair::from_label("validator").public_key().hex()},
                          {"halted", false},
                          {"catching_up", false}}));
}

TEST_F(RoutesTest, MetricsArePrometheusText) {
  chain_.commit_block();
  Reply r = call("GET", "/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.raw.content_type, kPrometheusContentType);
  EXPECT_NE(r.raw.body.find("# TYPE wattle_height gauge\nwattle_height 1\n"), std::string::npos)
      << r.raw.body;
  EXPECT_NE(r.raw.body.find("# TYPE wattle_txs_committed_total counter\n"), std::string::npos);
}

TEST_F(RoutesTest, QueryStringsAreIgnoredAndHttp10IsServed) {
  EXPECT_EQ(call("GET", "/v1/status?verbose=1").status, 200u);
  RawConnection c(server_->port());
  c.send("GET /v1/status HTTP/1.0\r\n\r\n");
  std::string reply = c.read_all();  // HTTP/1.0 without keep-alive: the server closes
  EXPECT_TRUE(reply.starts_with("HTTP/1.0 200 OK\r\n")) << reply;
  EXPECT_NE(reply.find("\"chain_id\":\"test-chain\""), std::string::npos);
}

TEST_F(RoutesTest, ConcurrentClientsAllGetAnswers) {
  constexpr int kThreads = 4, kPerThread = 25;
  std::vector<KeyPair> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.push_back(KeyPair::from_label("sender" + std::to_string(t)));
    chain_.fund(Address::of(senders.back().public_key()), 1'000);
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client("127.0.0.1", server_->port());
      for (int i = 0; i < kPerThread; ++i) {
        json body = {{"tx", tx_hex(transfer(senders[t], i, bob_addr_, 1))}};
        auto r = client.post("/v1/txs", body.dump());
        if (r && r->status == 200) ok++;
        auto s = client.get("/v1/status");
        if (!s || s->status != 200) ok -= 1000;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(call("GET", "/v1/status").body["mempool_size"], kThreads * kPerThread);
}

}  // namespace
}  // namespace wattle::rpc::testing
