// The live event stream behind WebSocket GET /v1/events: one thread (the
// EventHub) reads the node's chain::EventBus, turns each event into its JSON
// message once, and offers it to every subscriber whose filter matches.
//
// Promises:
// - The publisher is never blocked: the hub only reads the bounded EventBus
//   (which never waits for readers), and offering a message to a subscriber
//   never blocks the hub (EventSubscriber::offer must return at once).
// - Bounded and fair: at most max_per_client subscribers per client address
//   (subscribe() says no to more) and max_subscribers in all; when all are
//   taken, a newcomer evicts the oldest subscriber of the address holding
//   the most (EventSubscriber::on_evicted) if that address holds more than the
//   newcomer's, else is refused; so a few addresses cannot hold every stream. Each subscriber
//   bounds its own queue and asks to be dropped when it is full (see HttpServer). One message is
//   built per event and shared by all subscribers (reference-counted, immutable).
// - Exactly the events committed after the subscription, in commit order:
//   a subscriber registered when the bus's next sequence number was S gets
//   the events with seq >= S that pass its filter. If the hub itself falls
//   behind the bus's ring (a block of more txs than the bus keeps), every
//   subscriber gets one {"type":"missed"} message saying so.
// - Messages (one JSON object per WebSocket text message; shapes from
//   rpc/json_view.h, never re-serialised here):
//     {"type":"block","seq":S,"block":<block_header_json>}
//     {"type":"tx","seq":S,"code":"ok",<tx_lookup_json fields: "hash",
//      "status":"committed","height","index","tx":<tx_json>>}
//     {"type":"missed","seq":S,"message":"..."}  (events before S were lost)
//   and every message but "missed" has "cursor":{"height","index"}: the
//   event's place in the chain, stable across restarts (seq is not; a
//   replayed event has seq 0).
//   and the market's (docs/market.md), after the block's tx events:
//     {"type":"order_placed"|"reading_posted","seq":S,"height","slot",
//      "hash":<the tx's hash; an order's id>,"sender":<the tx's sender>}
//     {"type":"slot_cleared"|"slot_settled","seq":S,"height","slot",
//      "orders":<orders in the slot's book>}
// - Filter ?account=wat1...: tx events only where the account is the tx's
//   "sender" or its "to"; order_placed and reading_posted only where it is
//   the "sender" (as for their tx events); block, slot and missed events are
//   always sent, so a filtered client still sees the chain advance and its
//   slots clear and settle (docs/rpc.md).
// - Thread-safe: subscribe() from any thread; start()/stop() from one.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chain/events.h"
#include "core/address.h"
#include "rpc/api.h"
#include "rpc/chain_service.h"
#include "rpc/metrics.h"

namespace wattle::rpc {

struct EventFilter {
  // The canonical text of a validated address (what tx_json prints), so
  // matching is a string compare; none: every event.
  std::optional<std::string> account;
  // Replay the committed events from this block height on before the live
  // ones (GET /v1/events?from_height=H; see HttpServer for the bound).
  std::optional<uint64_t> from_height;
};

// The query of GET /v1/events: "account=<wat1 address>" and
// "from_height=<decimal>", each optional and at most once. Anything else is
// an error response: 400 invalid_address (bad address), 400
// invalid_argument (unknown or repeated parameter, height not a decimal).
// Shared by the upgrade path of HttpServer and the plain-HTTP route of Api,
// so both agree.
std::optional<ApiResponse> parse_event_query(std::string_view query, EventFilter& out);

// The JSON message for one committed event; `block` is the block at
// event.height. Every message carries its durable cursor
// "cursor":{"height":H,"index":I} (I = event.position), the same live and
// replayed. kTx, kOrderPlaced or kReadingPosted with an index outside
// the block, or an unknown kind: nullopt (a bug in the service; the hub skips
// it rather than crash).
std::optional<nlohmann::json> event_json(const chain::Event& event, const chain::Block& block);

// Whether a message from event_json() passes `filter`: any message without
// an account filter; with one, every block, slot and missed message, the
// order_placed and reading_posted messages whose "sender" is the account, and
// the tx messages whose tx has the account as "sender" or "to" (read from the tx's JSON view, so a
// new tx kind with a recipient is covered once its view has "to").
bool event_matches(const EventFilter& filter, const nlohmann::json& message);

class EventSubscriber {
 public:
  virtual ~EventSubscriber() = default;
  // Called on the hub thread; must not block. False: the subscriber is gone
  // or full and the hub forgets it.
  virtual bool offer(const std::shared_ptr<const std::string>& message) = 0;
  // The hub dropped this subscriber to make room for another; it should
  // close its stream saying so. Called from subscribe(); must not block.
  virtual void on_evicted() = 0;
};

class EventHub {
 public:
  // `bus` and `chain` must outlive the hub. `metrics` registers
  // wattle_events_subscribers and wattle_events_dropped_total.
  EventHub(ChainService& chain, chain::EventBus& bus, size_t max_subscribers, size_t max_per_client,
           Metrics& metrics);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  void start();
  // Joins the thread and forgets every subscriber (so none outlives the
  // server's io_context through the hub). Idempotent.
  void stop();

  // False when `client` (its address) already holds max_per_client
  // subscriptions; when max_subscribers are subscribed, evicts one (see above).
  // With `replay_end`, the subscriber will replay the committed events up to
  // *replay_end (set here: the head read after the subscription's first
  // sequence number was taken), so the live events at or below it are not
  // sent; together they have no gap and no duplicate.
  bool subscribe(std::weak_ptr<EventSubscriber> subscriber, EventFilter filter,
                 const std::string& client, uint64_t* replay_end = nullptr);
  size_t subscribers() const;
  // A subscriber that was dropped for being too slow (called by it).
  void count_dropped() { dropped_.inc(); }

 private:
  struct Sub {
    std::weak_ptr<EventSubscriber> who;
    EventFilter filter;
    uint64_t from_seq = 0;
    std::string client;
    uint64_t live_from_height = 0;  // live events below this height are skipped (replayed)
  };
  void run(uint64_t next);
  void deliver(const chain::EventBus::Batch& batch);
  void prune_locked();

  ChainService& chain_;
  chain::EventBus& bus_;
  const size_t max_subscribers_;
  const size_t max_per_client_;
  Gauge& gauge_;
  Counter& dropped_;
  Counter& evicted_;
  mutable std::mutex mu_;
  std::vector<Sub> subs_;  // oldest first
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::optional<chain::Block> cached_;  // hub thread only: the last block looked up
};

}  // namespace wattle::rpc
