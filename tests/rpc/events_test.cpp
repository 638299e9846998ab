// GET /v1/events over real sockets: exactly the committed events, the
// account filter, a slow subscriber dropped while others keep receiving, bad
// queries refused before the upgrade, and the subscriber bounds.
#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "rpc/event_client.h"
#include "rpc/event_stream.h"
#include "rpc/json_view.h"
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

class EventsTest : public ServerTest {
 protected:
  // True if nothing arrives within a short while (the client is closed after).
  static bool silent(EventClient& c) {
    auto m = c.next(300ms);
    EXPECT_FALSE(m.is_ok()) << "unexpected event: " << *m;
    return !m.is_ok();
  }
  void submit(const chain::Tx& tx) {
    Reply r = call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump());
    ASSERT_EQ(r.status, 200u) << r.raw.body;
  }
  // A hand-written upgrade request, so the test sees the raw HTTP answer.
  static std::string upgrade_request(const std::string& target) {
    return "GET " + target +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  }
};

TEST_F(EventsTest, SubscriberGetsExactlyTheEventsCommittedAfterItSubscribed) {
  start();
  chain_.commit_block();  // before the subscription: must not be seen
  EventClient c = subscribe();
  chain::Tx t0 = transfer(alice_, 0, bob_addr_, 100);
  chain::Tx t1 = transfer(alice_, 1, bob_addr_, 200);
  submit(t0);
  submit(t1);
  chain::Block b2 = chain_.commit_block();
  chain::Block b3 = chain_.commit_block();

  json e = next_json(c);
  EXPECT_EQ(e["type"], "block");
  EXPECT_EQ(e["block"], block_header_json(b2));  // the API's own JSON view
  EXPECT_EQ(e["block"]["height"], 2);
  EXPECT_EQ(e["block"]["tx_count"], 2);
  const uint64_t seq = e["seq"].get<uint64_t>();
  for (uint32_t i = 0; i < 2; ++i) {
    json t = next_json(c);
    const chain::Tx& tx = i == 0 ? t0 : t1;
    EXPECT_EQ(t["type"], "tx");
    EXPECT_EQ(t["seq"], seq + 1 + i);
    EXPECT_EQ(t["code"], "ok");
    EXPECT_EQ(t["hash"], tx.hash().hex());
    EXPECT_EQ(t["status"], "committed");
    EXPECT_EQ(t["height"], 2);
    EXPECT_EQ(t["index"], i);
    EXPECT_EQ(t["tx"], tx_json(tx));
  }
  json last = next_json(c);
  EXPECT_EQ(last["type"], "block");
  EXPECT_EQ(last["seq"], seq + 3);
  EXPECT_EQ(last["block"]["hash"], b3.header.hash().hex());
  EXPECT_TRUE(silent(c));
}

TEST_F(EventsTest, AccountFilterKeepsBlocksAndOnlyTheAccountsTxs) {
  start();
  const Address carol = Address::of(KeyPair::from_label("carol").public_key());
  const Address dave = Address::of(KeyPair::from_label("dave").public_key());
  EventClient to_bob = subscribe("/v1/events?account=" + bob_addr_.to_string());
  EventClient to_carol = subscribe("/v1/events?account=" + carol.to_string());
  EventClient from_alice = subscribe("/v1/events?account=" + alice_addr_.to_string());
  EventClient nobody = subscribe("/v1/events?account=" + dave.to_string());
  chain::Tx t0 = transfer(alice_, 0, bob_addr_, 100);
  chain::Tx t1 = transfer(alice_, 1, carol, 200);
  submit(t0);
  submit(t1);
  chain_.commit_block();

  auto expect_stream = [&](EventClient& c, std::vector<const chain::Tx*> txs) {
    EXPECT_EQ(next_json(c)["type"], "block");
    for (const chain::Tx* tx : txs) EXPECT_EQ(next_json(c)["hash"], tx->hash().hex());
    EXPECT_TRUE(silent(c));
  };
  expect_stream(to_bob, {&t0});
  expect_stream(to_carol, {&t1});
  expect_stream(from_alice, {&t0, &t1});
  expect_stream(nobody, {});
}

chain::Event market_event(chain::Event::Kind kind, uint64_t height, uint64_t slot, uint32_t index,
                          const Hash256& hash = Hash256()) {
  chain::Event e;
  e.kind = kind;
  e.height = height;
  e.slot = slot;
  e.index = index;
  e.hash = hash;
  return e;
}

