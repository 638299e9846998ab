// Transport-level behaviour: keep-alive, connection limit, timeouts, hostile
// bytes, lifecycle. Every test ends by checking the server still answers.
#include <random>

#include "rpc/event_client.h"
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

class ServerLimitsTest : public ServerTest {
 protected:
  void expect_alive() {
    HttpClient fresh("127.0.0.1", server_->port(), client_options());
    Reply r = call_with(fresh, "GET", "/v1/status");
    EXPECT_EQ(r.status, 200u);
  }
};

TEST_F(ServerLimitsTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(call("GET", i % 2 ? "/v1/status" : "/metrics").status, 200u) << i;
  }
  // Error responses (other than body/header/parse errors) keep the connection too.
  expect_error(call("GET", "/nope"), 404, "not_found");
  expect_error(call("POST", "/v1/txs", "{}"), 400, "missing_field");
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
  EXPECT_EQ(client_->connect_count(), 1u);
  EXPECT_EQ(server_->connections_accepted(), 1u);
  EXPECT_EQ(server_->active_connections(), 1u);
}

TEST_F(ServerLimitsTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawConnection c(server_->port());
  c.send(
      "GET /v1/blocks/0 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string all = c.read_all();
  size_t a = all.find("HTTP/1.1 200"), b = all.find("HTTP/1.1 404"),
         d = all.find("HTTP/1.1 200", b);
  ASSERT_NE(a, std::string::npos) << all;
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(d, std::string::npos) << all;
  EXPECT_LT(a, b);
  EXPECT_NE(all.find("\"chain_id\""), std::string::npos);
}

TEST_F(ServerLimitsTest, ConnectionsOverTheLimitAreRefusedWhenAllAreBusy) {
  HttpServerConfig config;
  config.max_connections = 3;
  start(config);
  // Three event streams: busy, never evicted for a plain connection. (A
  // connection in the middle of a body is evictable: slow_body_test.cpp.)
  std::vector<std::unique_ptr<EventClient>> held;
  for (int i = 0; i < 3; ++i) {
    auto stream = EventClient::connect("127.0.0.1", server_->port());
    ASSERT_TRUE(stream.is_ok()) << stream.status().to_string();
    held.push_back(std::make_unique<EventClient>(std::move(stream).value()));
  }
  ASSERT_TRUE(eventually([&] { return server_->active_connections() == 3; }));

  // The fourth gets a 503 "unavailable" (or, if the close races the
  // response, a connection error), never service.
  HttpClient extra("127.0.0.1", server_->port(), client_options());
  auto refused = extra.get("/v1/status");
  if (refused) {
    EXPECT_EQ(refused->status, 503u);
    EXPECT_EQ(json::parse(refused->body)["code"], "unavailable");
  } else {
    EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  }
  EXPECT_EQ(server_->connections_accepted(), 3u);
  EXPECT_EQ(server_->connections_evicted(), 0u);

  // Freeing a slot lets the next connection in.
  held[0].reset();
  ASSERT_TRUE(eventually([&] { return server_->active_connections() == 2; }));
  EXPECT_EQ(call_with(extra, "GET", "/v1/status").status, 200u);
}

TEST_F(ServerLimitsTest, IdleKeepAliveConnectionsAreEvictedFirstWhenFull) {
  HttpServerConfig config;
  config.max_connections = 3;
  start(config);
  // One busy connection (mid-body) and two idle keep-alive ones, the oldest first.
  RawConnection busy(server_->port());
  busy.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 2; ++i) {
    idle.push_back(std::make_unique<HttpClient>("127.0.0.1", server_->port(), client_options()));
    ASSERT_EQ(call_with(*idle.back(), "GET", "/v1/status").status, 200u);
  }
  // The server has read the busy one's headers (its body is charged) and
  // finished answering the other two, which now wait idle: only then is
  // "the longest idle" well defined (under load the server can lag the
  // clients, and a connection it still writes to is not idle yet).
  ASSERT_TRUE(eventually([&] {
    return server_->active_connections() == 3 && server_->idle_connections() == 2 &&
           server_->body_bytes_in_flight() == 100;
  }));
  // A new client is served at once: the longest-idle connection made room.
  HttpClient fresh("127.0.0.1", server_->port(), client_options());
  EXPECT_EQ(call_with(fresh, "GET", "/v1/status").status, 200u);
  EXPECT_EQ(server_->connections_evicted(), 1u);
  // The busy one was kept: its request still completes.
  busy.send(std::string(99, ' '));
  std::string reply = busy.read_some();
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;  // "{   ..." is not valid JSON
  // The evicted client reconnects transparently on its next call.
  EXPECT_EQ(call_with(*idle[0], "GET", "/v1/status").status, 200u);
}

