#include "net/connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "net/frame.h"
#include "net/message.h"

namespace wattle::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// A write batch stops growing past this, so one busy peer cannot make us
// build an unbounded buffer (each queue is bounded anyway; this bounds the copy).
constexpr size_t kMaxWriteBatch = 256u << 10;
}  // namespace

Connection::Connection(tcp::socket socket, Role role, const KeyPair& node_key,
                       const SwitchConfig& config, std::shared_ptr<Metrics> metrics,
                       ConnectionHost* host)
    : socket_(std::move(socket)),
      role_(role),
      limits_(config.limits),
      metrics_(std::move(metrics)),
      host_(host),
      handshake_timer_(socket_.get_executor()),
      ping_timer_(socket_.get_executor()),
      read_timer_(socket_.get_executor()),
      handshake_(role, node_key, config.network_id),
      chunk_(std::make_unique<std::array<uint8_t, 64 * 1024>>()),
      last_rx_(Clock::now()),
      frame_bucket_(limits_.recv_frames_per_s, limits_.recv_frames_burst, last_rx_),
      byte_bucket_(limits_.recv_bytes_per_s, limits_.recv_bytes_burst, last_rx_) {}

void Connection::start_accepted() {
  state_ = State::kHandshake;
  begin_handshake();
}

void Connection::start_dial(const tcp::resolver::results_type& endpoints) {
  state_ = State::kConnecting;
  begin_handshake();  // arms the timeout now, so a black-holed connect is bounded too
  asio::async_connect(socket_, endpoints,
                      [self = shared_from_this()](const error_code& ec, const tcp::endpoint&) {
                        if (self->closed()) return;
                        if (ec)
                          return self->close(Status(Code::kIoError, "connect: " + ec.message()));
                        self->state_ = State::kHandshake;
                        self->flush();
                        self->read_more();
                      });
}

void Connection::begin_handshake() {
  handshake_timer_.expires_after(limits_.handshake_timeout);
  handshake_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed() || self->state_ == State::kOpen) return;
    self->close(Status(Code::kUnavailable, "handshake timed out"));
  });
  queue_raw_frame(handshake_.hello());
  if (state_ == State::kHandshake) {
    flush();
    read_more();
  }
}

void Connection::read_more() {
  socket_.async_read_some(
      asio::buffer(*chunk_), [self = shared_from_this()](const error_code& ec, size_t n) {
        if (self->closed()) return;
        if (ec) {
          // A peer that vanishes between a frame's header and its end is told
          // apart from a clean close: it is counted, and nothing half-read is used.
          if (!self->rx_.empty()) {
            bump(self->metrics_->frames_truncated);
            return self->close(Status(Code::kMalformed, "disconnected mid-frame"));
          }
          return self->close(Status(Code::kUnavailable, "peer closed: " + ec.message()));
        }
        self->on_bytes(n);
        if (self->closed()) return;
        // Bandwidth over the limit is slowed, not dropped: we stop reading
        // until the debt is repaid and TCP flow control slows the sender, so
        // a busy honest peer (block sync) loses nothing and is never scored.
        const auto wait = self->byte_bucket_.charge(static_cast<double>(n), Clock::now());
        if (wait.count() == 0) return self->read_more();
        self->read_timer_.expires_after(wait);
        self->read_timer_.async_wait([self](const error_code& ec) {
          if (!ec && !self->closed()) self->read_more();
        });
      });
}

void Connection::on_bytes(size_t n) {
  rx_.insert(rx_.end(), chunk_->begin(), chunk_->begin() + static_cast<std::ptrdiff_t>(n));
  size_t off = 0;
  while (!closed()) {
    // Until the peer is authenticated it may only send handshake-sized frames.
    const size_t limit = state_ == State::kOpen ? limits_.max_frame_bytes : kMaxHandshakeFrameBytes;
    auto frame = decode_frame(ByteView(rx_).subspan(off), limit);
    Status st = frame.status();
    if (st.is_ok()) {
      if (!frame->has_value()) break;
      off += (*frame)->consumed;
      // Only whole frames count as signs of life: a peer trickling one
      // frame's bytes forever (slowloris after the handshake) goes idle.
      last_rx_ = Clock::now();
      st = on_frame((*frame)->body);
    }
    if (!st.is_ok()) {
      if (state_ == State::kOpen) {
        bump(metrics_->protocol_errors);
        score_.penalize(kPenaltyProtocolViolation);
      }
      return close(st);
    }
  }
  if (!closed()) rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(off));
}

Status Connection::on_frame(ByteView body) {
  return state_ == State::kOpen ? on_sealed_frame(body) : on_handshake_frame(body);
}

Status Connection::on_handshake_frame(ByteView body) {
  if (!sent_auth_) {
    auto auth = handshake_.on_remote_hello(body);
    if (!auth) return auth.status();
    queue_raw_frame(*auth);
    sent_auth_ = true;
    flush();
    return Status::ok();
  }
  auto id = handshake_.on_remote_auth(body);
  if (!id) return id.status();
  remote_id_ = *id;
  if (expected_ && *expected_ != remote_id_) {
    return Status(Code::kUnauthorized, "the peer at this address is not " + expected_->hex());
  }
  cipher_ = handshake_.take_cipher();
  handshake_timer_.cancel();
  state_ = State::kOpen;
  Status admitted =
      host_ ? host_->admit(shared_from_this()) : Status(Code::kUnavailable, "switch stopped");
  if (!admitted) {
    state_ = State::kHandshake;  // refused peers are not counted as protocol offenders
    return admitted;
  }
  arm_ping();
  flush();
  return Status::ok();
}