TEST(EventJson, MarketEventsRenderTheirOwnFieldsNotATx) {
  using Kind = chain::Event::Kind;
  const KeyPair alice = KeyPair::from_label("alice");
  const Address bob = Address::of(KeyPair::from_label("bob").public_key());
  chain::Block empty;  // a block the node made only to clear or settle a slot
  empty.header.height = 9;
  chain::Event cleared = market_event(Kind::kSlotCleared, 9, 1964321, 3);
  cleared.seq = 40;
  EXPECT_EQ(event_json(cleared, empty), json({{"type", "slot_cleared"},
                                              {"seq", 40},
                                              {"height", 9},
                                              {"slot", 1964321},
                                              {"orders", 3},
                                              {"cursor", {{"height", 9}, {"index", 0}}}}));
  chain::Event settled = market_event(Kind::kSlotSettled, 9, 1964320, 0);
  settled.seq = 41;
  EXPECT_EQ(event_json(settled, empty), json({{"type", "slot_settled"},
                                              {"seq", 41},
                                              {"height", 9},
                                              {"slot", 1964320},
                                              {"orders", 0},
                                              {"cursor", {{"height", 9}, {"index", 0}}}}));

  chain::Block b;
  b.header.height = 10;
  b.txs.push_back(transfer(alice, 0, bob, 1));
  b.txs.push_back(transfer(alice, 1, bob, 2));
  const chain::Tx& tx = b.txs[1];
  const std::string sender = Address::of(alice.public_key()).to_string();
  for (auto [kind, type] : {std::pair{Kind::kOrderPlaced, "order_placed"},
                            std::pair{Kind::kReadingPosted, "reading_posted"}}) {
    chain::Event e = market_event(kind, 10, 1964330, 1, tx.hash());
    e.seq = 50;
    EXPECT_EQ(event_json(e, b), json({{"type", type},
                                      {"seq", 50},
                                      {"height", 10},
                                      {"slot", 1964330},
                                      {"hash", tx.hash().hex()},
                                      {"sender", sender},
                                      {"cursor", {{"height", 10}, {"index", 0}}}}))
        << type;
    // Its tx must be in the block, as for a tx event.
    e.index = 2;
    EXPECT_FALSE(event_json(e, b).has_value()) << type;
    EXPECT_FALSE(event_json(e, empty).has_value()) << type;
  }
  // The tx and block messages are unchanged by the market kinds.
  chain::Event t{7, Kind::kTx, 10, tx.hash(), 1, Code::kOk, 0};
  json tj = event_json(t, b).value();
  EXPECT_EQ(tj["type"], "tx");
  EXPECT_EQ(tj["tx"], tx_json(tx));
  EXPECT_EQ(tj.size(), 9u) << tj;  // and the cursor
  EXPECT_EQ(tj["cursor"], json({{"height", 10}, {"index", 0}}));
}

// A chain that reorganises: a block event names the tip of the branch it
// joined; a reorg event names the tip left, the new tip and the depth. A
// BFT block event has no branch.
TEST(EventJson, ReorgAndBranchOfABlock) {
  using Kind = chain::Event::Kind;
  chain::Block b;
  b.header.height = 12;
  chain::Event block{5, Kind::kBlock, 12, b.header.hash(), 0, Code::kOk, 0};
  EXPECT_FALSE(event_json(block, b).value().contains("branch"));
  Hash256 tip, old;
  tip.bytes[0] = 0xab;
  old.bytes[0] = 0xcd;
  block.branch = tip;
  EXPECT_EQ(event_json(block, b).value()["branch"], tip.hex());
  chain::Event reorg{4, Kind::kReorg, 12, tip, 3, Code::kOk, 0};
  reorg.branch = old;
  reorg.old_height = 11;
  EXPECT_EQ(event_json(reorg, b), json({{"type", "reorg"},
                                        {"seq", 4},
                                        {"height", 12},
                                        {"depth", 3},
                                        {"old_tip", {{"height", 11}, {"hash", old.hex()}}},
                                        {"new_tip", {{"height", 12}, {"hash", tip.hex()}}},
                                        {"cursor", {{"height", 12}, {"index", 0}}}}));
}