TEST_F(ServerLimitsTest, IdleConnectionsAreClosedAndTheClientReconnects) {
  HttpServerConfig config;
  config.idle_timeout = std::chrono::milliseconds(200);
  start(config);
  ASSERT_EQ(call("GET", "/v1/status").status, 200u);
  ASSERT_TRUE(eventually([&] { return server_->active_connections() == 0; }));
  // The client's kept-alive connection is dead; it retries once, transparently.
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
  EXPECT_EQ(client_->connect_count(), 2u);

  // A client that connects and says nothing, or dribbles half a request,
  // loses its connection after the timeout.
  RawConnection silent(server_->port());
  RawConnection slow(server_->port());
  slow.send("POST /v1/txs HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"tx\"");
  EXPECT_TRUE(silent.closed_by_server());
  EXPECT_TRUE(slow.closed_by_server());
  expect_alive();
}

TEST_F(ServerLimitsTest, RandomBytesGetA400OrACloseAndTheServerSurvives) {
  start();
  std::mt19937 rng(20261125);
  for (int i = 0; i < 30; ++i) {
    std::string junk(1 + rng() % 3000, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    RawConnection c(server_->port());
    c.send(junk);
    c.half_close();
    std::string reply = c.read_all();
    // Either a 400/431/413 response or nothing; never a hang (read_all is bounded).
    if (!reply.empty()) {
      EXPECT_TRUE(reply.starts_with("HTTP/1.1 4")) << i << ": " << reply;
    }
  }
  expect_alive();
}

TEST_F(ServerLimitsTest, MalformedHttpIs400BadRequest) {
  start();
  RawConnection c(server_->port());
  c.send("GET /v1/status HTTP/9.9\r\n\r\n");
  std::string reply = c.read_all();
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  EXPECT_NE(reply.find("\"code\":\"bad_request\""), std::string::npos) << reply;
  expect_alive();
}

TEST_F(ServerLimitsTest, TruncatedRequestsDoNotHurtTheNextClient) {
  start();
  {
    RawConnection c(server_->port());
    c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"tx\":\"00");
  }  // closed mid-body
  {
    RawConnection c(server_->port());
    c.send("GET /v1/sta");
  }  // closed mid-request-line
  {
    RawConnection c(server_->port());
    c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"tx\"");
    c.half_close();  // EOF mid-body: the server answers 400 and closes
    std::string reply = c.read_all();
    EXPECT_TRUE(reply.empty() || reply.starts_with("HTTP/1.1 400")) << reply;
  }
  expect_alive();
  EXPECT_TRUE(eventually([&] { return server_->active_connections() == 0; }));
}