Status Connection::on_sealed_frame(ByteView body) {
  auto plain = cipher_->open(body);
  if (!plain) return plain.status();
  std::optional<ChannelId> channel;  // none for a keepalive (an empty message)
  if (!plain->empty()) {
    auto msg = decode_message(*plain);
    if (!msg) return msg.status();
    channel = msg->channel;
  }
  // Decrypting first is unavoidable (the stream is ordered); what the limit
  // saves is everything after: the reactors' work on a flood.
  const auto now = Clock::now();
  if (!frame_bucket_.try_take(1, now)) {
    if (channel) bump(metrics_->channel(*channel).frames_dropped);
    penalize(kPenaltyRateLimited, "over the receive rate limit");
    return Status::ok();
  }
  if (!channel) return Status::ok();
  ByteView payload = ByteView(*plain).subspan(kMessageOverhead);
  auto& counters = metrics_->channel(*channel);
  bump(counters.frames_in);
  bump(counters.bytes_in, payload.size());
  if (host_) host_->on_message(*this, *channel, payload);
  return Status::ok();
}

Status Connection::send(ChannelId channel, ByteView payload) {
  if (state_ != State::kOpen) return Status(Code::kUnavailable, "peer not connected");
  if (kMessageOverhead + payload.size() + kSealOverhead > limits_.max_frame_bytes) {
    return Status(Code::kTooLarge, "message over the frame limit");
  }
  const size_t i = index_of(channel);
  const ChannelPolicy& policy = limits_.channels[i];
  if (queues_[i].size() >= policy.max_queued_messages ||
      queued_bytes_[i] + payload.size() > policy.max_queued_bytes ||
      total_queued_ + payload.size() > limits_.max_send_queue_bytes) {
    bump(metrics_->channel(channel).frames_dropped);
    return Status(Code::kUnavailable, std::string(channel_name(channel)) + " send queue full");
  }
  queues_[i].push_back(encode_message(channel, payload));
  queued_bytes_[i] += payload.size();
  total_queued_ += payload.size();
  flush();
  return Status::ok();
}

void Connection::queue_raw_frame(ByteView body) {
  raw_out_.emplace_back(body.begin(), body.end());
}

void Connection::flush() {
  if (writing_ || closed() || state_ == State::kConnecting) return;
  write_buf_.clear();
  for (const Bytes& f : raw_out_) append_frame(write_buf_, f);
  raw_out_.clear();
  if (state_ == State::kOpen) {
    if (keepalive_due_) {
      append_frame(write_buf_, cipher_->seal({}));
      keepalive_due_ = false;
    }
    // Strict priority: the lowest channel id with anything queued goes first.
    for (size_t i = 0; i < kChannelCount && write_buf_.size() < kMaxWriteBatch; ++i) {
      auto& q = queues_[i];
      auto& counters = metrics_->channels[i];
      while (!q.empty() && write_buf_.size() < kMaxWriteBatch) {
        const size_t payload = q.front().size() - kMessageOverhead;
        append_frame(write_buf_, cipher_->seal(q.front()));
        queued_bytes_[i] -= payload;
        total_queued_ -= payload;
        bump(counters.frames_out);
        bump(counters.bytes_out, payload);
        q.pop_front();
      }
    }
  }
  if (write_buf_.empty()) return;
  writing_ = true;
  write_started_ = Clock::now();
  asio::async_write(socket_, asio::buffer(write_buf_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (self->closed()) return;
                      self->writing_ = false;
                      if (ec) return self->close(Status(Code::kIoError, "write: " + ec.message()));
                      self->flush();
                    });
}

void Connection::arm_ping() {
  ping_timer_.expires_after(limits_.ping_interval);
  ping_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed()) return;
    const auto now = Clock::now();
    if (now - self->last_rx_ > self->limits_.idle_timeout) {
      return self->close(Status(Code::kUnavailable, "peer idle too long"));
    }
    // A write that makes no progress means the peer stopped reading (its
    // TCP window is shut): our queues would stay full for it forever.
    if (self->writing_ && now - self->write_started_ > self->limits_.idle_timeout) {
      return self->close(Status(Code::kUnavailable, "peer stopped reading"));
    }
    self->keepalive_due_ = true;
    self->flush();
    self->arm_ping();
  });
}

void Connection::penalize(int points, std::string_view reason) {
  score_.penalize(points);
  if (score_.should_ban() && !closed()) {
    close(Status(Code::kUnauthorized, "peer misbehaved: " + std::string(reason)));
  }
}

void Connection::close(const Status& why) {
  if (closed()) return;
  closed_from_ = state_;
  state_ = State::kClosed;
  error_code ignored;
  handshake_timer_.cancel();
  ping_timer_.cancel();
  read_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  for (auto& q : queues_) std::deque<Bytes>().swap(q);
  raw_out_.clear();
  if (ConnectionHost* host = host_) {
    host_ = nullptr;
    host->on_closed(shared_from_this(), why);
  }
}

}  // namespace wattle::net
