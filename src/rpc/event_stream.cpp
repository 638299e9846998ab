#include "rpc/event_stream.h"

#include "rpc/staking_json.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "rpc/json_view.h"
#include "rpc/query.h"

namespace wattle::rpc {

using nlohmann::json;

namespace {

// One bus read hands the hub at most this many events; the rest follow in
// the next read, so one huge block does not build a huge batch at once.
constexpr size_t kReadBatch = 1024;
// How often the hub checks stop_ while no events come.
constexpr auto kWaitSlice = std::chrono::milliseconds(100);

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<json> event_json_fields(const chain::Event& event, const chain::Block& block);

}  // namespace

std::optional<ApiResponse> parse_event_query(std::string_view query, EventFilter& out) {
  out = EventFilter{};
  Query q;
  if (auto err =
          Query::parse(query, {"account", "from_height"},
                       "accepted: account=<wat1 address>, from_height=<height>, each once", q))
    return err;
  if (auto account = q.get("account")) {
    auto address = Address::parse(*account);
    if (!address) return error_response(400, "invalid_address", address.status().message());
    out.account = address->to_string();
  }
  if (q.get("from_height")) {
    std::optional<ApiResponse> err;
    out.from_height = q.uint("from_height", 0, UINT64_MAX, 0, err);
    if (err) return err;
  }
  return std::nullopt;
}

std::optional<json> event_json(const chain::Event& event, const chain::Block& block) {
  auto j = event_json_fields(event, block);
  if (j) (*j)["cursor"] = {{"height", event.height}, {"index", event.position}};
  return j;
}

namespace {

// event_json without the cursor.
std::optional<json> event_json_fields(const chain::Event& event, const chain::Block& block) {
  using Kind = chain::Event::Kind;
  switch (event.kind) {
    case Kind::kBlock: {
      json j{{"type", "block"}, {"seq", event.seq}, {"block", block_header_json(block)}};
      // On a chain that reorganises: the tip of the branch it joined.
      if (!event.branch.is_zero()) j["branch"] = event.branch.hex();
      return j;
    }
    case Kind::kReorg:
      return json{{"type", "reorg"},
                  {"seq", event.seq},
                  {"height", event.height},
                  {"depth", event.index},
                  {"old_tip", {{"height", event.old_height}, {"hash", event.branch.hex()}}},
                  {"new_tip", {{"height", event.height}, {"hash", event.hash.hex()}}}};
    case Kind::kTx: {
      if (event.index >= block.txs.size()) return std::nullopt;
      TxLookup found;
      found.state = TxState::kCommitted;
      found.height = event.height;
      found.index = event.index;
      found.tx = block.txs[event.index];
      json j = tx_lookup_json(event.hash, found);
      j["type"] = "tx";
      j["seq"] = event.seq;
      j["code"] = code_name(event.code);
      return j;
    }
    case Kind::kOrderPlaced:
    case Kind::kReadingPosted: {
      // From a tx of this block: `hash` is that tx's hash (for an order, also
      // its id) and `sender` the tx's sender (for a reading, the meter's
      // address), which the account filter matches as it does for tx events.
      if (event.index >= block.txs.size()) return std::nullopt;
      return json{{"type", event.kind == Kind::kOrderPlaced ? "order_placed" : "reading_posted"},
                  {"seq", event.seq},
                  {"height", event.height},
                  {"slot", event.slot},
                  {"hash", event.hash.hex()},
                  {"sender", block.txs[event.index].sender_address().to_string()}};
    }
    case Kind::kSlotCleared:
    case Kind::kSlotSettled:
      // From the block's own hooks (possibly a block without txs); community-
      // wide. `orders`: the orders in the slot's book.
      return json{{"type", event.kind == Kind::kSlotCleared ? "slot_cleared" : "slot_settled"},
                  {"seq", event.seq},
                  {"height", event.height},
                  {"slot", event.slot},
                  {"orders", event.index}};
    case Kind::kCertificatesIssued:
      return json{{"type", "certificates_issued"},
                  {"seq", event.seq},
                  {"height", event.height},
                  {"slot", event.slot},
                  {"bundles", event.index}};
    case Kind::kCertificateTransferred:
    case Kind::kCertificateCancelled: {
      if (event.index >= block.txs.size()) return std::nullopt;
      const bool moved = event.kind == Kind::kCertificateTransferred;
      return json{{"type", moved ? "certificate_transferred" : "certificate_cancelled"},
                  {"seq", event.seq},
                  {"height", event.height},
                  {"slot", event.slot},
                  {"hash", event.hash.hex()},
                  {"sender", block.txs[event.index].sender_address().to_string()}};
    }
    case Kind::kValidatorSetChanged:
    case Kind::kSlashed:
    case Kind::kJailed:
    case Kind::kUnbonded:
      return staking_event_json(event);  // staking_json.h
  }
  return std::nullopt;  // a kind this build does not know
}

}  // namespace

bool event_matches(const EventFilter& filter, const json& message) {
  if (!filter.account) return true;
  const std::string type = message.value("type", "");
  if (type == "order_placed" || type == "reading_posted" || type == "certificate_transferred" ||
      type == "certificate_cancelled") {
    auto it = message.find("sender");
    return it != message.end() && it->is_string() &&
           it->get_ref<const std::string&>() == *filter.account;
  }
  if (type != "tx") return true;
  const json& tx = message.at("tx");
  for (const char* field : {"sender", "to"}) {
    auto it = tx.find(field);
    if (it != tx.end() && it->is_string() && it->get_ref<const std::string&>() == *filter.account)
      return true;
  }
  return false;
}

EventHub::EventHub(ChainService& chain, chain::EventBus& bus, size_t max_subscribers,
                   size_t max_per_client, Metrics& metrics)
    : chain_(chain),
      bus_(bus),
      max_subscribers_(max_subscribers),
      max_per_client_(max_per_client),
      gauge_(metrics.gauge("wattle_events_subscribers", "Open GET /v1/events subscriptions.")),
      dropped_(metrics.counter("wattle_events_dropped_total",
                               "Event subscribers closed for reading too slowly.")),
      evicted_(metrics.counter("wattle_events_evicted_total",
                               "Event subscribers closed to make room for another address.")) {}

EventHub::~EventHub() {
  stop();
}

void EventHub::start() {
  if (thread_.joinable()) return;
  // The first sequence number is taken here, not on the new thread: a
  // subscriber may subscribe and see events committed before that thread
  // first runs (seconds, on a loaded machine).
  thread_ = std::thread([this, first = bus_.next_seq()] { run(first); });
}

void EventHub::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  std::vector<Sub> gone;
  {
    std::lock_guard lock(mu_);
    gone.swap(subs_);
  }
  gauge_.set(0);
}

