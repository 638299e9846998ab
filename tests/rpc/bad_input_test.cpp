// Bad requests over real HTTP: each asserts the HTTP status, the JSON error
// code, and that nothing reached the chain (no submit, balances unchanged).
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

class BadInputTest : public ServerTest {
 protected:
  void SetUp() override {
    HttpServerConfig config;
    config.max_body_bytes = 64 * 1024;
    config.max_batch = 4;
    start(config);
  }

  // A POST /v1/txs that must be rejected before reaching the chain.
  void expect_rejected(std::string_view body, unsigned status, std::string_view code) {
    SCOPED_TRACE(std::string(body.substr(0, 80)));
    size_t calls = chain_.submit_calls();
    expect_error(call("POST", "/v1/txs", body), status, code);
    EXPECT_EQ(chain_.submit_calls(), calls);
    expect_state_unchanged();
  }

  void expect_state_unchanged() {
    Reply a = call("GET", "/v1/accounts/" + alice_addr_.to_string());
    EXPECT_EQ(a.body["balance"], 1'000'000);
    EXPECT_EQ(a.body["nonce"], 0);
    EXPECT_EQ(call("GET", "/v1/status").body["mempool_size"], 0);
  }

  std::string good_hex() { return tx_hex(transfer(alice_, 0, bob_addr_, 1)); }
};

TEST_F(BadInputTest, GarbageJsonIsMalformedJson) {
  expect_rejected("this is not json", 400, "malformed_json");
  expect_rejected("{\"tx\": ", 400, "malformed_json");
  expect_rejected("", 400, "malformed_json");
  expect_rejected("{\"tx\":\"00\"} trailing", 400, "malformed_json");
  expect_rejected(std::string(100, '[') + std::string(100, ']'), 400, "malformed_json");
  expect_rejected("\xff\xfe{}", 400, "malformed_json");
}

TEST_F(BadInputTest, DuplicateKeysAreMalformedJsonAtAnyDepth) {
  // Before: the last "tx" won, so what a proxy checked was not what we ran.
  expect_rejected(R"({"tx": ")" + good_hex() + R"(", "tx": "00"})", 400, "malformed_json");
  expect_rejected(R"({"txs": ["00"], "txs": ["00"]})", 400, "malformed_json");
  expect_rejected(R"({"txs": [{"a": 1, "a": 2}]})", 400, "malformed_json");
  // The same key in sibling objects is fine (then refused for its type).
  expect_rejected(R"({"txs": [{"a": 1}, {"a": 2}]})", 400, "wrong_type");
  Reply r = call("POST", "/v1/txs", R"({"tx": "00", "tx": "00"})");
  EXPECT_NE(r.body.value("message", "").find("duplicate key \"tx\""), std::string::npos)
      << r.raw.body;
}

TEST_F(BadInputTest, UnknownFieldIsRejected) {
  expect_rejected(json{{"tx", good_hex()}, {"fee", 1}}.dump(), 400, "unknown_field");
  expect_rejected(json{{"TX", good_hex()}}.dump(), 400, "unknown_field");
}

TEST_F(BadInputTest, WrongTypesAreRejected) {
  expect_rejected(R"({"tx": 12345})", 400, "wrong_type");
  expect_rejected(R"({"tx": null})", 400, "wrong_type");
  expect_rejected(R"({"tx": ["00"]})", 400, "wrong_type");
  expect_rejected(R"({"txs": "00"})", 400, "wrong_type");
  expect_rejected(R"({"txs": ["00", 7]})", 400, "wrong_type");
  expect_rejected(R"(["00"])", 400, "wrong_type");
  expect_rejected(R"("00")", 400, "wrong_type");
}

TEST_F(BadInputTest, MissingOrConflictingFieldsAreRejected) {
  expect_rejected("{}", 400, "missing_field");
  expect_rejected(json{{"tx", good_hex()}, {"txs", {good_hex()}}}.dump(), 400, "invalid_argument");
  expect_rejected(R"({"txs": []})", 400, "invalid_argument");
}

TEST_F(BadInputTest, MalformedHexIsRejected) {
  std::string hex = good_hex();
  expect_rejected(json{{"tx", hex.substr(1)}}.dump(), 400, "malformed_hex");  // odd length
  std::string bad_char = hex;
  bad_char[10] = 'g';
  expect_rejected(json{{"tx", bad_char}}.dump(), 400, "malformed_hex");
  expect_rejected(json{{"tx", "0x" + hex}}.dump(), 400, "malformed_hex");
  // One bad entry rejects the whole batch: nothing is half-applied.
  Reply r = call("POST", "/v1/txs", json{{"txs", {hex, hex.substr(1)}}}.dump());
  expect_error(r, 400, "malformed_hex");
  EXPECT_NE(r.body["message"].get<std::string>().find("txs[1]"), std::string::npos);
  expect_state_unchanged();
}

TEST_F(BadInputTest, OversizedBodyIs413) {
  std::string body = json{{"tx", std::string(100 * 1024, 'a')}}.dump();
  expect_rejected(body, 413, "payload_too_large");
  // The server closed that connection; the client reconnects and carries on.
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
}

TEST_F(BadInputTest, BatchOverMaxBatchIs413TooLarge) {
  std::vector<std::string> txs;
  for (int i = 0; i < 5; ++i) txs.push_back(tx_hex(transfer(alice_, i, bob_addr_, 1)));
  expect_rejected(json{{"txs", txs}}.dump(), 413, "too_large");
  txs.pop_back();  // exactly max_batch is fine
  Reply r = call("POST", "/v1/txs", json{{"txs", txs}}.dump());
  ASSERT_EQ(r.status, 200u) << r.raw.body;
  EXPECT_EQ(r.body["accepted"], 4);
}

