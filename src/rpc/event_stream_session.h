// EventStreamSession: one GET /v1/events WebSocket stream (RFC 6455) of the
// HTTP server (rpc/http_server.h describes the behaviour a client sees;
// docs/rpc.md). An HttpSession checks the upgrade request, then hands this
// session the connection (its stream, request and admission ticket).
//
// Promises:
// - Subscribed to the EventHub before the handshake is answered, so the
//   client gets every event committed after its handshake returns; with a
//   replay, first the committed events of heights from..head, built
//   kReplayChunk messages at a time (a block the store cannot give ends the
//   replay with a "missed" message).
// - Bounded: at most event_queue live messages queued (one more closes the
//   stream with 1008 and a reason); what the client sends is discarded, in
//   messages of at most kMaxStreamClientMessage bytes, within the
//   ClientBytes budget (session_stream.h); more ends the stream at once.
// - A message not written within write_timeout ends the stream at once; a
//   close frame not taken within write_timeout too. The client is pinged;
//   one that answers nothing for idle_timeout is dropped.
// - offer() and on_evicted() may be called from any thread and never block;
//   everything else runs on the connection's strand.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "chain/block.h"
#include "chain/events.h"
#include "rpc/admission.h"
#include "rpc/event_stream.h"
#include "rpc/server_context.h"
#include "rpc/session_stream.h"

namespace wattle::rpc {

// GET /v1/events?from_height=H replays at most this many blocks back from the head.
inline constexpr uint64_t kMaxReplayBlocks = 1'000;

class EventStreamSession : public std::enable_shared_from_this<EventStreamSession>,
                           public EventSubscriber,
                           public Admission::Evictable {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  EventStreamSession(ServerContext& server, std::shared_ptr<Admission::Ticket> ticket,
                     SessionStream::executor_type executor);

  // Subscribes with `filter`, replaying from `replay_from` (>= 1) if given.
  // False: over the subscriber limits (the caller answers 503).
  bool subscribe(EventFilter filter, std::optional<uint64_t> replay_from);
  // Takes over the connection and answers the handshake. Precondition:
  // subscribe() returned true; on the connection's strand.
  void start(SessionStream&& stream, Request&& request);

  // EventSubscriber, on the hub thread: queue the message and get the
  // strand writing if it is not; a full queue closes the stream instead
  // (never waits, never grows past event_queue).
  bool offer(const std::shared_ptr<const std::string>& message) override;
  // EventSubscriber, from the hub (any thread): close with 1008 on the strand.
  void on_evicted() override;
  // Admission::Evictable: close the socket on the strand.
  void evict() override;
  // Closes the socket now (on the strand): the pending read and write fail.
  void close_socket();

 private:
  const HttpServerConfig& config() const { return server_.config; }
  void on_accept(boost::beast::error_code ec);
  void read();
  void on_read(boost::beast::error_code ec, size_t);
  void write_next();
  void on_write(boost::beast::error_code ec);
  void fill_replay();
  bool replay_block();
  void close(const std::string& reason);
  void send_close();
  void finish();
  void arm_timer(std::chrono::steady_clock::duration after, void (*fire)(EventStreamSession&));

  ServerContext& server_;
  const std::shared_ptr<Admission::Ticket> ticket_;  // the connection's place
  const SessionStream::executor_type executor_;      // the connection's strand
  std::optional<boost::beast::websocket::stream<SessionStream>> ws_;
  std::optional<Request> request_;  // until the handshake is answered
  std::optional<boost::asio::steady_timer> timer_;
  boost::beast::flat_buffer in_;
  uint64_t timer_gen_ = 0;
  bool accepted_ = false;
  bool closing_ = false;
  std::string close_reason_;  // the 1008 close frame's reason, once closing_
  // q_mu_ guards what offer() shares with the strand: the queue and its two flags.
  std::mutex q_mu_;
  std::deque<std::shared_ptr<const std::string>> q_;  // at most event_queue messages
  bool q_writing_ = false;  // a write_next is posted or a write is under way
  bool q_closed_ = false;   // the stream is ending: offer() refuses
  // The replay (strand only): heights replay_next_..replay_end_ (0: none).
  EventFilter replay_filter_;
  uint64_t replay_next_ = 0;
  uint64_t replay_end_ = 0;
  size_t replay_pos_ = 0;  // next event of replay_events_
  std::vector<chain::Event> replay_events_;
  std::optional<chain::Block> replay_block_;
  std::deque<std::shared_ptr<const std::string>> replay_q_;  // at most kReplayChunk
};

}  // namespace wattle::rpc
