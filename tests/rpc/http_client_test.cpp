#include "rpc/http_client.h"

#include <boost/asio/ip/tcp.hpp>

#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A port nobody listens on: bind one, note it, close it.
uint16_t free_port() {
  net::io_context ioc;
  tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

TEST(HttpClient, ConnectionRefusedIsUnavailable) {
  HttpClient client("127.0.0.1", free_port());
  auto r = client.get("/v1/status");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("refused"), std::string::npos) << r.status().message();
}

TEST(HttpClient, UnresolvableHostIsInvalidArgument) {
  HttpClient client("no-such-host.invalid", 80);
  auto r = client.get("/");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(HttpClient, ASilentServerTimesOut) {
  // Accepts (via the kernel backlog) but never answers.
  net::io_context ioc;
  tcp::acceptor mute(ioc, {net::ip::make_address("127.0.0.1"), 0});
  HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(200);
  HttpClient client("127.0.0.1", mute.local_endpoint().port(), o);
  auto start = std::chrono::steady_clock::now();
  auto r = client.get("/v1/status");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_LT(took, std::chrono::seconds(3));  // not retried
}

TEST(HttpClient, OversizedResponseIsTooLarge) {
  FakeChainService chain;
  HttpServer server(chain, HttpServerConfig{});
  ASSERT_TRUE(server.start().is_ok());
  HttpClientOptions o;
  o.max_response_bytes = 80;  // a 404 body fits, a status body does not
  HttpClient client("127.0.0.1", server.port(), o);
  auto r = client.get("/v1/status");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  // The client recovers on the next call with a fresh connection.
  auto small = client.get("/nope");
  ASSERT_TRUE(small.is_ok()) << small.status().to_string();
  EXPECT_EQ(small->status, 404u);
}

TEST(HttpClient, ReconnectsAfterTheServerRestarts) {
  FakeChainService chain;
  auto server = std::make_unique<HttpServer>(chain, HttpServerConfig{});
  ASSERT_TRUE(server->start().is_ok());
  uint16_t port = server->port();
  HttpClient client("127.0.0.1", port);
  ASSERT_TRUE(client.get("/v1/status").is_ok());
  server.reset();  // stops; the client's connection is now dead

  HttpServerConfig same;
  same.port = port;
  HttpServer again(chain, same);
  Status st = again.start();
  if (!st.is_ok()) GTEST_SKIP() << "port was taken meanwhile: " << st.to_string();
  auto r = client.get("/v1/status");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(client.connect_count(), 2u);
}

TEST(HttpClient, InvalidMethodOrTargetIsRejectedBeforeSending) {
  HttpClient client("127.0.0.1", free_port());
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"BAD METHOD", "/"},
           {"", "/"},
           {"GET", ""},
           {"GET", "v1/status"},
           {"GET", "/v1/status HTTP/1.1\r\nX-Injected: 1"},
           {"GET", "/a b"}}) {
    auto r = client.request(method, target);
    ASSERT_FALSE(r.is_ok()) << method << " " << target;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << method << " " << target;
  }
  EXPECT_EQ(client.connect_count(), 0u);
}

}  // namespace
}  // namespace wattle::rpc::testing
