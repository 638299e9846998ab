#include "rpc/http_server.h"

#include <malloc.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include "rpc/http_session.h"
#include "rpc/server_context.h"

// The server itself: the listener, the threads and the lifecycle. A
// connection is admitted (rpc/admission.h) or refused with a 503 at once,
// then served by an HttpSession (rpc/http_session.h), which hands a GET
// /v1/events upgrade to an EventStreamSession (rpc/event_stream_session.h).

namespace wattle::rpc {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// An accept error (e.g. out of file descriptors) is retried after a pause
// instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
// Allocations of at least this size get their own mapping (see start()).
constexpr int kOwnMappingBytes = 1024 * 1024;

}  // namespace

struct HttpServer::Impl {
  Impl(ChainService& chain, HttpServerConfig cfg) : ctx(chain, std::move(cfg)) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  static void refuse(tcp::socket& socket, std::string_view why);

  ServerContext ctx;
  const HttpServerConfig& config = ctx.config;
  std::mutex mu;  // serialises start() and stop()
  bool started = false;
  bool stopped = false;
  std::atomic<uint16_t> port{0};

  // Destroyed in stop() in reverse order of need: the acceptor and timer
  // before the io_context, whose destruction frees the remaining sessions.
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retry_timer;
  std::vector<std::thread> threads;
};

void HttpServer::Impl::do_accept() {
  acceptor->async_accept(net::make_strand(*ioc), beast::bind_front_handler(&Impl::on_accept, this));
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ctx.stopping.load() || ec == net::error::operation_aborted) return;
  if (ec) {
    retry_timer->expires_after(kAcceptRetryDelay);
    retry_timer->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !ctx.stopping.load()) do_accept();
    });
    return;
  }
  beast::error_code addr_ec;
  const tcp::endpoint peer = socket.remote_endpoint(addr_ec);
  if (addr_ec) {  // already gone
    do_accept();
    return;
  }
  std::string_view why;
  if (auto ticket = ctx.admission.admit(peer.address().to_string(), why)) {
    ctx.accepted.fetch_add(1);
    std::make_shared<HttpSession>(std::move(socket), ctx, std::move(ticket))->run();
  } else {
    ctx.refused.inc();
    refuse(socket, why);
  }
  do_accept();
}

// Over a connection limit: one best-effort non-blocking write of a 503 so
// the client learns why, then close. Never waits, so a flood of connections
// costs nothing but the accept.
void HttpServer::Impl::refuse(tcp::socket& socket, std::string_view why) {
  const std::string body = R"({"code":"unavailable","message":")" + std::string(why) + R"("})";
  const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nServer: wattle\r\nContent-Type: "
      "application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(response), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

HttpServer::HttpServer(ChainService& chain, HttpServerConfig config)
    : impl_(std::make_unique<Impl>(chain, std::move(config))) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (s.started) return Status(Code::kInvalidArgument, "http server already started");
  const std::string where = s.config.host + ":" + std::to_string(s.config.port);
  try {
    s.ioc = std::make_unique<net::io_context>(static_cast<int>(std::max(1u, s.config.threads)));
    beast::error_code ec;
    tcp::endpoint endpoint;
    net::ip::address addr = net::ip::make_address(s.config.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(addr, s.config.port);
    } else {
      tcp::resolver resolver(*s.ioc);
      auto results = resolver.resolve(s.config.host, std::to_string(s.config.port), ec);
      if (ec || results.empty()) {
        s.ioc.reset();
        return Status(Code::kInvalidArgument,
                      "cannot resolve http host \"" + s.config.host + "\": " + ec.message());
      }
      endpoint = results.begin()->endpoint();
    }

    s.acceptor.emplace(net::make_strand(*s.ioc));
    auto fail = [&](const char* step) {
      std::string msg =
          std::string("cannot ") + step + " http address " + where + ": " + ec.message();
      s.acceptor.reset();
      s.ioc.reset();
      return Status(Code::kUnavailable, std::move(msg));
    };
    s.acceptor->open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    // Lets a restarted node rebind while old connections sit in TIME_WAIT;
    // on Linux it does not allow two listeners on one port.
    s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return fail("configure");
    s.acceptor->bind(endpoint, ec);
    if (ec) return fail("bind");
    s.acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen on");
    s.port.store(s.acceptor->local_endpoint().port());
    // Large request bodies in their own mappings, returned to the OS when
    // freed (glibc's default threshold slides up to 32 MiB after the first
    // large free, after which freed bodies stay in the heap).
    mallopt(M_MMAP_THRESHOLD, kOwnMappingBytes);
    if (s.ctx.hub) s.ctx.hub->start();

    s.retry_timer.emplace(s.acceptor->get_executor());
    s.work.emplace(s.ioc->get_executor());
    s.started = true;
    s.do_accept();
    for (unsigned i = 0; i < std::max(1u, s.config.threads); ++i) {
      s.threads.emplace_back([&s] {
        // A handler that throws must not take the thread (and the API) down.
        for (;;) {
          try {
            s.ioc->run();
            return;
          } catch (...) {
          }
        }
      });
    }
  } catch (const std::exception& e) {
    return Status(Code::kInternal, std::string("http server start failed: ") + e.what());
  }
  return Status::ok();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.ctx.stopping.store(true);
  // The hub first: it holds references to stream sessions and posts to
  // their strands, which must not outlive the io_context.
  if (s.ctx.hub) s.ctx.hub->stop();
  s.ioc->stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  s.work.reset();
  s.retry_timer.reset();
  s.acceptor.reset();
  // Destroying the io_context destroys the handlers still queued, and with
  // them the last references to every open Session (closing its socket).
  s.ioc.reset();
}

uint16_t HttpServer::port() const {
  return impl_->port.load();
}
size_t HttpServer::active_connections() const {
  return impl_->ctx.admission.active();
}
uint64_t HttpServer::connections_accepted() const {
  return impl_->ctx.accepted.load();
}
uint64_t HttpServer::connections_evicted() const {
  return impl_->ctx.evicted.value();
}
size_t HttpServer::body_bytes_in_flight() const {
  return impl_->ctx.admission.body_bytes_in_flight();
}

size_t HttpServer::idle_connections() const {
  return impl_->ctx.admission.idle_connections();
}
size_t HttpServer::event_subscribers() const {
  return impl_->ctx.hub ? impl_->ctx.hub->subscribers() : 0;
}

}  // namespace wattle::rpc
