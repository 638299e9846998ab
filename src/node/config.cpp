#include "node/config.h"

#include <filesystem>
#include <set>
#include <sstream>

#include "core/decimal.h"
#include "core/toml_text.h"
#include "node/home.h"

namespace wattle::node {

namespace {

// A config is a few hundred bytes; anything near this is not one.
constexpr size_t kMaxConfigBytes = 1 << 20;

// Reads one table of the config, remembering the first error (named by its
// dotted key) and which keys were read, so a typo is an error, not a
// silently ignored setting.
class Reader {
 public:
  Reader(const toml::table& t, std::string prefix, std::string origin, Status& err)
      : t_(t), prefix_(std::move(prefix)), origin_(std::move(origin)), err_(err) {}

  void fail(std::string_view key, const std::string& why) {
    if (err_.is_ok())
      err_ =
          Status(Code::kInvalidArgument, origin_ + ": " + (prefix_.empty() ? "" : prefix_ + ".") +
                                             std::string(key) + ": " + why);
  }
  const toml::node* get(std::string_view key) {
    used_.insert(std::string(key));
    return t_.get(key);
  }
  const toml::table* table(std::string_view key, bool required) {
    const toml::node* n = get(key);
    if (!n) {
      if (required) fail(key, "missing (a table is required)");
      return nullptr;
    }
    if (!n->is_table()) fail(key, "must be a table");
    return n->as_table();
  }
  void listen(std::string_view key, ListenAddress& out) {
    const toml::node* n = get(key);
    if (!n) return fail(key, "missing (HOST:PORT is required)");
    if (!n->is_string()) return fail(key, "must be a string \"HOST:PORT\"");
    auto addr = parse_listen_address(n->as_string()->get());
    if (!addr) return fail(key, addr.status().message());
    out = *addr;
  }
  void peers(std::string_view key, std::vector<net::PeerAddress>& out) {
    const toml::node* n = get(key);
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) return fail(key, "must be an array of \"NODE_ID_HEX@HOST:PORT\" strings");
    std::set<net::PeerAddress> seen;
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      const toml::node& e = *arr->get(i);
      if (!e.is_string()) return fail(where, "must be a string \"NODE_ID_HEX@HOST:PORT\"");
      auto peer = net::PeerAddress::parse(e.as_string()->get());
      if (!peer) return fail(where, peer.status().message());
      if (!seen.insert(*peer).second) return fail(where, "listed twice");
      out.push_back(*peer);
    }
  }
  // Milliseconds: an integer in [lo, one hour].
  void millis(std::string_view key, uint64_t& out, uint64_t lo) {
    const toml::node* n = get(key);
    if (!n) return;
    constexpr int64_t kMax = 3'600'000;
    if (!n->is_integer()) return fail(key, "must be an integer (milliseconds)");
    const int64_t v = n->as_integer()->get();
    if (v < static_cast<int64_t>(lo) || v > kMax)
      return fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(kMax) + ", got " +
                           std::to_string(v));
    out = static_cast<uint64_t>(v);
  }
  void finish() {
    for (auto&& [k, v] : t_)
      if (!used_.count(std::string(k.str()))) fail(k.str(), "unknown key");
  }

 private:
  const toml::table& t_;
  const std::string prefix_;
  const std::string origin_;
  Status& err_;
  std::set<std::string> used_;
};

// A TOML basic string (the values we write are ASCII without quotes, but
// escape anyway so to_toml can never emit an unparsable file).
std::string quoted(std::string_view s) {
  std::ostringstream out;
  out << toml::value<std::string>(std::string(s));
  return out.str();
}

}  // namespace

std::string ListenAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return Status(Code::kInvalidArgument, "expected HOST:PORT, got \"" + std::string(text) + "\"");
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host.find_first_of(" \t[]") != std::string_view::npos)
    return Status(Code::kInvalidArgument, "bad host in \"" + std::string(text) + "\"");
  auto port = parse_decimal(text.substr(colon + 1), 0, 65535);
  if (!port)
    return Status(Code::kInvalidArgument,
                  "bad port in \"" + std::string(text) + "\": " + port.status().message());
  return ListenAddress{std::string(host), static_cast<uint16_t>(*port)};
}

Result<HomeConfig> parse_config(std::string_view text, std::string_view origin) {
  const std::string where(origin);
  auto parsed = parse_toml(text, where);
  // Every config error, syntax included, is kInvalidArgument (a contract).
  if (!parsed) return Status(Code::kInvalidArgument, parsed.status().message());
  const toml::table& root = *parsed;
  HomeConfig c;
  Status err = Status::ok();
  Reader top(root, "", where, err);
  if (const toml::table* p2p = top.table("p2p", true)) {
    Reader r(*p2p, "p2p", where, err);
    r.listen("listen", c.p2p_listen);
    r.peers("persistent_peers", c.persistent_peers);
    r.finish();
  }
  if (const toml::table* rpc = top.table("rpc", true)) {
    Reader r(*rpc, "rpc", where, err);
    r.listen("listen", c.rpc_listen);
    r.finish();
  }
  if (const toml::table* cons = top.table("consensus", false)) {
    Reader r(*cons, "consensus", where, err);
    consensus::bft::TimeoutConfig& t = c.timeouts;
    r.millis("propose_ms", t.propose_ms, 1);
    r.millis("propose_delta_ms", t.propose_delta_ms, 0);
    r.millis("prevote_ms", t.prevote_ms, 1);
    r.millis("prevote_delta_ms", t.prevote_delta_ms, 0);
    r.millis("precommit_ms", t.precommit_ms, 1);
    r.millis("precommit_delta_ms", t.precommit_delta_ms, 0);
    r.millis("rebroadcast_ms", t.rebroadcast_ms, 1);
    r.millis("rebroadcast_delta_ms", t.rebroadcast_delta_ms, 0);
    r.finish();
  }
  top.finish();
  if (!err) return err;
  return c;
}

Result<HomeConfig> load_config(const std::string& home) {
  const std::string path = (std::filesystem::path(home) / kConfigFile).string();
  auto text = read_home_file(path, kMaxConfigBytes);
  if (!text) return text.status();
  return parse_config(*text, path);
}

std::string to_toml(const HomeConfig& c) {
  std::ostringstream out;
  out << "# wattle node config (docs/network.md)\n\n[p2p]\nlisten = "
      << quoted(c.p2p_listen.to_string()) << "\npersistent_peers = [";
  for (size_t i = 0; i < c.persistent_peers.size(); ++i)
    out << (i ? ",\n  " : "\n  ") << quoted(c.persistent_peers[i].to_string());
  out << (c.persistent_peers.empty() ? "]\n" : ",\n]\n");
  out << "\n[rpc]\nlisten = " << quoted(c.rpc_listen.to_string()) << "\n";
  const consensus::bft::TimeoutConfig& t = c.timeouts;
  out << "\n[consensus]  # milliseconds; a round's timeout = base + delta * round\n"
      << "propose_ms = " << t.propose_ms << "\npropose_delta_ms = " << t.propose_delta_ms
      << "\nprevote_ms = " << t.prevote_ms << "\nprevote_delta_ms = " << t.prevote_delta_ms
      << "\nprecommit_ms = " << t.precommit_ms << "\nprecommit_delta_ms = " << t.precommit_delta_ms
      << "\nrebroadcast_ms = " << t.rebroadcast_ms
      << "\nrebroadcast_delta_ms = " << t.rebroadcast_delta_ms << "\n";
  return out.str();
}

}  // namespace wattle::node
