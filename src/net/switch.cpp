#include "net/switch.h"

#include <sodium.h>

#include <algorithm>

#include "net/frame.h"
#include "net/message.h"

namespace wattle::net {

namespace asio = boost::asio;
using boost::system::error_code;

Switch::Switch(asio::io_context& io, const KeyPair& node_key, SwitchConfig config)
    : io_(io), node_key_(node_key), config_(std::move(config)), bans_(config_.limits.max_bans) {
  crypto_init();
  auto& max_frame = config_.limits.max_frame_bytes;
  max_frame = std::clamp(max_frame, kMessageOverhead + kSealOverhead + 1, kFrameBodyHardLimit);
  for (const PeerAddress& addr : config_.persistent_peers) {
    if (addr.id == node_key_.public_key()) continue;  // a shared peer list may name us
    Persistent p{addr, Backoff(config_.limits.backoff_base, config_.limits.backoff_cap),
                 std::make_unique<asio::steady_timer>(io_)};
    persistent_.insert_or_assign(addr.id, std::move(p));
  }
}

Switch::~Switch() {
  stop();
}

Status Switch::start() {
  if (running_) return Status(Code::kInternal, "switch already started");
  if (config_.network_id.empty() || config_.network_id.size() > kMaxNetworkIdBytes) {
    return Status(Code::kInvalidArgument, "network id must be 1..64 bytes");
  }
  resolver_ = std::make_unique<tcp::resolver>(io_);
  if (!config_.listen_host.empty()) {
    error_code ec;
    const auto address = asio::ip::make_address(config_.listen_host, ec);
    if (ec) return Status(Code::kInvalidArgument, "listen address: " + ec.message());
    const tcp::endpoint endpoint(address, config_.listen_port);
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    // reuse_address: a restarted node must get its port back while old
    // connections sit in TIME_WAIT.
    if (acceptor_->open(endpoint.protocol(), ec) ||
        acceptor_->set_option(tcp::acceptor::reuse_address(true), ec) ||
        acceptor_->bind(endpoint, ec) ||
        acceptor_->listen(asio::socket_base::max_listen_connections, ec)) {
      acceptor_.reset();
      return Status(Code::kIoError, "listen on " + config_.listen_host + ":" +
                                        std::to_string(config_.listen_port) + ": " + ec.message());
    }
    bound_port_ = acceptor_->local_endpoint(ec).port();
  }
  running_ = true;
  if (acceptor_) accept_next();
  for (auto& [id, p] : persistent_) dial(p);
  return Status::ok();
}

void Switch::stop() {
  if (!running_) return;
  running_ = false;
  error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (resolver_) resolver_->cancel();
  for (auto& [id, p] : persistent_) p.timer->cancel();
  // Detach first: closing must not call back into a Switch that is stopping.
  auto close_quietly = [](const std::shared_ptr<Connection>& c) {
    c->detach();
    c->close(Status(Code::kUnavailable, "switch stopped"));
  };
  for (const auto& [c, info] : pending_) close_quietly(c);
  for (const auto& [id, c] : peers_) close_quietly(c);
  pending_.clear();
  peers_.clear();
  metrics_->peers.store(0, std::memory_order_relaxed);
}

std::shared_ptr<Connection> Switch::make_connection(tcp::socket socket, Role role) {
  return std::make_shared<Connection>(std::move(socket), role, node_key_, config_, metrics_,
                                      static_cast<ConnectionHost*>(this));
}

void Switch::accept_next() {
  acceptor_->async_accept(
      [this, life = std::weak_ptr<char>(life_)](const error_code& ec, tcp::socket socket) {
        if (life.expired() || !running_) return;
        if (ec) {
          if (ec != asio::error::operation_aborted) accept_next();
          return;
        }
        // Sockets still in the handshake are bounded separately from peers, so
        // silent (slowloris) connections cannot crowd out authenticated ones.
        error_code endpoint_ec;
        const tcp::endpoint remote = socket.remote_endpoint(endpoint_ec);
        if (endpoint_ec || !make_room_for(remote.address())) {
          bump(metrics_->peers_refused);
          error_code ignored;
          socket.close(ignored);
        } else {
          auto conn = make_connection(std::move(socket), Role::kListener);
          pending_.emplace(conn, Pending{remote.address(), next_pending_order_++});
          conn->start_accepted();
        }
        accept_next();
      });
}

bool Switch::make_room_for(const asio::ip::address& source) {
  const Limits& l = config_.limits;
  if (l.max_pending_handshakes == 0 || l.max_pending_handshakes_per_address == 0) return false;
  for (;;) {
    // A few dozen entries at most: a scan is cheaper than keeping indexes.
    std::map<asio::ip::address, size_t> per_address;
    std::map<asio::ip::address, std::shared_ptr<Connection>> oldest;
    size_t inbound = 0;
    for (const auto& [conn, info] : pending_) {
      if (!info.source) continue;  // our dials are outside the inbound budget
      ++inbound;
      ++per_address[*info.source];
      auto& o = oldest[*info.source];
      if (!o || info.order < pending_.at(o).order) o = conn;
    }
    std::shared_ptr<Connection> victim;
    if (auto mine = per_address.find(source);
        mine != per_address.end() && mine->second >= l.max_pending_handshakes_per_address) {
      victim = oldest[source];
    } else if (inbound >= l.max_pending_handshakes) {
      // The address holding the most gives way (the oldest of it): a crowd
      // from many addresses still only evicts the oldest crowd members.
      auto most =
          std::max_element(per_address.begin(), per_address.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; });
      victim = oldest[most->first];
    } else {
      return true;
    }
    bump(metrics_->handshakes_evicted);
    // close() runs on_closed, which erases it from pending_.
    victim->close(Status(Code::kUnavailable, "handshake evicted: pending slots full"));
    pending_.erase(victim);  // in case it was already closed (detached)
  }
}

