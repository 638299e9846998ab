// Test harness for the net tests: a Switch on its own io thread (TestNode)
// and a hand-driven raw TCP peer (RawPeer) that runs the same Handshake state
// machine but can then send anything — garbage, tampered or truncated frames.
// Waits are bounded liveness checks (eventually()), never timing assertions.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "net/frame.h"
#include "net/handshake.h"
#include "net/message.h"
#include "net/switch.h"

namespace wattle::net::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline constexpr auto kLiveness = 60s;  // generous: shared 2-core machines, ASan
inline const std::string kNetwork = "wattle-test";

// Polls pred until it holds or the liveness bound passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::seconds bound = kLiveness) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

inline PeerAddress address_of(const PublicKey& id, uint16_t port) {
  return PeerAddress{id, "127.0.0.1", port};
}

// A port that was free a moment ago (for tests that must know both ports
// before either node starts).
inline uint16_t free_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

struct Received {
  PublicKey from;
  ChannelId channel;
  Bytes payload;
};

// A Switch running on its own thread; every access to it goes through on_io().
class TestNode {
 public:
  TestNode(const std::string& label, SwitchConfig config)
      : key_(KeyPair::from_label(label)), work_(asio::make_work_guard(io_)) {
    if (config.network_id.empty()) config.network_id = kNetwork;
    sw_ = std::make_unique<Switch>(io_, key_, std::move(config));
    sw_->on_receive([this](const PublicKey& from, ChannelId ch, ByteView payload) {
      std::lock_guard lock(mu_);
      received_.push_back({from, ch, Bytes(payload.begin(), payload.end())});
    });
    sw_->on_peer_connected([this](const PublicKey& id) {
      std::lock_guard lock(mu_);
      ++connects_;
      connected_.insert(id);
    });
    sw_->on_peer_disconnected([this](const PublicKey& id) {
      std::lock_guard lock(mu_);
      ++disconnects_;
      connected_.erase(id);
    });
    start_status_ = sw_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestNode() {
    on_io([this] { sw_.reset(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Runs f on the Switch's thread and returns its result.
  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  const Status& start_status() const { return start_status_; }
  const PublicKey& id() const { return key_.public_key(); }
  uint16_t port() {
    return on_io([this] { return sw_->listen_port(); });
  }
  Switch& sw() { return *sw_; }  // only inside on_io
  MetricsSnapshot metrics() const { return sw_->metrics().snapshot(); }

  bool is_connected_to(const PublicKey& id) {
    std::lock_guard lock(mu_);
    return connected_.count(id) != 0;
  }
  size_t peer_count() {
    std::lock_guard lock(mu_);
    return connected_.size();
  }
  int connects() {
    std::lock_guard lock(mu_);
    return connects_;
  }
  int disconnects() {
    std::lock_guard lock(mu_);
    return disconnects_;
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  size_t received_from(const PublicKey& id) {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& r : received_) n += r.from == id ? 1 : 0;
    return n;
  }

 private:
  KeyPair key_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<Switch> sw_;
  Status start_status_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> received_;
  std::set<PublicKey> connected_;
  int connects_ = 0;
  int disconnects_ = 0;
};

// A TCP client driven by hand from the test thread, with bounded I/O.
class RawPeer {
 public:
  // `source`: the local address to connect from (any 127.x.y.z is loopback
  // on Linux), to stand for different hosts.
  explicit RawPeer(uint16_t port, const std::string& source = "") : socket_(io_) {
    boost::system::error_code ec;
    if (!source.empty()) {
      socket_.open(tcp::v4(), ec);
      socket_.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
      EXPECT_FALSE(ec) << ec.message();
    }
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  void write(ByteView bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
    written_.insert(written_.end(), bytes.begin(), bytes.end());
  }
  void write_frame(ByteView body) {
    Bytes f;
    append_frame(f, body);
    write(f);
  }
  // Everything this peer has written so far (to replay it elsewhere).
  const Bytes& written() const { return written_; }

  // Reads exactly n bytes, or nullopt on EOF, error or the liveness bound.
  std::optional<Bytes> read_exact(size_t n) {
    Bytes out(n);
    std::optional<boost::system::error_code> result;
    asio::async_read(socket_, asio::buffer(out),
                     [&](const boost::system::error_code& ec, size_t) { result = ec; });
    io_.restart();
    io_.run_for(kLiveness);
    if (!result) {
      socket_.cancel();
      io_.restart();
      io_.run();
      return std::nullopt;
    }
    if (*result) return std::nullopt;
    return out;
  }
  std::optional<Bytes> read_frame() {
    auto header = read_exact(kFrameHeaderBytes);
    if (!header) return std::nullopt;
    auto f = decode_frame(*header, kFrameBodyHardLimit);
    uint32_t len = 0;
    for (size_t i = 0; i < 4; ++i) len |= static_cast<uint32_t>((*header)[i]) << (8 * i);
    if (!f.is_ok()) return std::nullopt;
    return read_exact(len);
  }
  // True once the remote has closed the connection (reads drain until EOF).
  bool closed_by_remote() {
    for (int i = 0; i < 1000; ++i) {
      if (!read_exact(1)) return true;
    }
    return false;
  }

  // Runs the dialer side of the handshake against a Switch; on success the
  // session cipher is ready for hand-made frames.
  Status handshake(const KeyPair& key, const std::string& network = kNetwork) {
    hs_.emplace(Role::kDialer, key, network);
    write_frame(hs_->hello());
    auto hello = read_frame();
    if (!hello) return Status(Code::kUnavailable, "no hello");
    auto auth = hs_->on_remote_hello(*hello);
    if (!auth) return auth.status();
    write_frame(*auth);
    auto remote_auth = read_frame();
    if (!remote_auth) return Status(Code::kUnavailable, "no auth");
    auto id = hs_->on_remote_auth(*remote_auth);
    if (!id) return id.status();
    cipher_ = hs_->take_cipher();
    return Status::ok();
  }
  Bytes seal(ChannelId ch, ByteView payload) { return cipher_->seal(encode_message(ch, payload)); }
  std::optional<SessionCipher>& cipher() { return cipher_; }
  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  Bytes written_;
  std::optional<Handshake> hs_;
  std::optional<SessionCipher> cipher_;
};

// Config for a node that admits exactly `allowed` (plus its persistent peers).
inline SwitchConfig config_allowing(std::vector<PublicKey> allowed,
                                    std::vector<PeerAddress> persistent = {}) {
  SwitchConfig c;
  c.persistent_peers = std::move(persistent);
  std::set<PublicKey> set(allowed.begin(), allowed.end());
  for (const auto& p : c.persistent_peers) set.insert(p.id);
  c.allow = [set](const PublicKey& id) { return set.count(id) != 0; };
  c.limits.backoff_base = 20ms;
  c.limits.backoff_cap = 500ms;
  return c;
}

inline Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace wattle::net::testing
