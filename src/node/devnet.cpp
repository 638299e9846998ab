#include "node/devnet.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "node/home.h"

extern char** environ;

namespace wattle::node {

namespace fs = std::filesystem;

namespace {

Status check_options(const DevnetOptions& o) {
  if (o.validators < 1 || o.validators > kMaxDevnetValidators)
    return Status(Code::kInvalidArgument,
                  "validators must be in 1.." + std::to_string(kMaxDevnetValidators));
  if (o.candidates > kMaxDevnetValidators)
    return Status(Code::kInvalidArgument,
                  "candidates must be in 0.." + std::to_string(kMaxDevnetValidators));
  if (o.candidates > 0 && !o.staking)
    return Status(Code::kInvalidArgument, "candidates need a staking consensus (poa, pos, dpos)");
  const uint32_t last_port = uint32_t{o.base_port} + 2 * (o.validators + o.candidates) - 1;
  if (o.base_port == 0 || last_port > 65535)
    return Status(Code::kInvalidArgument, "ports " + std::to_string(o.base_port) + ".." +
                                              std::to_string(last_port) +
                                              " do not fit in 1..65535");
  if (o.dir.empty()) return Status(Code::kInvalidArgument, "no directory given");
  return Status::ok();
}

// Creates the network's directory, or takes an existing empty one; returns
// whether it existed before.
Result<bool> make_empty_dir(const std::string& where) {
  const fs::path dir(where);
  std::error_code ec;
  const auto st = fs::symlink_status(dir, ec);
  const bool existed = fs::exists(st);
  if (existed && (!fs::is_directory(st) || !fs::is_empty(dir, ec) || ec))
    return Status(Code::kDuplicate, where +
                                        " exists and is not an empty directory; refusing to "
                                        "write a network into it");
  fs::create_directories(dir, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + where + ": " + ec.message());
  return existed;
}

// Each node's home, keys and addresses, every node a persistent peer of
// every other.
std::vector<DevnetNode> plan_nodes(const DevnetOptions& o, const fs::path& dir,
                                   const std::vector<KeyPair>& validator_keys,
                                   const std::vector<KeyPair>& node_keys) {
  std::vector<DevnetNode> nodes(validator_keys.size());
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    DevnetNode& n = nodes[i];
    n.home = (dir / (i < o.validators ? "node" + std::to_string(i)
                                      : "cand" + std::to_string(i - o.validators)))
                 .string();
    n.node_id = node_keys[i].public_key();
    n.validator = validator_keys[i].public_key();
    n.config.rpc_listen = {o.host, static_cast<uint16_t>(o.base_port + 2 * i)};
    n.config.p2p_listen = {o.host, static_cast<uint16_t>(o.base_port + 2 * i + 1)};
  }
  for (DevnetNode& n : nodes)
    for (const DevnetNode& peer : nodes)
      if (&peer != &n)
        n.config.persistent_peers.push_back(
            {peer.node_id, peer.config.p2p_listen.host, peer.config.p2p_listen.port});
  return nodes;
}

// The genesis every home shares: the faucet and extra balances, one power
// per validator, BFT.
InitOptions devnet_genesis(const DevnetOptions& o, const KeyPair& faucet,
                           std::vector<chain::GenesisValidator> validators) {
  InitOptions init;
  init.chain_id = o.chain_id;
  init.block_interval_ms = o.block_interval_ms;
  // One genesis time for all, so every home holds the same genesis (hash).
  init.genesis_time_ms =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  init.balances = {{Address::of(faucet.public_key()), o.faucet_balance}};
  init.balances.insert(init.balances.end(), o.extra_balances.begin(), o.extra_balances.end());
  init.validators = std::move(validators);
  init.market = o.market;
  init.staking = o.staking;
  init.engine = chain::EngineKind::kBft;  // N validators: Tendermint over the set
  if (o.pow) {                            // N miners instead
    init.engine = chain::EngineKind::kPow;
    init.pow = o.pow;
  }
  return init;
}

// Writes each node's home: genesis and validator key, node key, config.toml.
Status write_homes(const std::vector<DevnetNode>& nodes, InitOptions init,
                   const std::vector<KeyPair>& validator_keys,
                   const std::vector<KeyPair>& node_keys) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    const DevnetNode& n = nodes[i];
    init.validator_key = validator_keys[i];
    WATTLE_RETURN_IF_ERROR(init_home(n.home, init));
    WATTLE_RETURN_IF_ERROR(write_key_file(node_key_path(n.home), node_keys[i], false));
    const std::string config_path = (fs::path(n.home) / kConfigFile).string();
    WATTLE_RETURN_IF_ERROR(write_home_file(config_path, to_toml(n.config), 0644, false));
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<DevnetNode>> init_devnet(const DevnetOptions& o) {
  WATTLE_RETURN_IF_ERROR(check_options(o));
  const fs::path dir(o.dir);
  auto existed = make_empty_dir(o.dir);
  if (!existed) return existed.status();
  // Everything below is undone on failure: the directory if we made it,
  // else what we put into it.
  auto undo = [&](Status why) -> Status {
    std::error_code ignored;
    if (!*existed) {
      fs::remove_all(dir, ignored);
    } else {
      for (const auto& e : fs::directory_iterator(dir, ignored)) fs::remove_all(e.path(), ignored);
    }
    return why;
  };

  const KeyPair faucet = KeyPair::generate();
  if (Status s = write_key_file((dir / "faucet.key").string(), faucet, false); !s) return undo(s);

  std::vector<KeyPair> validator_keys, node_keys;
  std::vector<chain::GenesisValidator> validators;
  DevnetOptions with_candidates = o;
  for (uint32_t i = 0; i < o.validators + o.candidates; ++i) {
    validator_keys.push_back(KeyPair::generate());
    node_keys.push_back(KeyPair::generate());
    if (i < o.validators)
      validators.push_back({validator_keys.back().public_key(), 1});
    else  // a candidate: funded, outside the genesis set
      with_candidates.extra_balances.push_back(
          {Address::of(validator_keys.back().public_key()), o.candidate_balance});
  }
  std::vector<DevnetNode> nodes = plan_nodes(o, dir, validator_keys, node_keys);
  if (Status s = write_homes(nodes, devnet_genesis(with_candidates, faucet, std::move(validators)),
                             validator_keys, node_keys);
      !s)
    return undo(s);
  return nodes;
}

namespace {

// The first port of the kernel's ephemeral range (outgoing connections take
// their local ports from it); 32768 if it cannot be read.
uint16_t ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0, high = 0;
  if (in >> low >> high && low > 1024 && low <= 65535) return static_cast<uint16_t>(low);
  return 32768;
}

}  // namespace

