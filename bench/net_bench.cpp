// `wattle bench net`: throughput of one encrypted loopback connection between
// two Switches (handshake done before timing; both on one io thread, so the
// figure is what one core does for sealing + opening + the sockets).
//
//   net_frames_per_s  small messages (256 B payload) delivered per second
//   net_mb_per_s      payload MB/s with large messages (256 KiB payload)
//
// The sender keeps its bounded queue full and yields to the io loop when the
// queue refuses (kUnavailable): the same back-pressure a reactor sees.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <iomanip>
#include <iostream>

#include "bench.h"
#include "net/switch.h"

namespace wattle::bench {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Seconds to deliver `count` messages of `payload` bytes from a to b.
double time_transfer(size_t count, size_t payload, net::ChannelId channel) {
  asio::io_context io;
  const KeyPair ka = KeyPair::from_label("bench/net/a"), kb = KeyPair::from_label("bench/net/b");
  net::SwitchConfig cb;
  cb.network_id = "bench-net";
  cb.allow = [&](const PublicKey& id) { return id == ka.public_key(); };
  cb.limits.recv_frames_per_s = cb.limits.recv_frames_burst = 1e12;  // measure, do not limit
  cb.limits.recv_bytes_per_s = cb.limits.recv_bytes_burst = 1e15;
  net::Switch b(io, kb, cb);
  size_t received = 0;
  Clock::time_point start, end;
  b.on_receive([&](const PublicKey&, net::ChannelId, ByteView) {
    if (++received == count) {
      end = Clock::now();
      io.stop();
    }
  });
  if (!b.start().is_ok()) return -1;

  net::SwitchConfig ca;
  ca.network_id = "bench-net";
  ca.listen_host.clear();
  ca.persistent_peers = {net::PeerAddress{kb.public_key(), "127.0.0.1", b.listen_port()}};
  net::Switch a(io, ka, ca);
  const Bytes msg(payload, 0x5a);
  size_t sent = 0;
  std::function<void()> pump = [&] {
    while (sent < count && a.send(kb.public_key(), channel, msg).is_ok()) ++sent;
    if (sent < count) asio::post(io, pump);  // queue full: let the writes drain
  };
  a.on_peer_connected([&](const PublicKey&) {
    start = Clock::now();
    pump();
  });
  if (!a.start().is_ok()) return -1;
  io.run();
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace

int run_net(const BenchOptions& opts) {
  const size_t small = opts.quick ? 2000 : 200000, large = opts.quick ? 20 : 2000;
  const double t_small = time_transfer(small, 256, net::ChannelId::kTxGossip);
  const double t_large = time_transfer(large, 256u << 10, net::ChannelId::kBlockSync);
  if (t_small <= 0 || t_large <= 0) {
    std::cerr << "net bench: could not open a loopback connection\n";
    return 1;
  }
  std::cout << std::fixed << std::setprecision(0);
  std::cout << "net_frames_per_s=" << static_cast<double>(small) / t_small << "\n";
  std::cout << std::setprecision(1);
  std::cout << "net_mb_per_s=" << static_cast<double>(large) * (256u << 10) / 1e6 / t_large << "\n";
  return 0;
}

}  // namespace wattle::bench