TEST(EventJson, AccountFilterSendsSlotEventsToAllAndMarketTxEventsToTheirSender) {
  const std::string alice = Address::of(KeyPair::from_label("alice").public_key()).to_string();
  const std::string bob = Address::of(KeyPair::from_label("bob").public_key()).to_string();
  EventFilter to_bob;
  to_bob.account = bob;
  EventFilter to_alice;
  to_alice.account = alice;
  for (const char* type : {"slot_cleared", "slot_settled"}) {
    const json m = {{"type", type}, {"seq", 1}, {"height", 2}, {"slot", 3}, {"orders", 4}};
    EXPECT_TRUE(event_matches(to_bob, m)) << type;
    EXPECT_TRUE(event_matches(EventFilter{}, m)) << type;
  }
  for (const char* type : {"order_placed", "reading_posted"}) {
    const json m = {
        {"type", type},   {"seq", 1}, {"height", 2}, {"slot", 3}, {"hash", std::string(64, '0')},
        {"sender", alice}};
    EXPECT_TRUE(event_matches(to_alice, m)) << type;
    EXPECT_FALSE(event_matches(to_bob, m)) << type;
    EXPECT_TRUE(event_matches(EventFilter{}, m)) << type;
  }
}

TEST_F(EventsTest, MarketEventsReachSubscribersIncludingSlotEventsOfEmptyBlocks) {
  using Kind = chain::Event::Kind;
  start();
  EventClient all = subscribe();
  EventClient to_bob = subscribe("/v1/events?account=" + bob_addr_.to_string());
  EventClient from_alice = subscribe("/v1/events?account=" + alice_addr_.to_string());
  // Block 1 has no txs: the node made it only because slot 100's gate closed.
  chain::Block b1 = chain_.commit_block();
  ASSERT_TRUE(b1.txs.empty());
  chain_.bus().publish({market_event(Kind::kSlotCleared, b1.header.height, 100, 2)});
  chain::Tx t = transfer(alice_, 0, bob_addr_, 100);  // stands in for an order and a reading
  submit(t);
  chain::Block b2 = chain_.commit_block();
  chain_.bus().publish({market_event(Kind::kOrderPlaced, b2.header.height, 101, 0, t.hash()),
                        market_event(Kind::kReadingPosted, b2.header.height, 99, 0, t.hash()),
                        market_event(Kind::kSlotSettled, b2.header.height, 99, 5)});

  auto expect_stream = [&](EventClient& c, std::vector<std::string> types) {
    for (const std::string& type : types) {
      json e = next_json(c);
      ASSERT_EQ(e["type"], type) << e;
      if (type == "slot_cleared") {
        EXPECT_EQ(e["height"], b1.header.height);
        EXPECT_EQ(e["slot"], 100);
        EXPECT_EQ(e["orders"], 2);
        EXPECT_FALSE(e.contains("hash")) << e;
      } else if (type == "slot_settled") {
        EXPECT_EQ(e["height"], b2.header.height);
        EXPECT_EQ(e["slot"], 99);
        EXPECT_EQ(e["orders"], 5);
      } else if (type == "order_placed" || type == "reading_posted") {
        EXPECT_EQ(e["height"], b2.header.height);
        EXPECT_EQ(e["slot"], type == "order_placed" ? 101 : 99);
        EXPECT_EQ(e["hash"], t.hash().hex());
        EXPECT_EQ(e["sender"], alice_addr_.to_string());
      }
    }
    EXPECT_TRUE(silent(c));
  };
  expect_stream(all, {"block", "slot_cleared", "block", "tx", "order_placed", "reading_posted",
                      "slot_settled"});
  expect_stream(from_alice, {"block", "slot_cleared", "block", "tx", "order_placed",
                             "reading_posted", "slot_settled"});
  expect_stream(to_bob, {"block", "slot_cleared", "block", "tx", "slot_settled"});
}

