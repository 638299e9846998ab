#include "rpc/event_stream_session.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>

#include <nlohmann/json.hpp>

namespace wattle::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using json = nlohmann::json;

namespace {
// What a client sends is read (so pings, pongs and its close frame are
// processed) and discarded, in messages of at most this size (a longer one
// closes the stream).
constexpr size_t kMaxStreamClientMessage = 1024;
// Replayed messages built at a time.
constexpr size_t kReplayChunk = 256;
}  // namespace

EventStreamSession::EventStreamSession(ServerContext& server,
                                       std::shared_ptr<Admission::Ticket> ticket,
                                       SessionStream::executor_type executor)
    : server_(server), ticket_(std::move(ticket)), executor_(std::move(executor)) {}

bool EventStreamSession::subscribe(EventFilter filter, std::optional<uint64_t> replay_from) {
  {
    std::lock_guard lock(q_mu_);
    q_writing_ = true;  // nothing is written before the handshake response
  }
  if (replay_from) replay_next_ = *replay_from;
  replay_filter_ = filter;
  return server_.hub->subscribe(weak_from_this(), std::move(filter), ticket_->ip(),
                                replay_from ? &replay_end_ : nullptr);
}

void EventStreamSession::start(SessionStream&& stream, Request&& request) {
  ticket_->set_owner(weak_from_this());
  ws_.emplace(std::move(stream));
  beast::get_lowest_layer(*ws_).expires_never();  // the stream's own timeouts below
  // A flood is cut off at once, without a close handshake.
  beast::get_lowest_layer(*ws_).rate_policy().arm([weak = weak_from_this()] {
    if (auto self = weak.lock()) net::post(self->executor_, [self] { self->finish(); });
  });
  ws_->set_option(
      websocket::stream_base::timeout{config().header_timeout, config().idle_timeout, true});
  ws_->set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "wattle"); }));
  ws_->read_message_max(kMaxStreamClientMessage);
  timer_.emplace(executor_);
  request_.emplace(std::move(request));
  ws_->async_accept(*request_,
                    beast::bind_front_handler(&EventStreamSession::on_accept, shared_from_this()));
}

bool EventStreamSession::offer(const std::shared_ptr<const std::string>& message) {
  bool start_write = false, overflow = false;
  {
    std::lock_guard lock(q_mu_);
    if (q_closed_) return false;
    if (q_.size() >= config().event_queue) {
      overflow = q_closed_ = true;
      q_.clear();
    } else {
      q_.push_back(message);
      start_write = !q_writing_;
      q_writing_ = true;
    }
  }
  if (start_write) {
    net::post(executor_,
              beast::bind_front_handler(&EventStreamSession::write_next, shared_from_this()));
    return true;
  }
  if (!overflow) return true;  // a write is under way; it will take this one too
  server_.hub->count_dropped();
  net::post(executor_, [self = shared_from_this()] {
    self->close("too slow: more than " + std::to_string(self->config().event_queue) +
                " events queued");
  });
  return false;
}

void EventStreamSession::on_evicted() {
  net::post(executor_, [self = shared_from_this()] {
    self->close("evicted to make room for another client's stream");
  });
}

void EventStreamSession::evict() {
  net::post(executor_, [self = shared_from_this()] { self->close_socket(); });
}

void EventStreamSession::on_accept(beast::error_code ec) {
  request_.reset();
  if (ec) return finish();
  accepted_ = true;
  if (closing_) return send_close();  // evicted or closed during the handshake
  ws_->text(true);
  read();
  write_next();
}

void EventStreamSession::read() {
  ws_->async_read(in_, beast::bind_front_handler(&EventStreamSession::on_read, shared_from_this()));
}

void EventStreamSession::on_read(beast::error_code ec, size_t) {
  if (ec) return finish();  // the client closed, went silent, or sent too much
  in_.consume(in_.size());
  read();
}

// Writes the replay's next message, else the queue's front message, if any,
// under write_timeout; the message leaves its queue once written.
void EventStreamSession::write_next() {
  std::shared_ptr<const std::string> message;
  if (replay_q_.empty() && !closing_) fill_replay();
  if (!replay_q_.empty() && !closing_) {
    message = replay_q_.front();
  } else {
    std::lock_guard lock(q_mu_);
    if (q_closed_ || q_.empty() || closing_) {
      q_writing_ = false;
      return;
    }
    message = q_.front();
  }
  arm_timer(config().write_timeout, [](EventStreamSession& s) {
    s.server_.hub->count_dropped();
    s.finish();  // the client stopped reading: a close frame would not get through
  });
  ws_->async_write(
      net::buffer(*message),
      [self = shared_from_this(), message](beast::error_code ec, size_t) { self->on_write(ec); });
}

