// Shared helpers for the rpc tests: a server + client fixture over a
// FakeChainService, and raw-socket access for misbehaving clients.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "fake_chain_service.h"
#include "rpc/event_client.h"
#include "rpc/http_client.h"
#include "rpc/http_server.h"

namespace wattle::rpc::testing {

using nlohmann::json;

struct Reply {
  unsigned status = 0;
  json body;  // null if the body is not JSON
  HttpResponse raw;
};

// A blocking socket whose reads give up after 5 s, so a test can never hang.
// `from` picks the client's address: any 127.0.0.0/8 address works on
// loopback, so tests can play several clients (per-IP limits).
class RawConnection {
 public:
  explicit RawConnection(uint16_t port, const char* from = "127.0.0.1") : socket_(ioc_) {
    socket_.open(boost::asio::ip::tcp::v4());
    socket_.bind({boost::asio::ip::make_address(from), 0});
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // Errors (the server may have closed already) are ignored: callers check
  // what they read back.
  void send(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
  }
  void half_close() {
    boost::system::error_code ec;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }
  // Whatever arrives next (one read), "" on EOF or timeout.
  std::string read_some() {
    char buf[4096];
    boost::system::error_code ec;
    size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
    return std::string(buf, n);
  }
  // Everything until the server closes, a read error or the 5 s timeout.
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) return out;
    }
  }
  // True if the server closed the connection (EOF) within the read timeout.
  bool closed_by_server() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
};

// Resident memory of this process (the server runs in it), from /proc.
inline size_t resident_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// Polls `pred` for up to 60 s: a bound for liveness on a loaded machine
// (shared cores, ASan), never a timing assertion; a passing check returns
// as soon as it holds.
template <typename Pred>
bool eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest()
      : alice_(KeyPair::from_label("alice")),
        bob_(KeyPair::from_label("bob")),
        alice_addr_(Address::of(alice_.public_key())),
        bob_addr_(Address::of(bob_.public_key())) {
    chain_.fund(alice_addr_, 1'000'000);
  }

  void start(HttpServerConfig config = {}) {
    config.host = "127.0.0.1";
    config.port = 0;
    server_ = std::make_unique<HttpServer>(chain_, config);
    Status st = server_->start();
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    ASSERT_NE(server_->port(), 0);
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(), client_options());
  }

  static HttpClientOptions client_options() {
    HttpClientOptions o;
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  Reply call(std::string_view method, std::string_view target, std::string_view body = {}) {
    return call_with(*client_, method, target, body);
  }

  // A /v1/events subscriber on the running server (the test fails, and
  // stops, if the handshake does).
  EventClient subscribe(const std::string& target = "/v1/events") {
    auto c = EventClient::connect("127.0.0.1", server_->port(), target);
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    if (!c) throw std::runtime_error("subscribe failed");
    return std::move(c).value();
  }
  // An event the test expects: waits up to 30 s (a bound, not a timing check).
  static json next_json(EventClient& c) {
    auto m = c.next(std::chrono::seconds(30));
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    if (!m) return nullptr;
    return json::parse(*m);
  }

  static Reply call_with(HttpClient& client, std::string_view method, std::string_view target,
                         std::string_view body = {}) {
    Reply r;
    auto res = client.request(method, target, body);
    EXPECT_TRUE(res.is_ok()) << res.status().to_string();
    if (!res) return r;
    r.raw = *res;
    r.status = res->status;
    r.body = json::parse(res->body, nullptr, false);
    if (r.body.is_discarded()) r.body = nullptr;
    return r;
  }

  // Asserts the one error shape: exactly {"code","message"}, the status and code.
  static void expect_error(const Reply& r, unsigned status, std::string_view code) {
    EXPECT_EQ(r.status, status) << r.raw.body;
    ASSERT_TRUE(r.body.is_object()) << r.raw.body;
    EXPECT_EQ(r.body.value("code", ""), code) << r.raw.body;
    ASSERT_TRUE(r.body.contains("message")) << r.raw.body;
    EXPECT_TRUE(r.body["message"].is_string());
    EXPECT_FALSE(r.body["message"].get<std::string>().empty());
    EXPECT_EQ(r.body.size(), 2u) << r.raw.body;
    EXPECT_EQ(r.raw.content_type, "application/json");
  }

  FakeChainService chain_;
  KeyPair alice_, bob_;
  Address alice_addr_, bob_addr_;
  // A registry a test may pass as HttpServerConfig::metrics; declared before server_ so it
  // outlives the server (whose stop() still sets gauges), as the config's contract requires.
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace wattle::rpc::testing
