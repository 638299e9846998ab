#include "net/peer_address.h"

#include <charconv>

namespace wattle::net {

Result<PeerAddress> PeerAddress::parse(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Status(Code::kMalformed,
                  "peer address '" + std::string(text) + "': " + std::string(why));
  };
  const size_t at = text.find('@');
  if (at == std::string_view::npos) return bad("expected NODE_ID@HOST:PORT");
  // Length first: the hex decoder is only ever given a full key's worth.
  if (at != 2 * sizeof(PublicKey::bytes)) return bad("node id is not 64 hex digits");
  auto id = PublicKey::from_hex(text.substr(0, at));
  if (!id) return bad("node id is not 64 hex digits");
  std::string_view hostport = text.substr(at + 1);
  const size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return bad("missing :PORT");
  std::string_view host = hostport.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return bad("empty host");
  std::string_view port_text = hostport.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return bad("port must be 1..65535");
  }
  return PeerAddress{*id, std::string(host), static_cast<uint16_t>(port)};
}

Result<std::vector<PeerAddress>> parse_peer_list(std::string_view text) {
  std::vector<PeerAddress> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const size_t first = entry.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    entry = entry.substr(first, entry.find_last_not_of(" \t") - first + 1);
    auto addr = PeerAddress::parse(entry);
    if (!addr) return addr.status();
    out.push_back(std::move(*addr));
  }
  return out;
}

std::string PeerAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return id.hex() + "@" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace wattle::net