void Switch::dial(Persistent& p) {
  p.busy = true;
  bump(metrics_->dials);
  const PublicKey id = p.address.id;
  resolver_->async_resolve(p.address.host, std::to_string(p.address.port),
                           [this, life = std::weak_ptr<char>(life_), id](
                               const error_code& ec, tcp::resolver::results_type results) {
                             if (life.expired() || !running_) return;
                             Persistent& p = persistent_.at(id);
                             if (ec) {
                               p.busy = false;
                               return schedule_dial(p);
                             }
                             auto conn = make_connection(tcp::socket(io_), Role::kDialer);
                             conn->expect_remote(id);
                             pending_.emplace(conn, Pending{std::nullopt, next_pending_order_++});
                             conn->start_dial(results);
                           });
}

void Switch::schedule_dial(Persistent& p) {
  const PublicKey id = p.address.id;
  if (!running_ || p.busy || is_connected(id)) return;
  p.busy = true;
  p.timer->expires_after(p.backoff.next(randombytes_random()));
  p.timer->async_wait([this, life = std::weak_ptr<char>(life_), id](const error_code& ec) {
    if (life.expired() || ec || !running_) return;
    Persistent& p = persistent_.at(id);
    p.busy = false;
    if (is_connected(id)) return;
    // A banned peer is retried only after its ban (the backoff keeps growing).
    if (bans_.is_banned(id, Clock::now())) return schedule_dial(p);
    dial(p);
  });
}

bool Switch::allowed(const PublicKey& id) const {
  return config_.allow ? config_.allow(id) : persistent_.count(id) != 0;
}

