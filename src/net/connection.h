// Connection: one TCP connection to a peer — its handshake, the encrypted
// frame stream, the per-channel send queues and the receive-side limits.
// The Switch creates and owns the policy (admission, bans, reconnects); a
// Connection only enforces what one socket needs, and reports to its host.
//
// Lifecycle: start_accepted()/start_dial() -> handshake (bounded by
// Limits::handshake_timeout) -> host.admit() -> open -> close(). close() is
// idempotent, runs host.on_closed() exactly once (unless detached) and
// leaves the object inert: every pending asio handler sees the closed state
// and returns, so a Connection may outlive its Switch by a few handlers
// (they hold a shared_ptr to it, and the counters are shared too).
//
// Memory per connection is bounded: the receive buffer holds at most one
// frame of the current limit plus one read chunk, the send queues are bounded
// per channel (channel.h) and in total (Limits::max_send_queue_bytes), and
// the write batch is capped. A peer that stops reading is dropped after
// Limits::idle_timeout rather than holding its queues full forever.
//
// Thread safety: none. Everything runs on the io_context's single thread,
// including the host callbacks, which may call back into the Connection.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>

#include "net/config.h"
#include "net/handshake.h"
#include "net/metrics.h"
#include "net/peer_score.h"
#include "net/token_bucket.h"

namespace wattle::net {

class Connection;

// What a Connection tells its owner. Implemented by Switch.
class ConnectionHost {
 public:
  // The handshake proved the peer's node id: ok keeps the connection, an
  // error closes it with that status (refused: unknown key, banned, full...).
  virtual Status admit(const std::shared_ptr<Connection>& conn) = 0;
  virtual void on_message(Connection& conn, ChannelId channel, ByteView payload) = 0;
  virtual void on_closed(const std::shared_ptr<Connection>& conn, const Status& why) = 0;

 protected:
  ~ConnectionHost() = default;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using tcp = boost::asio::ip::tcp;
  enum class State { kConnecting, kHandshake, kOpen, kClosed };

  Connection(tcp::socket socket, Role role, const KeyPair& node_key, const SwitchConfig& config,
             std::shared_ptr<Metrics> metrics, ConnectionHost* host);

  // Inbound: the socket is connected; start the handshake.
  void start_accepted();
  // Outbound: connect to one of `endpoints`, then handshake; the handshake
  // timeout covers the TCP connect too.
  void start_dial(const tcp::resolver::results_type& endpoints);

  // Queues one message. kUnavailable when not open or the channel's queue is
  // full (counted in frames_dropped), kTooLarge over the frame limit.
  Status send(ChannelId channel, ByteView payload);
  // Closes the socket; `why` is what the host's on_closed receives.
  void close(const Status& why);
  // Stop reporting to the host (its owner is going away); does not close.
  void detach() { host_ = nullptr; }
  // Lowers the score; at the ban threshold the connection closes itself.
  void penalize(int points, std::string_view reason);

  State state() const { return state_; }
  bool closed() const { return state_ == State::kClosed; }
  // The state close() found: tells a failed TCP connect from a failed handshake.
  State closed_from() const { return closed_from_; }
  Role role() const { return role_; }
  // The verified node id; meaningful once the handshake is done.
  const PublicKey& remote_id() const { return remote_id_; }
  bool should_ban() const { return score_.should_ban(); }
  int score() const { return score_.value(); }
  // The dialed address's expected node id (outbound only): the handshake
  // must prove exactly this key.
  void expect_remote(const PublicKey& id) { expected_ = id; }
  const std::optional<PublicKey>& expected_remote() const { return expected_; }

 private:
  using Clock = std::chrono::steady_clock;
  void begin_handshake();
  void read_more();
  void on_bytes(size_t n);
  Status on_frame(ByteView body);
  Status on_handshake_frame(ByteView body);
  Status on_sealed_frame(ByteView body);
  void queue_raw_frame(ByteView body);
  void flush();
  void arm_ping();

  tcp::socket socket_;
  Role role_;
  const Limits limits_;
  std::shared_ptr<Metrics> metrics_;
  ConnectionHost* host_;
  boost::asio::steady_timer handshake_timer_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer read_timer_;  // resumes reading after a throttle
  Handshake handshake_;
  std::optional<SessionCipher> cipher_;
  PublicKey remote_id_{};
  std::optional<PublicKey> expected_;
  State state_ = State::kConnecting;
  State closed_from_ = State::kConnecting;
  bool sent_auth_ = false;

  Bytes rx_;  // bytes received and not yet a whole frame
  std::unique_ptr<std::array<uint8_t, 64 * 1024>> chunk_;
  Clock::time_point last_rx_;  // when the last whole frame arrived

  std::deque<Bytes> raw_out_;  // handshake frames, sent before anything else
  std::array<std::deque<Bytes>, kChannelCount> queues_;  // encoded messages
  std::array<size_t, kChannelCount> queued_bytes_{};
  size_t total_queued_ = 0;  // payload bytes over all queues
  bool keepalive_due_ = false;
  Bytes write_buf_;
  bool writing_ = false;
  Clock::time_point write_started_;  // of the write in flight

  TokenBucket frame_bucket_;
  TokenBucket byte_bucket_;
  PeerScore score_;
};

}  // namespace wattle::net
