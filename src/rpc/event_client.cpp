#include "rpc/event_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <optional>

namespace wattle::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Synchronous outside, asynchronous inside (as HttpClient): each call starts
// one operation and runs a private io_context until it completes or the
// deadline passes, in which case the socket is closed to end it.
struct EventClient::Impl {
  net::io_context ioc;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  std::string where;

  template <typename Start>
  beast::error_code run(Start&& start, std::chrono::milliseconds timeout) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    if (timeout.count() > 0) {
      ioc.run_for(timeout);
      if (result == net::error::would_block) {
        beast::error_code ignored;
        beast::get_lowest_layer(*ws).socket().close(ignored);
        ioc.restart();
        ioc.run();  // lets the cancelled operation complete
        return net::error::timed_out;
      }
    } else {
      ioc.run();
    }
    return result;
  }

  void shut() {
    if (!ws) return;
    beast::error_code ignored;
    beast::get_lowest_layer(*ws).socket().close(ignored);
  }
};

EventClient::EventClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventClient::~EventClient() = default;
EventClient::EventClient(EventClient&&) noexcept = default;
EventClient& EventClient::operator=(EventClient&&) noexcept = default;

Result<EventClient> EventClient::connect(const std::string& host, uint16_t port,
                                         const std::string& target, EventClientOptions options) {
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  s.where = host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return Status(Code::kInvalidArgument, "cannot resolve \"" + host + "\": " + ec.message());
  s.ws.emplace(s.ioc);
  s.ws->read_message_max(options.max_message_bytes);
  const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  ec = s.run(
      [&](auto handler) {
        beast::get_lowest_layer(*s.ws).async_connect(endpoints, std::move(handler));
      },
      left());
  if (ec) return Status(Code::kUnavailable, "cannot connect to " + s.where + ": " + ec.message());
  websocket::response_type res;
  ec = s.run([&](auto handler) { s.ws->async_handshake(res, host, target, std::move(handler)); },
             left());
  if (ec == websocket::error::upgrade_declined) {
    // The node answered with an HTTP error: pass its stable code on.
    const auto body = nlohmann::json::parse(res.body(), nullptr, false);
    std::string why = body.is_object() ? body.value("code", std::string("error")) + ": " +
                                             body.value("message", std::string())
                                       : res.body().substr(0, 200);
    const unsigned status = res.result_int();
    return Status(status >= 400 && status < 500 ? Code::kInvalidArgument : Code::kUnavailable,
                  "HTTP " + std::to_string(status) + " " + why);
  }
  if (ec)
    return Status(Code::kUnavailable,
                  "cannot open the event stream at " + s.where + ": " + ec.message());
  return EventClient(std::move(impl));
}

Result<std::string> EventClient::next(std::chrono::milliseconds timeout) {
  if (!impl_ || !impl_->ws || !beast::get_lowest_layer(*impl_->ws).socket().is_open())
    return Status(Code::kUnavailable, "event stream is closed");
  Impl& s = *impl_;
  s.buffer.clear();
  beast::error_code ec =
      s.run([&](auto handler) { s.ws->async_read(s.buffer, std::move(handler)); }, timeout);
  if (ec) {
    s.shut();
    if (ec == websocket::error::message_too_big)
      return Status(Code::kTooLarge, "event message over the client's limit");
    if (ec == websocket::error::closed)
      return Status(Code::kUnavailable, "the node closed the event stream" +
                                            (close_reason().empty() ? "" : ": " + close_reason()));
    if (ec == net::error::timed_out)
      return Status(Code::kUnavailable, "no event within the timeout");
    return Status(Code::kUnavailable, "event stream from " + s.where + " broke: " + ec.message());
  }
  return beast::buffers_to_string(s.buffer.data());
}

std::string EventClient::close_reason() const {
  if (!impl_ || !impl_->ws) return {};
  const websocket::close_reason& r = impl_->ws->reason();
  if (r.code == websocket::close_code::none) return {};
  return std::to_string(static_cast<unsigned>(r.code)) + " " + std::string(r.reason.c_str());
}

void EventClient::close() {
  if (!impl_ || !impl_->ws) return;
  Impl& s = *impl_;
  if (beast::get_lowest_layer(*s.ws).socket().is_open() && s.ws->is_open()) {
    s.run(
        [&](auto handler) { s.ws->async_close(websocket::close_code::normal, std::move(handler)); },
        std::chrono::milliseconds(1000));
  }
  s.shut();
}

}  // namespace wattle::rpc