TEST_F(ServerLimitsTest, OversizedHeadersAndChunkedBodiesAreBounded) {
  HttpServerConfig config;
  config.max_body_bytes = 1024;
  config.max_header_bytes = 2048;
  start(config);
  {
    RawConnection c(server_->port());
    c.send("GET /v1/status HTTP/1.1\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
    std::string reply = c.read_all();
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 431")) << reply;
    EXPECT_NE(reply.find("header_too_large"), std::string::npos);
  }
  {
    // No Content-Length to check up front: the limit applies as chunks arrive.
    RawConnection c(server_->port());
    std::string chunk(800, 'a');
    c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
           "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    std::string reply = c.read_all();
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply;
    EXPECT_NE(reply.find("payload_too_large"), std::string::npos);
  }
  expect_alive();
}

TEST_F(ServerLimitsTest, ExpectContinueIsAnsweredAtOnceOrRefusedEarly) {
  HttpServerConfig config;
  config.max_body_bytes = 1024;
  start(config);
  {
    std::string body = R"({"txs":[]})";
    RawConnection c(server_->port());
    c.send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
    EXPECT_EQ(c.read_some(), "HTTP/1.1 100 Continue\r\n\r\n");
    c.send(body);
    std::string reply = c.read_some();
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
    EXPECT_NE(reply.find("invalid_argument"), std::string::npos) << reply;
  }
  {
    // Over the limit: 413 straight away, no 100 Continue, body never sent.
    RawConnection c(server_->port());
    c.send(
        "POST /v1/txs HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
        "5000\r\n\r\n");
    std::string reply = c.read_all();
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply;
    EXPECT_NE(reply.find("payload_too_large"), std::string::npos) << reply;
  }
  expect_alive();
}

TEST_F(ServerLimitsTest, StopIsCleanIdempotentAndFailsClientsFast) {
  start();
  ASSERT_EQ(call("GET", "/v1/status").status, 200u);
  RawConnection idle(server_->port());
  server_->stop();
  server_->stop();
  EXPECT_EQ(server_->active_connections(), 0u);
  auto r = client_->get("/v1/status");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_EQ(server_->start().code(), Code::kInvalidArgument);  // one life per server
}

TEST_F(ServerLimitsTest, BindFailureIsAClearError) {
  start();
  HttpServerConfig config;
  config.port = server_->port();  // taken by the first server
  HttpServer second(chain_, config);
  Status st = second.start();
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << st.message();
  second.stop();  // harmless after a failed start

  HttpServerConfig bad;
  bad.host = "no-such-host.invalid";
  HttpServer third(chain_, bad);
  EXPECT_FALSE(third.start().is_ok());
  expect_alive();
}

TEST_F(ServerLimitsTest, HttpMetricsGoToTheGivenRegistry) {
  HttpServerConfig config;
  config.metrics = &metrics_;
  start(config);
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
  EXPECT_EQ(call("GET", "/nope").status, 404u);
  EXPECT_EQ(call("POST", "/v1/txs", "[").status, 400u);
  EXPECT_EQ(metrics_.counter("wattle_http_responses_total", "").value(), 3u);
  EXPECT_EQ(metrics_.counter("wattle_http_errors_total", "").value(), 2u);
  EXPECT_EQ(metrics_.gauge("wattle_http_connections", "").value(), 1);
  EXPECT_EQ(metrics_.histogram("wattle_http_request_seconds", "").snapshot().count, 3u);
  std::string text = metrics_.render();
  EXPECT_NE(text.find("# TYPE wattle_http_request_seconds histogram\n"), std::string::npos);
  client_->close();
  EXPECT_TRUE(
      eventually([&] { return metrics_.gauge("wattle_http_connections", "").value() == 0; }));
}

TEST_F(ServerLimitsTest, ManyThreadsAndLargeBatch) {
  HttpServerConfig config;
  config.threads = 4;
  start(config);
  KeyPair rich = KeyPair::from_label("rich");
  chain_.fund(Address::of(rich.public_key()), 1'000'000'000);
  std::vector<std::string> txs;
  for (int i = 0; i < 2000; ++i) txs.push_back(tx_hex(transfer(rich, i, bob_addr_, 1)));
  Reply r = call("POST", "/v1/txs", json{{"txs", txs}}.dump());
  ASSERT_EQ(r.status, 200u) << r.raw.body.substr(0, 200);
  EXPECT_EQ(r.body["accepted"], 2000);
  chain_.commit_block();
  Reply b = call("GET", "/v1/blocks/1");
  EXPECT_EQ(b.body["tx_count"], 2000);
  EXPECT_EQ(b.body["tx_hashes"].size(), 2000u);
}

}  // namespace
}  // namespace wattle::rpc::testing
