// `wattle init`, `wattle node`, `wattle verify`: creating and running a chain.
#include <spdlog/spdlog.h>
#include <charconv>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/client_call.h"
#include "cli/commands.h"
#include "cli/host_port.h"
#include "cli/market_toml.h"
#include "cli/pow_toml.h"
#include "cli/strict_int.h"
#include "core/decimal.h"
#include "node/home.h"
#include "node/node.h"
#include "node/verify.h"

namespace wattle::cli {

std::pair<Address, Money> parse_balance(const std::string& s) {
  auto eq = s.find('=');
  if (eq == std::string::npos) throw UserError("--balance wants ADDRESS=AMOUNT, got \"" + s + "\"");
  auto addr = Address::parse(s.substr(0, eq));
  if (!addr) throw UserError("--balance " + s + ": " + addr.status().message());
  auto amount = parse_decimal(std::string_view(s).substr(eq + 1), 1, INT64_MAX);
  if (!amount) throw UserError("--balance " + s + ": AMOUNT: " + amount.status().message());
  return {*addr, Money(static_cast<int64_t>(*amount))};
}

namespace {

// `wattle init`'s flags and action.
void add_init_command(CLI::App& app) {
  auto* init = app.add_subcommand(
      "init", "Create a home dir: genesis.json, validator.key and signing_state.json");
  static std::string home;
  static node::InitOptions opts;
  static std::vector<std::string> balances;
  static std::string validator_key;
  init->add_option("--home", home, "Home directory to create")->required();
  init->add_option("--chain-id", opts.chain_id, "Chain id (signed into every tx)")
      ->capture_default_str();
  init->add_option("--block-interval-ms", opts.block_interval_ms, "Block interval")
      ->capture_default_str()
      ->transform(decimal_in(1, 3'600'000));
  init->add_option("--balance", balances, "Initial balance ADDRESS=MICRO_UNITS (repeatable)");
  init->add_option("--validator-key", validator_key, "Use this key file as validator key");
  static int64_t min_balance = opts.min_balance.value();
  init->add_option("--min-balance", min_balance,
                   "Smallest non-zero account balance in micro-units (existential deposit)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, INT64_MAX));
  static std::string engine = "single";
  init->add_option("--engine", engine,
                   "Consensus engine: single (one validator) or bft (Tendermint-style)")
      ->capture_default_str()
      ->check(CLI::IsMember({"single", "bft"}));
  static std::string market_file;
  init->add_option("--market", market_file,
                   "Market TOML file: the genesis market section (docs/market.md)");
  static std::string certificates_file;
  init->add_option("--certificates", certificates_file,
                   "Certificates TOML file: the genesis certificates section, needs --market "
                   "(docs/certificates.md)");
  static std::string consensus;
  init->add_option("--consensus", consensus,
                   "Who validates: single, poa (governed authorities), pos or dpos "
                   "(docs/staking.md), all but single on the bft engine; or pow: "
                   "proof-of-work miners (docs/consensus.md)")
      ->check(CLI::IsMember({"single", "poa", "pos", "dpos", "pow"}));
  static std::string staking_file;
  init->add_option("--staking", staking_file,
                   "Staking TOML file: the genesis staking section (docs/staking.md)");
  static std::string pow_file;
  init->add_option("--pow", pow_file,
                   "PoW TOML file: target_block_ms, initial_target, retarget_blocks, "
                   "finality_depth (docs/consensus.md); needs --consensus pow");
  init->callback([] {
    opts.engine = engine == "bft" ? chain::EngineKind::kBft : chain::EngineKind::kSingle;
    if (consensus == "pow") {
      opts.pow = pow_section(pow_file, staking_file, engine);
      opts.engine = chain::EngineKind::kPow;
    } else if (!pow_file.empty()) {
      throw UserError("--pow needs --consensus pow");
    } else {
      opts.staking = staking_section(consensus, staking_file);
    }
    if (opts.staking) {
      opts.engine = chain::EngineKind::kBft;
    } else if (consensus == "single" && engine == "bft") {
      throw UserError("--consensus single runs the single engine; drop --engine bft");
    }
    for (const auto& b : balances) opts.balances.push_back(parse_balance(b));
    if (!market_file.empty()) {
      auto m = read_market_toml(market_file);
      if (!m) throw UserError(m.status().to_string());
      opts.market = *m;
    }
    if (!certificates_file.empty()) {
      if (!opts.market) throw UserError("--certificates needs --market");
      auto c = read_certificates_toml(certificates_file);
      if (!c) throw UserError(c.status().to_string());
      opts.certificates = *c;
    }
    opts.min_balance = Money(min_balance);
    if (!validator_key.empty()) {
      auto k = node::read_key_file(validator_key);
      if (!k) throw UserError(k.status().to_string());
      opts.validator_key = *k;
    }
    Status st = node::init_home(home, opts);
    if (!st) throw UserError(st.to_string());
    std::cout << "initialised " << home << " (chain " << opts.chain_id << ")\n";
  });
}

// `wattle node`'s flags.
struct NodeFlags {
  std::string home;
  std::string rpc = "127.0.0.1:8645";
  CLI::Option* rpc_opt = nullptr;  // --rpc given: it beats config.toml's
  std::string log_level = "info";
  rpc::RateLimit tx_rate = node::NodeConfig{}.tx_rate;
  std::string web_dir;
  bool reset_signing_state = false;
  std::string misbehave;
  int mine_threads = -1;  // -1: not given
};

// Runs the node until SIGINT or SIGTERM.
void run_node(const NodeFlags& f) {
  spdlog::set_level(spdlog::level::from_str(f.log_level));
  auto [host, port] = parse_host_port(f.rpc);
  // Block the signals before any thread starts, so only sigwait sees them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  node::NodeConfig cfg;
  cfg.home = f.home;
  cfg.rpc_host = host;
  cfg.rpc_port = port;
  cfg.tx_rate = f.tx_rate;
  cfg.web_dir = f.web_dir;
  cfg.reset_signing_state = f.reset_signing_state;
  if (f.mine_threads >= 0) cfg.mine_threads = static_cast<unsigned>(f.mine_threads);
  if (!f.misbehave.empty()) {
    constexpr std::string_view kPrefix = "double-prevote:";
    uint64_t h = 0;
    const std::string_view m = f.misbehave;
    const std::string_view digits = m.substr(std::min(m.size(), kPrefix.size()));
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), h);
    if (!m.starts_with(kPrefix) || digits.empty() || ec != std::errc() ||
        end != digits.data() + digits.size() || h == 0)
      throw UserError("--misbehave: expected double-prevote:HEIGHT (HEIGHT >= 1), got \"" +
                      f.misbehave + "\"");
    cfg.misbehave_double_prevote = h;
    spdlog::warn(
        "TEST ONLY: --misbehave double-prevote:{}: this validator will sign two "
        "conflicting prevotes at height {} and be slashed for it",
        h, h);
  }
  // A devnet home's config.toml: peers, P2P and RPC addresses, timeouts.
  if (Status st = node::apply_home_config(cfg, f.rpc_opt->count() > 0); !st)
    throw UserError(st.to_string());
  auto n = node::Node::open(cfg);
  if (!n) throw UserError(n.status().to_string());
  Status st = (*n)->start();
  if (!st) throw UserError(st.to_string());
  spdlog::info("node up: chain {} height {} rpc http://{}:{}{}", (*n)->genesis().chain_id,
               (*n)->height(), cfg.rpc_host, (*n)->rpc_port(),
               cfg.p2p ? " p2p " + cfg.p2p->listen_host + ":" + std::to_string((*n)->p2p_port())
                       : std::string());
  if (!f.web_dir.empty())
    spdlog::info("dashboard http://{}:{}/ (files from {})", cfg.rpc_host, (*n)->rpc_port(),
                 f.web_dir);
  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("signal {}: shutting down", sig);
  (*n)->stop();
  spdlog::info("stopped at height {}", (*n)->height());
  if ((*n)->halted()) {
    // Closing a RocksDB whose WAL write failed flushes that writer again,
    // which Debian's RocksDB 7.8 answers with an assertion abort. Nothing
    // needs closing: every committed block was synced before the failure
    // and reopening drops the torn tail. So leave without destructors.
    std::cerr << "node had halted (store failure, see the log); exiting without closing the "
                 "store\n";
    std::cerr.flush();
    std::_Exit(2);
  }
}

void add_node_command(CLI::App& app) {
  auto* run = app.add_subcommand("node", "Run a node until SIGINT/SIGTERM");
  static NodeFlags f;
  run->add_option("--home", f.home, "Home directory (see wattle init)")->required();
  f.rpc_opt =
      run->add_option("--rpc", f.rpc,
                      "HTTP API listen address HOST:PORT (default: config.toml's, else this)")
          ->capture_default_str();
  run->add_option("--log-level", f.log_level, "trace|debug|info|warn|error")->capture_default_str();
  run->add_option("--web-dir", f.web_dir,
                  "Serve the dashboard's built files (web/dist) at the RPC address");
  run->add_option("--tx-rate", f.tx_rate.per_second,
                  "Txs per second each client address may submit (0: no limit)")
      ->capture_default_str()
      ->transform(decimal_in(0, 1'000'000'000));
  run->add_option("--tx-burst", f.tx_rate.burst,
                  "Txs a client address may submit at once before --tx-rate applies")
      ->capture_default_str()
      ->transform(decimal_in(1, 1'000'000'000));
  run->add_flag("--reset-signing-state", f.reset_signing_state,
                "DANGER: start a \"bft\" validator with a fresh HOME/signing_state.json, "
                "forgetting what its key signed. Only for a key that never signed on this chain: "
                "a validator that signed before can double-sign and be slashed "
                "(docs/consensus.md, \"Signing state\")");
  run->add_option("--misbehave", f.misbehave,
                  "TEST ONLY: double-prevote:HEIGHT signs two conflicting prevotes at HEIGHT "
                  "(equivocation), so the slashing path can be tried (docs/staking.md)");
  run->add_option("--mine-threads", f.mine_threads,
                  "pow chains: mining threads (default 1; 0: a full node that only follows; at "
                  "most 64)")
      ->check(CLI::Range(0, 64));
  run->callback([] { run_node(f); });
}

// `wattle verify`: replays the stored chain.
void add_verify_command(CLI::App& app) {
  auto* verify = app.add_subcommand(
      "verify", "Replay the stored chain from genesis and check every block and the state root");
  static std::string verify_home;
  verify->add_option("--home", verify_home, "Home directory (node must be stopped)")->required();
  verify->callback([] {
    auto r = node::verify_home(verify_home);
    if (!r) {
      if (r.status().code() == Code::kCorruption) {
        std::cerr << "verify failed: " << r.status().to_string() << "\n";
        throw ExitCode{3};
      }
      throw UserError(r.status().to_string());
    }
    std::cout << "height=" << r->height << "\ntxs=" << r->txs
              << "\nstate_root=" << r->state_root.hex() << "\nok=true\n";
  });
}

}  // namespace

void register_chain_commands(CLI::App& app) {
  add_init_command(app);
  add_node_command(app);
  add_verify_command(app);
}

}  // namespace wattle::cli
