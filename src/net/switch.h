// Switch: the node's peer-to-peer endpoint (CometBFT's p2p.Switch). It
// listens, dials the persistent peers and redials them with backoff, admits
// only allowed node ids, bans misbehaving ones for a while, and moves
// channel messages between the node and its peers.
//
//   asio::io_context io;
//   net::Switch sw(io, node_key, config);
//   sw.on_receive([&](const PublicKey& peer, net::ChannelId ch, ByteView msg) { ... });
//   Status st = sw.start();   // binds and starts dialing; then io.run()
//   sw.send(peer, net::ChannelId::kConsensus, vote_bytes);
//   sw.broadcast(net::ChannelId::kTxGossip, tx_bytes);
//
// Threading: the io_context must be run by ONE thread, and every member
// function must be called on it (from a callback, or through
// boost::asio::post(io, ...)); callbacks run on it too. The exception is
// metrics(), whose counters are atomics readable from any thread.
// Callbacks may call back into the Switch (send, disconnect, report...);
// they must not throw (an exception would leave io_context::run()).
//
// Ownership: the Switch owns its connections; destroy it (or call stop())
// before the io_context. After stop() no callback runs and nothing is sent.
//
// Errors: nothing throws across this API; failures come back as Status
// (start: kIoError / kInvalidArgument; send: kNotFound, kUnavailable when the
// channel's queue is full — see channel.h for the per-channel policy —
// kTooLarge over the frame limit).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "net/backoff.h"
#include "net/ban_list.h"
#include "net/config.h"
#include "net/connection.h"
#include "net/metrics.h"

namespace wattle::net {

class Switch : private ConnectionHost {
 public:
  using ReceiveFn = std::function<void(const PublicKey& peer, ChannelId channel, ByteView payload)>;
  using PeerFn = std::function<void(const PublicKey& peer)>;

  Switch(boost::asio::io_context& io, const KeyPair& node_key, SwitchConfig config);
  ~Switch();
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;

  // Set before start(). The payload view is valid during the call only.
  void on_receive(ReceiveFn fn) { on_receive_ = std::move(fn); }
  void on_peer_connected(PeerFn fn) { on_connected_ = std::move(fn); }
  void on_peer_disconnected(PeerFn fn) { on_disconnected_ = std::move(fn); }

  // Binds the listen address (if any) and dials every persistent peer.
  Status start();
  // Closes every connection and the listener; cancels redials. Idempotent.
  void stop();

  // The bound port (useful with listen_port 0); 0 if not listening.
  uint16_t listen_port() const { return bound_port_; }
  const PublicKey& node_id() const { return node_key_.public_key(); }

  Status send(const PublicKey& peer, ChannelId channel, ByteView payload);
  // Queues to every connected peer; returns to how many it was queued (peers
  // whose queue is full are skipped and counted in frames_dropped).
  size_t broadcast(ChannelId channel, ByteView payload);
  // A reactor found the peer misbehaving (bad signature, far-future height,
  // a block with a bad certificate...): lowers its score, which at
  // kBanThreshold disconnects and bans it.
  void report_misbehavior(const PublicKey& peer, int penalty, std::string_view reason);
  // Closes the connection to `peer`, if any (a persistent peer is redialled).
  void disconnect(const PublicKey& peer);

  std::vector<PublicKey> peers() const;
  bool is_connected(const PublicKey& peer) const { return peers_.count(peer) != 0; }
  bool is_banned(const PublicKey& peer);
  const Metrics& metrics() const { return *metrics_; }

 private:
  using tcp = boost::asio::ip::tcp;
  using Clock = std::chrono::steady_clock;
  struct Persistent {
    PeerAddress address;
    Backoff backoff;
    std::unique_ptr<boost::asio::steady_timer> timer;
    bool busy = false;  // a dial or a wait for the next dial is in progress
  };

  Status admit(const std::shared_ptr<Connection>& conn) override;
  void on_message(Connection& conn, ChannelId channel, ByteView payload) override;
  void on_closed(const std::shared_ptr<Connection>& conn, const Status& why) override;

  void accept_next();
  // Closes pending inbound handshakes until `source` fits both budgets;
  // false if the budgets are zero (nothing may be accepted).
  bool make_room_for(const boost::asio::ip::address& source);
  void dial(Persistent& p);
  void schedule_dial(Persistent& p);
  bool allowed(const PublicKey& id) const;
  std::shared_ptr<Connection> make_connection(tcp::socket socket, Role role);

  boost::asio::io_context& io_;
  // Handlers hold a weak_ptr to this token and return if it expired: a
  // completion queued before the Switch died must not touch it.
  std::shared_ptr<char> life_ = std::make_shared<char>();
  KeyPair node_key_;
  SwitchConfig config_;
  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<tcp::resolver> resolver_;
  uint16_t bound_port_ = 0;
  bool running_ = false;

  // Connections in the handshake. Inbound ones carry their source address
  // and arrival order, for the per-address budget and eviction (config.h).
  struct Pending {
    std::optional<boost::asio::ip::address> source;  // none for our own dials
    uint64_t order = 0;
  };
  std::map<std::shared_ptr<Connection>, Pending> pending_;
  uint64_t next_pending_order_ = 0;
  std::map<PublicKey, std::shared_ptr<Connection>> peers_;
  std::map<PublicKey, Persistent> persistent_;
  BanList bans_;

  ReceiveFn on_receive_;
  PeerFn on_connected_;
  PeerFn on_disconnected_;
};

}  // namespace wattle::net
