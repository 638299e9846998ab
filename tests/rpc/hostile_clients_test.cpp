// Hostile clients: every byte a client can make the server hold is
// bounded, slow or greedy clients cannot lock others out, and tx submission
// is rate limited per client. Memory bounds are checked on the resident size
// of this process, which runs the server; the bounds are generous (tens of
// MiB) against what the attacks cost before (hundreds).
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

constexpr size_t kMiB = 1024 * 1024;

// Under ASan freed memory sits in a quarantine of hundreds of MiB, so the
// resident size says nothing there; the bounds are checked in Release.
void expect_rss_below(size_t limit) {
#ifndef WATTLE_SANITIZE_BUILD
  EXPECT_LT(resident_bytes(), limit);
#else
  (void)limit;
#endif
}

class HostileClientsTest : public ServerTest {
 protected:
  void expect_alive() {
    HttpClient fresh("127.0.0.1", server_->port(), client_options());
    EXPECT_EQ(call_with(fresh, "GET", "/v1/status").status, 200u);
  }
  // A full HTTP/1.1 request on a raw connection and the first reply bytes.
  static std::string raw_post(RawConnection& c, const std::string& body) {
    c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    return c.read_some();
  }
};

// Before: the chunk-size line was buffered without limit (512 MiB took the
// node from 134 to 624 MB). Now it is cut at the read buffer's bound.
TEST_F(HostileClientsTest, EndlessChunkExtensionIsCutOffWithBoundedMemory) {
  start();
  const size_t before = resident_bytes();
  RawConnection c(server_->port());
  c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;");
  const std::string slab(kMiB, 'a');
  for (int i = 0; i < 64; ++i) c.send(slab);  // 64 MiB of one chunk extension
  std::string reply = c.read_all();
  EXPECT_TRUE(reply.empty() || reply.starts_with("HTTP/1.1 400")) << reply.substr(0, 200);
  if (!reply.empty()) EXPECT_NE(reply.find("bad_request"), std::string::npos);
  expect_rss_below(before + 32 * kMiB);
  expect_alive();
}

// Before: 200 unread 4.6 MB block responses took the node from 178 MB to
// 1 GB. Now a connection holds at most one response, responses are paged,
// and a client that does not read is dropped after write_timeout.
TEST_F(HostileClientsTest, ClientThatNeverReadsIsDroppedWithBoundedMemory) {
  HttpServerConfig config;
  config.write_timeout = std::chrono::milliseconds(300);
  start(config);
  KeyPair rich = KeyPair::from_label("rich");
  chain_.fund(Address::of(rich.public_key()), 1'000'000'000);
  std::vector<std::string> txs;
  for (int i = 0; i < 2000; ++i) txs.push_back(tx_hex(transfer(rich, i, bob_addr_, 1)));
  ASSERT_EQ(call("POST", "/v1/txs", json{{"txs", txs}}.dump()).status, 200u);
  chain_.commit_block();
  client_->close();
  ASSERT_TRUE(eventually([&] { return server_->active_connections() == 0; }));

  const size_t before = resident_bytes();
  std::vector<std::unique_ptr<RawConnection>> greedy;
  std::string pipelined;
  for (int i = 0; i < 50; ++i) pipelined += "GET /v1/blocks/1?txs=full&limit=1000 HTTP/1.1\r\n\r\n";
  for (int i = 0; i < 8; ++i) {
    greedy.push_back(std::make_unique<RawConnection>(server_->port()));
    greedy.back()->send(pipelined);  // 400 responses of ~0.5 MB asked for, none read
  }
  // Everyone else is still served while they sit there...
  expect_alive();
  // ...and they are dropped once their socket buffers are full.
  EXPECT_TRUE(eventually([&] { return server_->active_connections() == 0; }));
  expect_rss_below(before + 64 * kMiB);
  expect_alive();
}

// Before: two 4 MiB bodies of empty objects cost 232 MB before the batch
// limit was checked. Now the body is read as SAX events: no tree is built.
TEST_F(HostileClientsTest, HugeBatchOfEmptyObjectsIsRefusedWithoutBuildingIt) {
  start();
  std::string body = R"({"txs":[)";
  while (body.size() < 4 * kMiB - 16) body += "{},";
  body += "{}]}";
  const size_t before = resident_bytes();
  for (int i = 0; i < 2; ++i) expect_error(call("POST", "/v1/txs", body), 413, "too_large");
  expect_rss_below(before + 48 * kMiB);  // the bodies themselves: 2 x 4 MiB
  // Over the limit with valid strings too, and wrong types inside the limit.
  expect_error(call("POST", "/v1/txs", R"({"txs":[{}]})"), 400, "wrong_type");
  expect_alive();
}

// Slowloris from one address: the per-IP cap refuses most of it.
TEST_F(HostileClientsTest, ClientIsServedWhile300SlowConnectionsFromOneAddressAreOpen) {
  HttpServerConfig config;
  config.header_timeout = std::chrono::seconds(60);  // the attacker is never timed out here
  start(config);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port(), "127.0.0.2"));
    slow.back()->send("GET /v1/status HTTP/1.1\r\nX-Slow: a");
  }
  ASSERT_TRUE(eventually([&] { return server_->active_connections() == 32; }));
  expect_alive();
}