Status Switch::admit(const std::shared_ptr<Connection>& conn) {
  pending_.erase(conn);
  bump(metrics_->handshakes_ok);
  const PublicKey& id = conn->remote_id();
  const auto refuse = [&](Code code, std::string why) {
    bump(metrics_->peers_refused);
    return Status(code, std::move(why));
  };
  if (bans_.is_banned(id, Clock::now())) return refuse(Code::kUnauthorized, "peer is banned");
  if (!allowed(id)) return refuse(Code::kUnauthorized, "node id not on the allow-list");
  auto persistent = persistent_.find(id);
  if (persistent != persistent_.end()) {
    persistent->second.backoff.reset();
    // Our dial is over whatever happens next: a connection that later gets
    // superseded (closed without on_closed) must not leave the peer marked
    // as being dialled, or it would never be redialled.
    if (conn->expected_remote()) persistent->second.busy = false;
  }

  if (auto existing = peers_.find(id); existing != peers_.end()) {
    // Both ends dialled each other at once. Each end keeps the connection
    // dialled by the smaller node id, so both keep the same one. Two
    // connections with the same dialer mean the old one is stale (the peer
    // restarted): the new one wins.
    const auto dialer = [&](const Connection& c) {
      return c.role() == Role::kDialer ? node_key_.public_key() : id;
    };
    const PublicKey new_dialer = dialer(*conn), old_dialer = dialer(*existing->second);
    if (new_dialer != old_dialer && old_dialer < new_dialer) {
      return refuse(Code::kDuplicate, "already connected to this peer");
    }
    std::shared_ptr<Connection> old = std::move(existing->second);
    existing->second = conn;
    old->detach();  // the peer stays connected: no disconnect callback
    old->close(Status(Code::kDuplicate, "superseded by a newer connection"));
    return Status::ok();
  }
  if (peers_.size() >= config_.limits.max_peers && persistent == persistent_.end()) {
    return refuse(Code::kUnavailable, "too many peers");
  }
  peers_.emplace(id, conn);
  bump(metrics_->peers);
  if (on_connected_) on_connected_(id);
  return Status::ok();
}

void Switch::on_message(Connection& conn, ChannelId channel, ByteView payload) {
  if (on_receive_) on_receive_(conn.remote_id(), channel, payload);
}

void Switch::on_closed(const std::shared_ptr<Connection>& conn, const Status& why) {
  const bool was_pending = pending_.erase(conn) != 0;
  bool was_peer = false;
  if (auto it = peers_.find(conn->remote_id());
      !was_pending && it != peers_.end() && it->second == conn) {
    peers_.erase(it);
    metrics_->peers.fetch_sub(1, std::memory_order_relaxed);
    was_peer = true;
  }
  if (was_pending && conn->closed_from() != Connection::State::kConnecting) {
    bump(metrics_->handshakes_failed);
  }
  std::optional<PublicKey> id = conn->expected_remote();
  if (was_peer) {
    id = conn->remote_id();
    if (conn->should_ban()) {
      bans_.ban(*id, Clock::now() + config_.limits.ban_duration);
      bump(metrics_->peers_banned);
    }
    if (on_disconnected_) on_disconnected_(*id);
  }
  if (!id || !running_) return;
  if (auto p = persistent_.find(*id); p != persistent_.end()) {
    if (conn->expected_remote()) p->second.busy = false;  // this was our dial
    schedule_dial(p->second);
  }
}

Status Switch::send(const PublicKey& peer, ChannelId channel, ByteView payload) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return Status(Code::kNotFound, "not connected to " + peer.hex());
  return it->second->send(channel, payload);
}

size_t Switch::broadcast(ChannelId channel, ByteView payload) {
  size_t queued = 0;
  for (const auto& [id, conn] : peers_) queued += conn->send(channel, payload).is_ok() ? 1 : 0;
  return queued;
}

void Switch::report_misbehavior(const PublicKey& peer, int penalty, std::string_view reason) {
  if (auto it = peers_.find(peer); it != peers_.end()) it->second->penalize(penalty, reason);
}

void Switch::disconnect(const PublicKey& peer) {
  if (auto it = peers_.find(peer); it != peers_.end()) {
    std::shared_ptr<Connection> conn = it->second;  // close() erases the map entry
    conn->close(Status(Code::kUnavailable, "disconnected by the node"));
  }
}

std::vector<PublicKey> Switch::peers() const {
  std::vector<PublicKey> out;
  out.reserve(peers_.size());
  for (const auto& [id, conn] : peers_) out.push_back(id);
  return out;
}

bool Switch::is_banned(const PublicKey& peer) {
  return bans_.is_banned(peer, Clock::now());
}

}  // namespace wattle::net
