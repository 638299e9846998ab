// `wattle devnet init`: the homes of a local N-validator network
// (node/devnet.h). `wattle devnet start`: one `wattle node` process per home
// under DIR (node0, node1, ...), each reading its config.toml; Ctrl-C
// (SIGINT) or SIGTERM stops them all with SIGTERM and waits for them. If a
// node exits on its own, the others are stopped too and the exit code is 1.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "cli/client_call.h"
#include "cli/commands.h"
#include "cli/market_toml.h"
#include "cli/pow_toml.h"
#include "cli/strict_int.h"
#include "node/devnet.h"

namespace wattle::cli {

namespace {

namespace fs = std::filesystem;

// The homes under `dir`: node0, node1, ... then cand0, cand1, ... in index
// order (a gap ends each list).
std::vector<std::string> devnet_homes(const std::string& dir) {
  std::vector<std::string> homes;
  for (const char* prefix : {"node", "cand"}) {
    for (int i = 0;; ++i) {
      const fs::path home = fs::path(dir) / (prefix + std::to_string(i));
      if (!fs::exists(home / "genesis.json")) break;
      homes.push_back(home.string());
    }
  }
  return homes;
}

void start_devnet(const std::string& dir) {
  const auto homes = devnet_homes(dir);
  if (homes.empty())
    throw UserError(dir + " holds no devnet (no node0/genesis.json; see wattle devnet init)");
  // Blocked before any child exists, so only sigwait below sees them; the
  // children get the default dispositions back.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::map<pid_t, size_t> children;
  for (size_t i = 0; i < homes.size(); ++i) {
    // Each node's own output goes to its home (HOME/node.log).
    auto pid = node::spawn_node(self, homes[i], {}, (fs::path(homes[i]) / "node.log").string());
    if (!pid) {
      for (const auto& [p, _] : children) kill(p, SIGTERM);
      throw UserError(pid.status().to_string());
    }
    children[*pid] = i;
    std::cout << fs::path(homes[i]).filename().string() << " pid=" << *pid << " home=" << homes[i]
              << " log=" << (fs::path(homes[i]) / "node.log").string() << std::endl;
  }
  int code = 0;
  bool stopping = false;
  while (!children.empty()) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig != SIGCHLD && !stopping) {
      stopping = true;
      std::cout << "stopping " << children.size() << " nodes" << std::endl;
      for (const auto& [p, _] : children) kill(p, SIGTERM);
    }
    int status = 0;
    for (pid_t p; (p = waitpid(-1, &status, WNOHANG)) > 0;) {
      auto it = children.find(p);
      if (it == children.end()) continue;
      if (!stopping) {
        std::cerr << fs::path(homes[it->second]).filename().string()
                  << " exited on its own; stopping the others\n";
        code = 1;
        stopping = true;
        for (const auto& [q, _] : children)
          if (q != p) kill(q, SIGTERM);
      }
      children.erase(it);
    }
  }
  if (code) throw ExitCode{code};
}

}  // namespace

void register_devnet_commands(CLI::App& app) {
  static node::DevnetOptions opts;
  auto* devnet = app.add_subcommand("devnet", "A local multi-validator network");
  devnet->require_subcommand(1);
  auto* init = devnet->add_subcommand(
      "init",
      "Write one home per validator (keys, config.toml, shared genesis) and a funded "
      "DIR/faucet.key; node i serves RPC on base-port+2i and P2P on base-port+2i+1");
  init->add_option("--validators", opts.validators, "Number of validators")
      ->required()
      ->transform(decimal_in(1, node::kMaxDevnetValidators));
  init->add_option("--home", opts.dir, "Directory to create (must not exist or be empty)")
      ->required();
  init->add_option("--base-port", opts.base_port, "First port (RPC of node0)")
      ->capture_default_str()
      ->transform(decimal_in(1, 65535));
  init->add_option("--chain-id", opts.chain_id, "Chain id")->capture_default_str();
  init->add_option("--host", opts.host, "Address every node listens on and dials")
      ->capture_default_str();
  static std::vector<std::string> balances;
  init->add_option("--balance", balances,
                   "Extra genesis balance ADDRESS=AMOUNT (micro-units), repeatable");
  static std::string market_file;
  init->add_option("--market", market_file,
                   "Market TOML file: the genesis market section (docs/market.md)");
  static std::string consensus, staking_file;
  init->add_option("--consensus", consensus,
                   "Who validates: poa, pos or dpos (docs/staking.md); default: the fixed "
                   "genesis set; or pow: every node mines (docs/consensus.md)")
      ->check(CLI::IsMember({"poa", "pos", "dpos", "pow"}));
  static std::string pow_file;
  init->add_option("--pow", pow_file,
                   "PoW TOML file (see wattle init --pow); needs --consensus pow");
  init->add_option("--staking", staking_file,
                   "Staking TOML file: the genesis staking section (docs/staking.md)");
  init->add_option("--candidates", opts.candidates,
                   "Extra full nodes cand0.. with funded validator keys, outside the set")
      ->transform(decimal_in(0, node::kMaxDevnetValidators));
  init->callback([] {
    if (consensus == "pow") {
      opts.pow = pow_section(pow_file, staking_file, "");
    } else if (!pow_file.empty()) {
      throw UserError("--pow needs --consensus pow");
    } else {
      opts.staking = staking_section(consensus, staking_file);
    }
    for (const auto& b : balances) opts.extra_balances.push_back(parse_balance(b));
    if (!market_file.empty()) {
      auto m = read_market_toml(market_file);
      if (!m) throw UserError(m.status().to_string());
      opts.market = *m;
    }
    auto nodes = node::init_devnet(opts);
    if (!nodes) throw UserError(nodes.status().to_string());
    for (size_t i = 0; i < nodes->size(); ++i) {
      const node::DevnetNode& n = (*nodes)[i];
      std::cout << fs::path(n.home).filename().string()
                << " rpc=" << n.config.rpc_listen.to_string()
                << " p2p=" << n.config.p2p_listen.to_string() << " home=" << n.home << "\n";
    }
  });
  static std::string start_dir;
  auto* start = devnet->add_subcommand(
      "start",
      "Run every node of a devnet (DIR/node0, node1, ...) as its own process; Ctrl-C stops "
      "them all");
  start->add_option("--home", start_dir, "The devnet directory (see devnet init)")->required();
  start->callback([] { start_devnet(start_dir); });
}

}  // namespace wattle::cli