Result<uint16_t> free_port_range(const std::string& host, size_t count) {
  namespace ip = boost::asio::ip;
  boost::asio::io_context io;
  boost::system::error_code ec;
  const ip::address addr = ip::make_address(host, ec);
  if (ec) return Status(Code::kInvalidArgument, "not an IP address: " + host);
  // Below the ephemeral range: a node restarted on its port must not find
  // it taken by some process's outgoing connection, which the kernel gives
  // ports from that range (a port 0 pick would be one of them).
  constexpr uint16_t kLowest = 10'000;
  const uint16_t top = ephemeral_low();
  if (count == 0 || top <= kLowest + count) return Status(Code::kUnavailable, "no port range");
  std::random_device seed;  // not a test's randomness: any free range will do
  std::mt19937 rng(seed());
  std::uniform_int_distribution<unsigned> pick(kLowest, top - static_cast<unsigned>(count));
  for (int attempt = 0; attempt < 256; ++attempt) {
    const auto base = static_cast<uint16_t>(pick(rng));
    bool ok = true;
    std::vector<std::unique_ptr<ip::tcp::acceptor>> held;  // all bound at once
    for (size_t k = 0; k < count && ok; ++k) {
      auto a = std::make_unique<ip::tcp::acceptor>(io);
      a->open(addr.is_v4() ? ip::tcp::v4() : ip::tcp::v6(), ec);
      if (!ec) a->bind({addr, static_cast<uint16_t>(base + k)}, ec);
      ok = !ec;
      held.push_back(std::move(a));
    }
    if (ok) return base;
  }
  return Status(Code::kUnavailable, "no " + std::to_string(count) + " free ports on " + host);
}

Result<pid_t> spawn_node(const std::string& wattle, const std::string& home,
                         const std::vector<std::string>& extra, const std::string& log) {
  std::vector<std::string> args = {"node", "--home", home};
  args.insert(args.end(), extra.begin(), extra.end());
  return spawn_wattle(wattle, args, log);
}

Result<pid_t> spawn_wattle(const std::string& wattle, const std::vector<std::string>& given,
                           const std::string& log) {
  std::vector<std::string> args = {wattle};
  args.insert(args.end(), given.begin(), given.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, wattle.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return Status(Code::kIoError,
                  "cannot start " + wattle + (given.empty() ? "" : " " + given.front()));
  return pid;
}

}  // namespace wattle::node
