// `wattle bench energy`: the energy cost of consensus, BFT next to PoW, on the
// same signed-transfer workload in one run (docs/consensus.md, "Proof of
// work: measured").
//
// Per engine: a 4-node devnet written by `wattle devnet init --validators 4`
// (PoW: `--consensus pow`) in a temp dir, its nodes started as `wattle node`
// processes (PoW: `--mine-threads 1` each; the load starts after two retarget
// windows, so blocks come near the target time), the same pre-signed
// transfers from 32 funded senders driven through them (devnet_load.h), and
// the nodes' CPU and energy measured over the load (energy_meter.h).
//
//   bft_tps, pow_tps                txs committed / (last commit - first submit)
//   bft_p50_ms                      median submit -> committed (final at once)
//   pow_p50_ms                      median submit -> committed at depth 1
//   pow_p50_final_ms                median submit -> finality_depth confirmations
//   bft_cpu_s_per_tx, pow_...       CPU seconds of all 4 node processes / txs
//   bft_joules_per_tx, pow_...      joules over the load / txs
//   energy_method                   rapl (package counters) or cpu_model
//                                   (CPU s x kWattsPerCore)
//   pow_bft_energy_ratio            pow_joules_per_tx / bft_joules_per_tx
// --txs N (default 2,000; --quick 200). When the PoW devnet cannot be made or
// does not come up, the BFT figures stand and the run exits 2 with
// "pow devnet unavailable: ..." (no PoW figure is printed).
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "bench.h"
#include "consensus/pow/params.h"
#include "devnet_load.h"
#include "energy_meter.h"
#include "node/devnet.h"
#include "workload.h"

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;

constexpr int kNodes = 4;
constexpr size_t kSenders = 32;
const char* const kChainId = "bench-energy";

// A devnet could not be made or run; `what` says which step and why.
struct Unavailable {
  std::string what;
};

// Runs `wattle ARGS...` to completion, output to `log`; its exit status.
Result<int> run_wattle(const std::string& self, const std::vector<std::string>& args,
                       const std::string& log) {
  auto pid = node::spawn_wattle(self, args, log);
  if (!pid) return pid.status();
  int status = 0;
  if (waitpid(*pid, &status, 0) != *pid) return Status(Code::kIoError, "lost " + self);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The first line of a log: where the CLI puts its error.
std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) return line;
  return "(no output)";
}

// A field of a PoW genesis' pow section, when it names one, else `fallback`.
uint32_t pow_param(const fs::path& genesis, const char* key, uint32_t fallback) {
  std::ifstream in(genesis);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_object() && j.contains("pow") && j["pow"].is_object() && j["pow"].value(key, 0u) > 0)
    return j["pow"].value(key, 0u);
  return fallback;
}

struct EngineRun {
  LoadResult load;
  EnergyReading energy;
  uint32_t final_confirmations = 0;
};

class Devnet {
 public:
  Devnet(fs::path dir, bool pow) : dir_(std::move(dir)), pow_(pow) {}
  ~Devnet() { stop(); }