TEST_F(BadInputTest, LedgerErrorsOnASingleTxUseTheLedgerCode) {
  struct Case {
    chain::Tx tx;
    unsigned status;
    const char* code;
  };
  chain::Tx bad_sig = transfer(alice_, 0, bob_addr_, 1);
  bad_sig.signature.bytes[0] ^= 0x80;
  std::vector<Case> cases = {
      {bad_sig, 400, "bad_signature"},
      {transfer(alice_, 0, bob_addr_, 1, "other-chain"), 400, "wrong_chain"},
      {transfer(alice_, 0, bob_addr_, 0), 400, "invalid_argument"},   // amount 0
      {transfer(alice_, 0, bob_addr_, -5), 400, "invalid_argument"},  // negative amount
      {transfer(alice_, 3, bob_addr_, 1), 409, "nonce_gap"},
      {transfer(alice_, 0, bob_addr_, 2'000'000), 409, "insufficient_funds"},
      {transfer(bob_, 0, alice_addr_, 1), 409, "insufficient_funds"},  // never funded
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    expect_error(call("POST", "/v1/txs", json{{"tx", tx_hex(c.tx)}}.dump()), c.status, c.code);
    expect_state_unchanged();
  }
  // Bytes that are valid hex but not a tx: the ledger's "malformed".
  expect_error(call("POST", "/v1/txs", R"({"tx":"0011"})"), 400, "malformed");
  // A tx over the ledger's size limit: "too_large".
  expect_error(call("POST", "/v1/txs", json{{"tx", std::string(2 * 5000, 'a')}}.dump()), 413,
               "too_large");
  expect_state_unchanged();
}

TEST_F(BadInputTest, ReplayAndFullMempool) {
  chain::Tx tx = transfer(alice_, 0, bob_addr_, 1);
  ASSERT_EQ(call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump()).status, 200u);
  chain_.commit_block();
  expect_error(call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump()), 409, "nonce_replay");
  chain_.set_mempool_capacity(0);
  expect_error(
      call("POST", "/v1/txs", json{{"tx", tx_hex(transfer(alice_, 1, bob_addr_, 1))}}.dump()), 503,
      "mempool_full");
  EXPECT_EQ(call("GET", "/v1/accounts/" + alice_addr_.to_string()).body["nonce"], 1);
}

TEST_F(BadInputTest, UnknownRoutesAre404) {
  for (const char* target : {"/", "/v1", "/v1/", "/v2/status", "/v1/nope", "/v1/txs/",
                             "/v1/blocks/1/extra", "/metrics/x", "/V1/STATUS"}) {
    SCOPED_TRACE(target);
    expect_error(call("GET", target), 404, "not_found");
  }
}

TEST_F(BadInputTest, WrongMethodsAre405WithAllow) {
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const Case& c : std::vector<Case>{{"GET", "/v1/txs", "POST"},
                                         {"DELETE", "/v1/txs", "POST"},
                                         {"POST", "/v1/status", "GET"},
                                         {"PUT", "/v1/blocks/1", "GET"},
                                         {"POST", "/v1/accounts/x", "GET"},
                                         {"POST", "/metrics", "GET"},
                                         {"BREW", "/v1/txs/00", "GET"}}) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    Reply r = call(c.method, c.target, c.method == std::string("GET") ? "" : "{}");
    expect_error(r, 405, "method_not_allowed");
    EXPECT_EQ(r.raw.header("Allow"), c.allow);
  }
}

TEST_F(BadInputTest, BadPathParameters) {
  std::string hash = transfer(alice_, 0, bob_addr_, 1).hash().hex();
  expect_error(call("GET", "/v1/txs/" + hash.substr(2)), 400, "invalid_hash");  // 31 bytes
  expect_error(call("GET", "/v1/txs/" + hash + "00"), 400, "invalid_hash");     // 33 bytes
  expect_error(call("GET", "/v1/txs/" + hash.substr(1)), 400, "invalid_hash");  // odd
  expect_error(call("GET", "/v1/txs/" + std::string(64, 'x')), 400, "invalid_hash");
  expect_error(call("GET", "/v1/txs/" + hash), 404, "not_found");  // well-formed, unknown

  expect_error(call("GET", "/v1/blocks/1"), 404, "not_found");  // above the height
  expect_error(call("GET", "/v1/blocks/18446744073709551615"), 404, "not_found");
  for (const char* h : {"abc", "-1", "+1", "1.5", "0x10", "18446744073709551616", "1%20"}) {
    SCOPED_TRACE(h);
    expect_error(call("GET", std::string("/v1/blocks/") + h), 400, "invalid_height");
  }

  std::string addr = bob_addr_.to_string();
  std::string typo = addr;
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  Reply r = call("GET", "/v1/accounts/" + typo);
  expect_error(r, 400, "invalid_address");
  EXPECT_NE(r.body["message"].get<std::string>().find("checksum"), std::string::npos) << r.raw.body;
  expect_error(call("GET", "/v1/accounts/nope"), 400, "invalid_address");
}

TEST_F(BadInputTest, ChainExceptionsBecome500AndTheServerSurvives) {
  chain_.set_throw_on_status(true);
  Reply r = call("GET", "/v1/status");
  expect_error(r, 500, "internal");
  chain_.set_throw_on_status(false);
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
}

}  // namespace
}  // namespace wattle::rpc::testing