TEST_F(EventsTest, SlowSubscriberIsDroppedWhileOthersKeepReceiving) {
  HttpServerConfig config;
  config.event_queue = 64;
  config.metrics = &metrics_;
  start(config);
  // The slow client shrinks its receive buffer and then reads nothing.
  boost::asio::io_context ioc;
  websocket::stream<boost::asio::ip::tcp::socket> slow(ioc);
  slow.next_layer().open(boost::asio::ip::tcp::v4());
  slow.next_layer().set_option(boost::asio::socket_base::receive_buffer_size(4096));
  slow.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  slow.handshake("127.0.0.1", "/v1/events");
  EventClient fast = subscribe();
  ASSERT_TRUE(eventually([&] { return server_->event_subscribers() == 2; }));

  // Events of one block with a 16 KiB certificate (~33 KB of JSON each) until
  // the slow client's socket buffers and queue overflow, then 200 more. The
  // publisher goes in lock-step with the fast client (the next event only
  // once the fast client has read the last), so the fast client never falls
  // behind however slow the machine is, while the slow one, which reads
  // nothing, falls behind by one event per event: the verdict depends on
  // counts, not on speed.
  chain_.set_certificate(Bytes(16 * 1024, 0xab));
  chain_.commit_block();  // height 1
  ASSERT_EQ(next_json(fast)["block"]["height"], 1);
  std::atomic<bool> dropped{false};
  std::atomic<bool> reader_done{false};
  std::atomic<int> published{0};
  std::atomic<int> received{0};
  std::thread publisher([&] {
    chain::Event big_block;
    big_block.kind = chain::Event::Kind::kBlock;
    big_block.height = 1;
    for (int after = 0; after < 200 && published < 20'000; ++published) {
      chain_.bus().publish({big_block});
      if (dropped) ++after;
      if (!eventually([&] { return received > published || reader_done; }) || reader_done) {
        ++published;
        return;
      }
    }
  });
  std::string fast_error;
  std::thread reader([&] {
    for (;;) {
      auto m = fast.next(60s);
      if (!m) {
        fast_error = m.status().to_string();
        break;
      }
      const json j = json::parse(*m);
      if (j["type"] != "block") {  // e.g. "missed": the hub fell behind
        fast_error = *m;
        break;
      }
      if (j["block"]["height"] == 2) break;  // the end marker below
      ++received;
    }
    reader_done = true;
  });
  // The slow subscriber is dropped while the flood goes on...
  EXPECT_TRUE(eventually([&] { return server_->event_subscribers() == 1; }));
  dropped = true;
  // It finds the messages that got through, then a 1008 close.
  beast::flat_buffer buf;
  beast::error_code ec;
  int got = 0;
  ::timeval tv{30, 0};  // a bound so the test cannot hang: the bytes are already here
  ::setsockopt(slow.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (!ec) {
    slow.read(buf, ec);
    buf.clear();
    got += !ec;
  }
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(slow.reason().code, websocket::close_code::policy_error);
  EXPECT_NE(std::string(slow.reason().reason.c_str()).find("too slow"), std::string::npos);

  // ...and the fast one got every event, and still gets new blocks.
  publisher.join();
  chain_.commit_block();
  reader.join();
  EXPECT_EQ(received, published.load()) << fast_error;
  EXPECT_GT(received, got);
  EXPECT_EQ(server_->event_subscribers(), 1u);
  EXPECT_NE(metrics_.render().find("wattle_events_dropped_total 1\n"), std::string::npos)
      << metrics_.render();
}

TEST_F(EventsTest, BadQueryIsRefusedWithTheJsonErrorBeforeTheUpgrade) {
  start();
  struct Case {
    std::string query, code;
  };
  for (const Case& c :
       {Case{"?account=wat1nope", "invalid_address"}, Case{"?account=", "invalid_address"},
        Case{"?acount=" + bob_addr_.to_string(), "invalid_argument"},
        Case{"?account=" + bob_addr_.to_string() + "&account=" + alice_addr_.to_string(),
             "invalid_argument"},
        Case{"?x", "invalid_argument"}}) {
    RawConnection raw(server_->port());
    raw.send(upgrade_request("/v1/events" + c.query));
    const std::string answer = raw.read_all();
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << c.query << ": " << answer;
    const json body = json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false);
    EXPECT_EQ(body.value("code", ""), c.code) << c.query << ": " << answer;
    EXPECT_EQ(body.size(), 2u) << answer;

    // Without the upgrade: the same verdict from the plain route.
    expect_error(call("GET", "/v1/events" + c.query), 400, c.code);
    // And the client passes the node's code on.
    auto client = EventClient::connect("127.0.0.1", server_->port(), "/v1/events" + c.query);
    ASSERT_FALSE(client.is_ok());
    EXPECT_NE(client.status().message().find("HTTP 400 " + c.code), std::string::npos)
        << client.status().to_string();
  }
  expect_error(call("GET", "/v1/events"), 426, "upgrade_required");
  expect_error(call("POST", "/v1/events", "{}"), 405, "method_not_allowed");
  EXPECT_EQ(server_->event_subscribers(), 0u);
}