void EventStreamSession::on_write(beast::error_code ec) {
  ++timer_gen_;  // disarms the write timeout
  if (ec) return finish();
  if (!replay_q_.empty()) {
    replay_q_.pop_front();
  } else {
    std::lock_guard lock(q_mu_);
    if (!q_.empty()) q_.pop_front();
  }
  write_next();
}

// Queues the next at most kReplayChunk replayed messages (heights
// replay_next_..replay_end_, read from the store a block at a time), so a
// replay holds one block's events and one chunk of text at most.
void EventStreamSession::fill_replay() {
  while (replay_q_.empty() && replay_next_ != 0 && replay_next_ <= replay_end_) {
    if (replay_pos_ == 0 && !replay_block()) return;
    while (replay_pos_ < replay_events_.size() && replay_q_.size() < kReplayChunk) {
      chain::Event e = replay_events_[replay_pos_++];
      e.seq = 0;  // seq numbers the live stream of one process; the cursor is durable
      auto message = event_json(e, *replay_block_);
      if (message && event_matches(replay_filter_, *message))
        replay_q_.push_back(std::make_shared<const std::string>(
            message->dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    if (replay_pos_ == replay_events_.size()) {
      replay_pos_ = 0;
      replay_events_.clear();
      replay_block_.reset();
      ++replay_next_;
    }
  }
}

// Loads block replay_next_ and its events. A block the store cannot give
// (pruned, or from before events were stored) ends the replay with a
// "missed" message naming it: false.
bool EventStreamSession::replay_block() {
  auto events = server_.chain.committed_events(replay_next_);
  auto block = events ? server_.chain.block(replay_next_) : Result<chain::Block>(events.status());
  if (!block) {
    replay_q_.push_back(std::make_shared<const std::string>(json{
        {"type", "missed"},
        {"seq", 0},
        {"message", "cannot replay block " + std::to_string(replay_next_) + ": " +
                        block.status().message()}}.dump(-1, ' ', false,
                                                        json::error_handler_t::replace)));
    replay_next_ = 0;
    return false;
  }
  replay_events_ = std::move(events).value();
  replay_block_ = std::move(block).value();
  return true;
}

// Closes the stream with 1008 and `reason` (after the write under way, if
// any); a client that has not taken the close frame within write_timeout is
// cut off.
void EventStreamSession::close(const std::string& reason) {
  if (closing_) return;
  closing_ = true;
  {
    std::lock_guard lock(q_mu_);
    q_closed_ = true;
    q_.clear();
  }
  arm_timer(config().write_timeout, [](EventStreamSession& s) { s.finish(); });
  close_reason_ = reason;
  // The handshake's answer may still be on its way (the client can see 101
  // before on_accept runs): the close frame then follows it in on_accept.
  if (accepted_) send_close();
}

void EventStreamSession::send_close() {
  ws_->async_close(websocket::close_reason(websocket::close_code::policy_error, close_reason_),
                   [self = shared_from_this()](beast::error_code) {});
}

// Ends the stream at once: the pending read and write fail and the session
// is destroyed when they return.
void EventStreamSession::finish() {
  {
    std::lock_guard lock(q_mu_);
    q_closed_ = true;
    q_.clear();
  }
  ++timer_gen_;
  if (timer_) timer_->cancel();
  close_socket();
}

void EventStreamSession::close_socket() {
  beast::error_code ignored;
  if (ws_) beast::get_lowest_layer(*ws_).socket().close(ignored);
}

// One timer serves the write timeout and the close deadline; a generation
// number makes a wait that was overtaken (completed just as it was re-armed)
// do nothing.
void EventStreamSession::arm_timer(std::chrono::steady_clock::duration after,
                                   void (*fire)(EventStreamSession&)) {
  const uint64_t gen = ++timer_gen_;
  timer_->expires_after(after);
  timer_->async_wait([self = shared_from_this(), gen, fire](beast::error_code ec) {
    if (!ec && gen == self->timer_gen_) fire(*self);
  });
}

}  // namespace wattle::rpc