void EventHub::prune_locked() {
  std::erase_if(subs_, [](const Sub& s) { return s.who.expired(); });
  gauge_.set(static_cast<double>(subs_.size()));
}

bool EventHub::subscribe(std::weak_ptr<EventSubscriber> subscriber, EventFilter filter,
                         const std::string& client, uint64_t* replay_end) {
  std::shared_ptr<EventSubscriber> victim;  // told outside the lock
  {
    std::lock_guard lock(mu_);
    if (stop_.load() || max_subscribers_ == 0) return false;
    prune_locked();
    std::map<std::string_view, size_t> per_client;
    for (const Sub& s : subs_) ++per_client[s.client];
    const size_t mine = per_client[client];
    if (mine >= std::max<size_t>(1, max_per_client_)) return false;
    if (subs_.size() >= max_subscribers_) {
      // The address holding the most streams gives up its oldest (subs_ is
      // oldest first, so the first of that address), if it holds more than
      // the newcomer's: evicting would not make things fairer otherwise.
      std::string_view greedy;
      size_t most = 0;
      for (const auto& [who, n] : per_client)
        if (n > most) most = n, greedy = who;
      if (most <= mine) return false;
      auto it = std::find_if(subs_.begin(), subs_.end(),
                             [&](const Sub& s) { return s.client == greedy; });
      victim = it->who.lock();
      subs_.erase(it);
    }
    Sub sub{std::move(subscriber), std::move(filter), bus_.next_seq(), client};
    if (replay_end) {
      // After the first sequence number: every event before it is at or
      // below this head (the node publishes after updating its head).
      *replay_end = chain_.status().height;
      sub.live_from_height = *replay_end + 1;
    }
    subs_.push_back(std::move(sub));
    gauge_.set(static_cast<double>(subs_.size()));
  }
  if (victim) {
    evicted_.inc();
    victim->on_evicted();
  }
  return true;
}

size_t EventHub::subscribers() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Sub& s : subs_) n += !s.who.expired();
  return n;
}

void EventHub::run(uint64_t next) {
  while (!stop_.load()) {
    if (!bus_.wait(next, kWaitSlice)) continue;
    chain::EventBus::Batch batch = bus_.read(next, kReadBatch);
    next = batch.next;
    try {
      deliver(batch);
    } catch (...) {
      // A throwing ChainService or allocation failure loses this batch's
      // messages, never the hub (and with it every stream).
    }
  }
}

void EventHub::deliver(const chain::EventBus::Batch& batch) {
  std::vector<Sub> subs;
  {
    std::lock_guard lock(mu_);
    prune_locked();
    subs = subs_;
  }
  if (subs.empty()) return;  // nobody listens: no block lookups, no JSON
  std::vector<bool> drop(subs.size(), false);
  auto send = [&](const json& message, uint64_t seq, uint64_t height) {
    auto text = std::make_shared<const std::string>(dump(message));
    for (size_t i = 0; i < subs.size(); ++i) {
      if (drop[i] || seq < subs[i].from_seq || height < subs[i].live_from_height ||
          !event_matches(subs[i].filter, message))
        continue;
      auto who = subs[i].who.lock();
      if (!who || !who->offer(text)) drop[i] = true;
    }
  };
  if (batch.missed && !batch.events.empty()) {
    const uint64_t first = batch.events.front().seq;
    send({{"type", "missed"},
          {"seq", first},
          {"message", "the node's event buffer dropped events before seq " + std::to_string(first) +
                          "; resume with from_height or re-read blocks to catch up"}},
         first, UINT64_MAX);
  }
  for (const chain::Event& e : batch.events) {
    if (!cached_ || cached_->header.height != e.height) {
      auto block = chain_.block(e.height);
      if (!block) continue;  // pruned or not visible yet: nothing to show
      cached_ = std::move(block).value();
    }
    if (auto message = event_json(e, *cached_)) send(*message, e.seq, e.height);
  }
  bool any = false;
  for (bool d : drop) any |= d;
  if (!any) return;
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < subs.size(); ++i) {
    if (!drop[i]) continue;
    auto target = subs[i].who.lock();
    std::erase_if(subs_, [&](const Sub& s) { return s.who.lock() == target; });
  }
  gauge_.set(static_cast<double>(subs_.size()));
}

}  // namespace wattle::rpc