  EngineRun run(const Workload& w, const BenchOptions& opts) {
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    fs::remove_all(dir_);
    fs::create_directories(dir_.parent_path());
    auto base = node::free_port_range("127.0.0.1", 2 * kNodes);
    if (!base) throw Unavailable{base.status().to_string()};
    std::vector<std::string> init = {
        "devnet",      "init",        "--validators",        "4",          "--home",
        dir_.string(), "--base-port", std::to_string(*base), "--chain-id", kChainId};
    if (pow_) init.insert(init.end(), {"--consensus", "pow"});
    for (const KeyPair& k : w.senders)
      init.insert(init.end(),
                  {"--balance", Address::of(k.public_key()).to_string() + "=1000000000"});
    const std::string init_log = dir_.string() + "-init.log";
    auto rc = run_wattle(self, init, init_log);
    if (!rc) throw Unavailable{rc.status().to_string()};
    if (*rc != 0)
      throw Unavailable{"wattle devnet init exited " + std::to_string(*rc) + ": " +
                        first_line(init_log)};
    std::vector<uint16_t> ports;
    for (int i = 0; i < kNodes; ++i) {
      const fs::path home = dir_ / ("node" + std::to_string(i));
      std::vector<std::string> extra = {"--tx-rate", "0", "--log-level", "info"};
      if (pow_) extra.insert(extra.end(), {"--mine-threads", "1"});
      auto pid = node::spawn_node(self, home.string(), extra, (home / "node.log").string());
      if (!pid) throw Unavailable{pid.status().to_string()};
      pids_.push_back(*pid);
      ports.push_back(static_cast<uint16_t>(*base + 2 * i));
    }
    // PoW starts at an easy target: the load begins after two retarget
    // windows, when blocks come near the target block time (--quick: at once).
    const fs::path genesis = dir_ / "node0" / "genesis.json";
    const consensus::pow::PowParams pp;
    const uint64_t warm =
        pow_ && !opts.quick ? 2 * pow_param(genesis, "retarget_blocks", pp.retarget_blocks) : 2;
    if (!wait_ready(ports, warm, std::chrono::seconds(pow_ ? 300 : 60)))
      throw Unavailable{"its nodes did not come up (see " + dir_.string() + "/node*/node.log)"};
    EngineRun out;
    out.final_confirmations = pow_ ? pow_param(genesis, "finality_depth", pp.finality_depth) : 0;
    EnergyMeter meter(pids_);
    if (Status st = meter.start(); !st) throw Unavailable{st.to_string()};
    LoadOptions lo;
    lo.senders = kSenders;
    lo.final_confirmations = out.final_confirmations;
    lo.deadline = std::chrono::seconds(pow_ ? (opts.quick ? 300 : 900) : 120);
    out.load = run_load(w, ports, lo);
    auto energy = meter.stop();
    if (!energy) throw Unavailable{"a node exited during the load: " + energy.status().to_string()};
    out.energy = *energy;
    if (!out.load.complete)
      throw Unavailable{"only " + std::to_string(out.load.committed) + " of " +
                        std::to_string(w.txs.size()) + " txs committed (and final) in time (see " +
                        dir_.string() + "/node*/node.log)"};
    stop();
    fs::remove_all(dir_);
    fs::remove(init_log);
    return out;
  }

 private:
  void stop() {
    for (pid_t p : pids_) kill(p, SIGTERM);
    for (pid_t p : pids_) waitpid(p, nullptr, 0);
    pids_.clear();
  }

  fs::path dir_;
  bool pow_;
  std::vector<pid_t> pids_;
};

double per_tx(double total, uint64_t txs) {
  return txs > 0 ? total / static_cast<double>(txs) : 0;
}

void print_engine(const std::string& p, const EngineRun& r) {
  const uint64_t n = r.load.committed;
  std::cout << std::fixed << std::setprecision(0) << p << "_tps=" << r.load.tps() << "\n"
            << std::setprecision(1) << p << "_p50_ms=" << percentile(r.load.commit_ms, 0.5) << "\n";
  if (r.final_confirmations > 0)
    std::cout << p << "_p50_final_ms=" << percentile(r.load.final_ms, 0.5) << "\n";
  std::cout << std::setprecision(6) << p << "_cpu_s_per_tx=" << per_tx(r.energy.cpu_seconds, n)
            << "\n"
            << p << "_joules_per_tx=" << per_tx(r.energy.joules, n) << "\n";
}

}  // namespace

int run_energy(const BenchOptions& opts) {
  const size_t n_txs = opts.txs > 0 ? opts.txs : (opts.quick ? 200 : 2'000);
  const Workload w = make_workload(kChainId, kSenders, n_txs, opts.seed, "energy");
  const fs::path dir =
      fs::temp_directory_path() / ("wattle-bench-energy-" + std::to_string(::getpid()));
  EngineRun bft;
  try {
    bft = Devnet(dir / "bft", false).run(w, opts);
  } catch (const Unavailable& u) {
    std::cerr << "bft devnet failed: " << u.what << "\n";
    return 1;
  }
  print_engine("bft", bft);
  std::cout << "energy_method=" << bft.energy.method << "\n";
  if (bft.energy.method == "cpu_model")
    std::cout << std::setprecision(1) << "watts_per_core=" << kWattsPerCore << "\n";
  std::cout.flush();
  EngineRun pow;
  try {
    pow = Devnet(dir / "pow", true).run(w, opts);
  } catch (const Unavailable& u) {
    std::cerr << "pow devnet unavailable: " << u.what << "\n";
    return 2;
  }
  print_engine("pow", pow);
  if (pow.energy.method != bft.energy.method)
    std::cout << "pow_energy_method=" << pow.energy.method << "\n";
  const double bft_j = per_tx(bft.energy.joules, bft.load.committed);
  const double pow_j = per_tx(pow.energy.joules, pow.load.committed);
  std::cout << std::setprecision(1) << "pow_bft_energy_ratio=" << (bft_j > 0 ? pow_j / bft_j : 0)
            << "\n";
  std::error_code ignored;
  fs::remove(dir, ignored);
  return 0;
}

}  // namespace wattle::bench
