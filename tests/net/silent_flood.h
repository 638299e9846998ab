// SilentFlood: the slowloris crowd of the P2P tests (tests/net/slots_test.cpp)
// and of the hostile process in tests/devnet: TCP sockets that connect to a
// node's P2P port and never send a byte, renewed all the time.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace wattle::net::testing {

using namespace std::chrono_literals;

// Silent TCP sockets against `ports` from one source address, on their own
// thread: `per_port` sockets a port that connect and never send a byte. Each
// is renewed (reset and reopened) every `renew` and, if `reopen`, reopened as
// soon as the remote closes it; at most kConnectsPerTick new sockets every
// kTick, so the crowd is always there without spinning the machine's cores.
class SilentFlood {
 public:
  static constexpr auto kTick = 5ms;
  static constexpr int kConnectsPerTick = 2;

  SilentFlood(const std::string& source, const std::vector<uint16_t>& ports, size_t per_port,
              std::chrono::milliseconds renew, bool reopen)
      : renew_(renew), reopen_(reopen) {
    ::inet_pton(AF_INET, source.c_str(), &source_);
    for (uint16_t port : ports)
      for (size_t i = 0; i < per_port; ++i) slots_.push_back(Slot{-1, port, {}});
    thread_ = std::thread([this] { run(); });
  }
  ~SilentFlood() {
    stop_ = true;
    thread_.join();
    for (Slot& s : slots_) reset(s);
  }
  uint64_t connects() const { return connects_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    int fd;
    uint16_t port;
    Clock::time_point opened;
  };

  void run() {
    while (!stop_) {
      const auto now = Clock::now();
      int budget = kConnectsPerTick;
      for (Slot& s : slots_) {
        const bool due = now - s.opened >= renew_;
        if (s.fd >= 0 && (remote_closed(s.fd) || due)) reset(s);
        if (s.fd < 0 && budget > 0 && (reopen_ || due)) {
          --budget;
          open(s, now);
        }
      }
      std::this_thread::sleep_for(kTick);
    }
  }
  static bool remote_closed(int fd) {
    uint8_t buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);  // drains the node's Hello
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINPROGRESS);
  }
  // An abortive close (RST): no TIME_WAIT, so a long flood never runs out of ports.
  static void reset(Slot& s) {
    if (s.fd < 0) return;
    const linger abort{1, 0};
    ::setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(s.fd);
    s.fd = -1;
  }
  void open(Slot& s, Clock::time_point now) {
    s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s.fd < 0) return;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr = source_;
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(s.port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        (::connect(s.fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
         errno != EINPROGRESS)) {
      reset(s);
      return;
    }
    s.opened = now;
    connects_.fetch_add(1);
  }

  in_addr source_{};
  std::chrono::milliseconds renew_;
  bool reopen_;
  std::vector<Slot> slots_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> connects_{0};
  std::thread thread_;
};

}  // namespace wattle::net::testing
