// GET /v1/events admission and what a stream client may send (docs/rpc.md,
// threat table): a per-address subscriber cap, eviction of the greediest
// address's oldest stream when all are taken, a valid Sec-WebSocket-Key,
// and a bound on what the client sends (endless empty continuation frames).
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using namespace std::chrono_literals;

// A WebSocket client from a chosen loopback address; reads give up after 30 s.
class Stream {
 public:
  Stream(uint16_t port, const char* from) : ws_(ioc_) {
    auto& s = ws_.next_layer();
    s.open(asio::ip::tcp::v4());
    s.bind({asio::ip::make_address(from), 0});
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{30, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // The handshake's HTTP status (101 on success).
  unsigned handshake() {
    websocket::response_type res;
    beast::error_code ec;
    ws_.handshake(res, "127.0.0.1", "/v1/events", ec);
    return res.result_int();
  }
  // The "type" of the next message, "" on an error.
  std::string next_type() {
    beast::flat_buffer buf;
    beast::error_code ec;
    ws_.read(buf, ec);
    if (ec) return "";
    return json::parse(beast::buffers_to_string(buf.data())).value("type", "");
  }
  // Reads until an error; the close code the server sent, or 0 if none.
  int close_code() {
    beast::flat_buffer buf;
    beast::error_code ec;
    while (!ec) ws_.read(buf, ec);
    return ec == websocket::error::closed ? static_cast<int>(ws_.reason().code) : 0;
  }

 private:
  asio::io_context ioc_;
  websocket::stream<asio::ip::tcp::socket> ws_;
};

class StreamLimitsTest : public ServerTest {
 protected:
  static std::string upgrade_with_key(std::string_view key_line) {
    return "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: "
           "websocket\r\nSec-WebSocket-Version: 13\r\n" +
           std::string(key_line) + "\r\n";
  }
};

// Before: one address could hold every stream (64 of 64).
TEST_F(StreamLimitsTest, OneAddressHoldsAtMostItsShareOfStreams) {
  HttpServerConfig config;
  config.max_event_subscribers = 10;
  config.max_event_subscribers_per_ip = 2;
  start(config);
  Stream a(server_->port(), "127.0.4.1"), b(server_->port(), "127.0.4.1");
  ASSERT_EQ(a.handshake(), 101u);
  ASSERT_EQ(b.handshake(), 101u);
  RawConnection third(server_->port(), "127.0.4.1");
  third.send(upgrade_with_key("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  const std::string answer = third.read_all();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503 ")) << answer;
  EXPECT_NE(answer.find(R"("code":"unavailable")"), std::string::npos) << answer;
  // Another address still gets in.
  Stream c(server_->port(), "127.0.4.2");
  EXPECT_EQ(c.handshake(), 101u);
  EXPECT_EQ(server_->event_subscribers(), 3u);
}

// Before: with every stream taken, a newcomer got 503 whoever held them.
TEST_F(StreamLimitsTest, WhenFullANewcomerEvictsTheGreediestAddresssOldestStream) {
  HttpServerConfig config;
  config.max_event_subscribers = 3;
  config.max_event_subscribers_per_ip = 2;
  start(config);
  Stream oldest(server_->port(), "127.0.5.1"), second(server_->port(), "127.0.5.1");
  ASSERT_EQ(oldest.handshake(), 101u);
  ASSERT_EQ(second.handshake(), 101u);
  Stream other(server_->port(), "127.0.5.2");
  ASSERT_EQ(other.handshake(), 101u);
  Stream newcomer(server_->port(), "127.0.5.3");
  EXPECT_EQ(newcomer.handshake(), 101u);
  EXPECT_EQ(oldest.close_code(), 1008);  // policy: evicted, with a reason
  EXPECT_TRUE(eventually([&] { return server_->event_subscribers() == 3; }));
  // The rest still stream.
  chain_.commit_block();
  EXPECT_EQ(second.next_type(), "block");
  EXPECT_EQ(other.next_type(), "block");
  EXPECT_EQ(newcomer.next_type(), "block");
  // A newcomer from an address holding as many as anyone is refused, not evicting.
  RawConnection fourth(server_->port(), "127.0.5.2");
  fourth.send(upgrade_with_key("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  const std::string answer = fourth.read_all();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503 ")) << answer;
}

// Before: an empty or short key got 101 Switching Protocols.
TEST_F(StreamLimitsTest, MalformedWebSocketKeyIs400) {
  start();
  for (std::string_view line : {"Sec-WebSocket-Key: \r\n", "Sec-WebSocket-Key: abc\r\n",
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n",
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j!==\r\n"}) {
    RawConnection raw(server_->port());
    raw.send(upgrade_with_key(line));
    const std::string answer = raw.read_all();
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << line << answer;
    EXPECT_NE(answer.find(R"("code":"bad_request")"), std::string::npos) << answer;
  }
  EXPECT_EQ(server_->event_subscribers(), 0u);
}

// Before: empty continuation frames were consumed without end (110 M of them
// kept a socket busy); now the client's bytes are budgeted.
TEST_F(StreamLimitsTest, EndlessEmptyContinuationFramesCloseTheStream) {
  start();
  RawConnection raw(server_->port());
  raw.send(upgrade_with_key("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  const std::string head = raw.read_some();
  ASSERT_TRUE(head.starts_with("HTTP/1.1 101 ")) << head;
  // A masked text frame without FIN, then empty masked continuation frames.
  const std::string first("\x01\x80\x01\x02\x03\x04", 6);
  const std::string cont("\x00\x80\x01\x02\x03\x04", 6);
  std::string frames = first;
  for (int i = 0; i < 20'000; ++i) frames += cont;  // 120 KB, far past the 16 KiB budget
  raw.send(frames);
  raw.read_all();
  EXPECT_TRUE(raw.closed_by_server());
  EXPECT_TRUE(eventually([&] { return server_->event_subscribers() == 0; }));
}

// Before: "page=1&page=2" was taken (the last one won).
TEST_F(StreamLimitsTest, RepeatedQueryParametersAreRefused) {
  start();
  chain_.commit_block();
  for (std::string q : {"txs=full&txs=hashes", "txs=full&page=0&page=1", "limit=5&limit=5",
                        "txs=full&limit=1&limit=2"}) {
    Reply r = call("GET", "/v1/blocks/1?" + q);
    expect_error(r, 400, "invalid_argument");
    EXPECT_NE(r.body["message"].get<std::string>().find("more than once"), std::string::npos)
        << q << r.raw.body;
  }
  EXPECT_EQ(call("GET", "/v1/blocks/1?txs=full&page=0&limit=5").status, 200u);
}

}  // namespace
}  // namespace wattle::rpc::testing