// Slowloris from many addresses fills every slot: a new client evicts the
// connection that has been sending its headers longest.
TEST_F(HostileClientsTest, ClientIsServedWhile300SlowConnectionsFromManyAddressesAreOpen) {
  HttpServerConfig config;
  config.header_timeout = std::chrono::seconds(60);
  start(config);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 300; ++i) {
    std::string from = "127.0.1." + std::to_string(1 + i / 30);  // 10 addresses x 30
    slow.push_back(std::make_unique<RawConnection>(server_->port(), from.c_str()));
    slow.back()->send("GET /v1/status HTTP/1.1\r\nX-Slow: a");
  }
  ASSERT_TRUE(eventually([&] { return server_->connections_evicted() > 0; }));
  // Evicted sockets close asynchronously; once they have, the cap holds.
  EXPECT_TRUE(eventually([&] { return server_->active_connections() <= 256u; }));
  for (int i = 0; i < 5; ++i) expect_alive();
}

TEST_F(HostileClientsTest, SlowHeadersAreCutAtTheHeaderTimeout) {
  HttpServerConfig config;
  config.header_timeout = std::chrono::milliseconds(300);
  start(config);
  RawConnection slow(server_->port());
  slow.send("GET /v1/status HTTP/1.1\r\n");
  EXPECT_TRUE(slow.closed_by_server());
  expect_alive();
}

TEST_F(HostileClientsTest, TxFloodGets429WhileAnotherClientIsServed) {
  HttpServerConfig config;
  config.tx_rate = RateLimit{1, 5, 100};  // 5 txs at once, then one per second
  start(config);
  std::vector<std::string> five;
  for (int i = 0; i < 5; ++i) five.push_back(tx_hex(transfer(alice_, i, bob_addr_, 1)));
  ASSERT_EQ(call("POST", "/v1/txs", json{{"txs", five}}.dump()).status, 200u);
  const size_t submits = chain_.submit_calls();
  for (int i = 0; i < 3; ++i) {
    // Bad signatures, say: refused before anyone checks them.
    Reply r =
        call("POST", "/v1/txs", json{{"tx", tx_hex(transfer(alice_, 5, bob_addr_, 1))}}.dump());
    expect_error(r, 429, "rate_limited");
  }
  EXPECT_EQ(chain_.submit_calls(), submits);  // no signature work for the refused ones
  // Another address has its own budget.
  RawConnection other(server_->port(), "127.0.0.3");
  std::string reply =
      raw_post(other, json{{"tx", tx_hex(transfer(bob_, 0, alice_addr_, 0))}}.dump());
  EXPECT_FALSE(reply.starts_with("HTTP/1.1 429")) << reply;
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 4") || reply.starts_with("HTTP/1.1 200")) << reply;
  // Queries are never rate limited.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(call("GET", "/v1/status").status, 200u);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurstAndForgetsFullBuckets) {
  RateLimiter limiter(RateLimit{10, 20, 2});
  auto t0 = RateLimiter::Clock::now();
  EXPECT_TRUE(limiter.try_take("a", 20, t0));
  EXPECT_FALSE(limiter.try_take("a", 1, t0));
  EXPECT_FALSE(limiter.try_take("a", 2, t0 + std::chrono::milliseconds(100)));  // 1 token back
  EXPECT_TRUE(limiter.try_take("a", 2, t0 + std::chrono::milliseconds(200)));
  EXPECT_TRUE(limiter.try_take("a", 20, t0 + std::chrono::hours(1000)));  // capped, no overflow
  // More than the burst needs a full bucket and empties it.
  EXPECT_TRUE(limiter.try_take("b", 1000, t0));
  EXPECT_FALSE(limiter.try_take("b", 1, t0));
  // Bounded: a third client pushes out the least recently used bucket.
  EXPECT_TRUE(limiter.try_take("c", 1, t0));
  EXPECT_LE(limiter.clients(), 2u);
  RateLimiter unlimited(RateLimit{0, 0, 1});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.try_take("x", 1'000'000));
}

}  // namespace
}  // namespace wattle::rpc::testing
