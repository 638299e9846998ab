// GET /v1/events?from_height=H (docs/rpc.md): the committed events from
// block H on, replayed from the store with the same JSON as live (seq 0),
// then the live ones with no gap and no duplicate; every message carries its
// durable cursor; the replay reaches back a bounded number of blocks.
#include "rpc/event_client.h"
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

using namespace std::chrono_literals;

class EventReplayTest : public ServerTest {
 protected:
  static json without_seq(json j) {
    j.erase("seq");
    return j;
  }
  void submit(const chain::Tx& tx) {
    Reply r = call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump());
    ASSERT_EQ(r.status, 200u) << r.raw.body;
  }
  static chain::Event slot_cleared(uint64_t slot, uint32_t orders) {
    chain::Event e;
    e.kind = chain::Event::Kind::kSlotCleared;
    e.slot = slot;
    e.index = orders;
    return e;
  }
};

// Before: from_height was an unknown parameter (400) and events had no cursor.
TEST_F(EventReplayTest, ReplayReproducesTheLiveEventsThenGoesOnLiveWithoutGapOrDuplicate) {
  start();
  EventClient live = subscribe("/v1/events");
  submit(transfer(alice_, 0, bob_addr_, 100));
  submit(transfer(alice_, 1, bob_addr_, 200));
  chain_.commit_block();                      // height 1: block + 2 txs
  chain_.commit_block({slot_cleared(7, 3)});  // height 2: block + a market event
  submit(transfer(alice_, 2, bob_addr_, 300));
  chain_.commit_block();  // height 3
  std::vector<json> seen;
  for (int i = 0; i < 7; ++i) seen.push_back(next_json(live));
  // The cursors: (height, position among the block's events).
  const std::vector<std::pair<uint64_t, uint32_t>> cursors = {{1, 0}, {1, 1}, {1, 2}, {2, 0},
                                                              {2, 1}, {3, 0}, {3, 1}};
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i]["cursor"], (json{{"height", cursors[i].first}, {"index", cursors[i].second}}))
        << seen[i];
    EXPECT_GT(seen[i]["seq"].get<uint64_t>(), 0u);
  }
  EXPECT_EQ(seen[4]["type"], "slot_cleared");

  // From height 2: the same JSON (seq aside) for heights 2 and 3.
  EventClient resumed = subscribe("/v1/events?from_height=2");
  for (size_t i = 3; i < seen.size(); ++i) {
    json r = next_json(resumed);
    EXPECT_EQ(r["seq"], 0) << r;
    EXPECT_EQ(without_seq(r), without_seq(seen[i]));
  }
  // Then live: the next block once, nothing replayed twice.
  chain_.commit_block();
  json next = next_json(resumed);
  EXPECT_EQ(next["type"], "block");
  EXPECT_EQ(next["cursor"], (json{{"height", 4}, {"index", 0}}));
  EXPECT_GT(next["seq"].get<uint64_t>(), 0u);
  EXPECT_EQ(without_seq(next), without_seq(next_json(live)));

  // With the account filter, the replay is filtered as the live stream is.
  const Address carol = Address::of(KeyPair::from_label("carol").public_key());
  EventClient filtered = subscribe("/v1/events?from_height=1&account=" + carol.to_string());
  for (uint64_t h = 1; h <= 4; ++h) {
    json j = next_json(filtered);  // carol has no txs: blocks and slot events only
    EXPECT_EQ(j["type"], "block") << j;
    EXPECT_EQ(j["cursor"]["height"], h);
    if (h == 2) {
      EXPECT_EQ(next_json(filtered)["type"], "slot_cleared");
    }
  }
}

TEST_F(EventReplayTest, ReplayIsBoundedAndBadHeightsAreRefused) {
  start();
  for (int i = 0; i < 1'005; ++i) chain_.commit_block();  // head 1005
  struct Case {
    std::string query, code;
  };
  for (const Case& c :
       {Case{"from_height=5", "invalid_height"},     // older than head - 999
        Case{"from_height=1007", "invalid_height"},  // above head + 1
        Case{"from_height=abc", "invalid_argument"}, Case{"from_height=-1", "invalid_argument"},
        Case{"from_height=7&from_height=8", "invalid_argument"}}) {
    auto refused = EventClient::connect("127.0.0.1", server_->port(), "/v1/events?" + c.query);
    ASSERT_FALSE(refused.is_ok()) << c.query;
    EXPECT_NE(refused.status().message().find("HTTP 400 " + c.code), std::string::npos)
        << c.query << ": " << refused.status().to_string();
  }
  // The oldest height allowed replays from there; head + 1 replays nothing.
  EventClient oldest = subscribe("/v1/events?from_height=6");
  EXPECT_EQ(next_json(oldest)["cursor"], (json{{"height", 6}, {"index", 0}}));
  EventClient none = subscribe("/v1/events?from_height=1006");
  chain_.commit_block();
  EXPECT_EQ(next_json(none)["cursor"], (json{{"height", 1006}, {"index", 0}}));
}

}  // namespace
}  // namespace wattle::rpc::testing