TEST_F(EventsTest, SubscribersAreBoundedAndCountAgainstTheConnectionCaps) {
  HttpServerConfig config;
  config.max_event_subscribers = 3;
  config.max_connections_per_ip = 5;
  start(config);
  std::vector<EventClient> open;
  for (int i = 0; i < 3; ++i) open.push_back(subscribe());
  auto refused = EventClient::connect("127.0.0.1", server_->port());
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("HTTP 503 unavailable: too many event subscribers"),
            std::string::npos)
      << refused.status().to_string();

  // A closed stream frees its place.
  open.pop_back();
  ASSERT_TRUE(eventually([&] { return server_->event_subscribers() == 2; }));
  open.push_back(subscribe());

  // Streams hold connection slots: with 3 streams and the plain client's
  // keep-alive connection, the per-address cap of 5 leaves room for one more
  // connection from this address, not two.
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);
  RawConnection one_more(server_->port());
  RawConnection over(server_->port());
  over.send("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(over.read_all().starts_with("HTTP/1.1 503 ")) << "the 6th connection got in";
  // Every stream still works.
  chain_.commit_block();
  for (EventClient& c : open) EXPECT_EQ(next_json(c)["type"], "block");
}

TEST_F(EventsTest, ReadingClientsArePingedAndKeptSilentOnesDropped) {
  HttpServerConfig config;
  // Long enough that a loaded machine still answers each ping in time.
  config.idle_timeout = 1000ms;
  start(config);
  // A client that did the handshake but then neither reads nor answers pings.
  boost::asio::io_context ioc;
  websocket::stream<boost::asio::ip::tcp::socket> silent(ioc);
  silent.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  silent.handshake("127.0.0.1", "/v1/events");
  EventClient reading = subscribe();
  ASSERT_TRUE(eventually([&] { return server_->event_subscribers() == 2; }));
  // The reading client waits (answering pings) across several idle timeouts.
  Result<std::string> got = Status(Code::kInternal, "not read");
  const auto since = std::chrono::steady_clock::now();
  std::thread reader([&] { got = reading.next(60s); });
  // The silent one goes (however long the server takes to notice)...
  EXPECT_TRUE(eventually([&] { return server_->event_subscribers() == 1u; }))
      << "the silent client was not dropped";
  // ...and the reading one stays, over at least five idle timeouts.
  EXPECT_TRUE(eventually([&] { return std::chrono::steady_clock::now() - since > 5000ms; }));
  EXPECT_EQ(server_->event_subscribers(), 1u) << "the reading client was dropped";
  chain_.commit_block();
  reader.join();
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ(json::parse(*got)["block"]["height"], 1);
}

TEST_F(EventsTest, EventsLostInTheNodesBufferAreReportedAsMissed) {
  FakeChainService small(16);  // the bus keeps the last 16 events
  HttpServer server(small, HttpServerConfig{});
  ASSERT_TRUE(server.start().is_ok());
  auto c = EventClient::connect("127.0.0.1", server.port());
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  chain::Event genesis_block;
  genesis_block.kind = chain::Event::Kind::kBlock;
  const uint64_t first = small.bus().next_seq();
  small.bus().publish(std::vector<chain::Event>(40, genesis_block));  // 24 fall out at once
  json missed = next_json(*c);
  EXPECT_EQ(missed["type"], "missed") << missed;
  EXPECT_EQ(missed["seq"], first + 24);
  for (uint64_t seq = first + 24; seq < first + 40; ++seq) {
    json e = next_json(*c);
    EXPECT_EQ(e["type"], "block");
    EXPECT_EQ(e["seq"], seq);
  }
  EXPECT_TRUE(silent(*c));
}

TEST_F(EventsTest, NodeWithoutAnEventBusAnswers503) {
  class NoBus : public FakeChainService {
   public:
    chain::EventBus* events() override { return nullptr; }
  } chain;
  HttpServer server(chain, HttpServerConfig{});
  ASSERT_TRUE(server.start().is_ok());
  auto c = EventClient::connect("127.0.0.1", server.port());
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("HTTP 503 unavailable"), std::string::npos)
      << c.status().to_string();
}

TEST_F(EventsTest, StopWithOpenStreamsEndsThemAndReturns) {
  start();
  std::vector<EventClient> open;
  for (int i = 0; i < 5; ++i) open.push_back(subscribe());
  chain_.commit_block();
  server_->stop();
  for (EventClient& c : open) {
    // Whatever was sent before the stop, the stream then ends: never hangs.
    Result<std::string> m = c.next(30s);
    while (m.is_ok()) m = c.next(30s);
    EXPECT_EQ(m.status().code(), Code::kUnavailable);
    EXPECT_EQ(m.status().message().find("timeout"), std::string::npos) << m.status().to_string();
  }
}

}  // namespace
}  // namespace wattle::rpc::testing
