// Slow request bodies (docs/rpc.md, threat table): a body must keep up with
// min_body_rate after its grace, body bytes in flight are budgeted per
// address, and slow bodies are evicted for a new client when every
// connection slot is taken.
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

using namespace std::chrono_literals;

class SlowBodyTest : public ServerTest {
 protected:
  // Headers announcing a body of `length` bytes, and `sent` of its bytes.
  static void start_body(RawConnection& c, size_t length, size_t sent) {
    c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) +
           "\r\n\r\n" + std::string(sent, ' '));
  }
  // Polls `pred` for up to `limit` (generous: the machine may be busy).
  template <typename Pred>
  static bool within(std::chrono::seconds limit, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return pred();
  }
};

// Before: a body had idle_timeout (here 120 s) to arrive, whatever its rate.
TEST_F(SlowBodyTest, StalledBodyIsCutOnceItFallsBelowTheMinimumRate) {
  HttpServerConfig config;
  config.idle_timeout = 120s;
  config.header_timeout = 200ms;  // the grace before the rate counts
  config.min_body_rate = 1000;
  start(config);
  RawConnection slow(server_->port());
  start_body(slow, 100'000, 10);  // then nothing: 10 bytes buy 10 ms past the grace
  // The read timeout is 5 s, far below idle_timeout: only the rate closes it.
  EXPECT_TRUE(slow.closed_by_server());
  EXPECT_TRUE(within(60s, [&] { return server_->body_bytes_in_flight() == 0; }));
  HttpClient fresh("127.0.0.1", server_->port(), client_options());
  EXPECT_EQ(call_with(fresh, "GET", "/v1/status").status, 200u);
}

// Before: 256 connections trickling 4 MB bodies held every slot and a new
// client got 503. Now the slowest body makes room for it.
TEST_F(SlowBodyTest, SlowBodiesAreEvictedForANewClientWhenEverySlotIsTaken) {
  HttpServerConfig config;
  config.max_connections = 8;
  config.idle_timeout = 120s;
  config.header_timeout = 120s;  // no rate check during the test: eviction alone
  config.max_body_bytes_per_ip = 1 << 30;
  config.max_body_bytes_total = 1 << 30;
  start(config);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port(), "127.0.2.1"));
    start_body(*slow.back(), 4'000'000, 1);
  }
  ASSERT_TRUE(within(60s, [&] { return server_->body_bytes_in_flight() == 8 * 4'000'000u; }));
  for (int i = 0; i < 3; ++i) {
    HttpClient fresh("127.0.0.1", server_->port(), client_options());
    EXPECT_EQ(call_with(fresh, "GET", "/v1/status").status, 200u);
  }
  EXPECT_GE(server_->connections_evicted(), 1u);
}

// Before: nothing bounded the bodies in flight (256 x 4 MiB took RSS to 1.1 GB).
TEST_F(SlowBodyTest, BodyBytesInFlightAreBudgetedPerAddressAndReturned) {
  HttpServerConfig config;
  config.idle_timeout = 120s;
  config.header_timeout = 120s;
  config.max_body_bytes_per_ip = 8'000'000;
  start(config);
  RawConnection a(server_->port(), "127.0.3.1"), b(server_->port(), "127.0.3.1");
  start_body(a, 4'000'000, 1);
  start_body(b, 4'000'000, 1);
  ASSERT_TRUE(within(60s, [&] { return server_->body_bytes_in_flight() == 8'000'000u; }));

  // The address's budget is spent: a third body is refused before it is read.
  RawConnection c(server_->port(), "127.0.3.1");
  start_body(c, 4'000'000, 0);
  const std::string reply = c.read_some();
  EXPECT_NE(reply.find("HTTP/1.1 503"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"("code":"unavailable")"), std::string::npos) << reply;
  // Another address has its own budget.
  RawConnection d(server_->port(), "127.0.3.2");
  start_body(d, 4'000'000, 1);
  ASSERT_TRUE(within(60s, [&] { return server_->body_bytes_in_flight() == 12'000'000u; }));

  // A connection that goes gives its bytes back, and the address may send again.
  a.half_close();
  ASSERT_TRUE(within(60s, [&] { return server_->body_bytes_in_flight() == 8'000'000u; }));
  RawConnection e(server_->port(), "127.0.3.1");
  e.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  const std::string answer = e.read_some();
  EXPECT_NE(answer.find("HTTP/1.1 400"), std::string::npos) << answer;
  EXPECT_NE(answer.find("missing_field"), std::string::npos) << answer;
}

}  // namespace
}  // namespace wattle::rpc::testing
