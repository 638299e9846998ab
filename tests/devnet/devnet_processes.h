// DevnetProcesses: the homes `wattle devnet init` writes and the `wattle
// node` processes running on them, for the multi-process tests.
//
// It promises: ports come from a free loopback range picked at init (RPC of
// home i at base + 2i, P2P at base + 2i + 1, as `devnet init` lays them out);
// a node's output goes to `node.log` in its home; every process still
// running when the object goes is killed (SIGKILL) and reaped, so a failed
// assertion never leaves nodes behind. HTTP answers count only with status
// 200. Nothing here sleeps for a verdict: `wait_height` polls a condition up
// to a deadline.
#pragma once

#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "node/devnet.h"
#include "process_util.h"

namespace wattle {

class DevnetProcesses {
 public:
  // `validators` homes node0..; any further home i is cand<i - validators>.
  DevnetProcesses(std::string wattle, std::filesystem::path dir, int homes, int validators)
      : wattle_(std::move(wattle)), dir_(std::move(dir)), homes_(homes), validators_(validators) {}
  DevnetProcesses(const DevnetProcesses&) = delete;
  DevnetProcesses& operator=(const DevnetProcesses&) = delete;
  ~DevnetProcesses() {
    for (auto& [i, pid] : pids_) {
      ::kill(pid, SIGKILL);
      wait_exit(pid);
    }
  }

  // Runs `wattle devnet init ARGS... --home DIR --base-port P` (its output
  // in DIR-init.log); whether it exited 0.
  bool init(std::vector<std::string> args) {
    auto base = node::free_port_range("127.0.0.1", 2 * homes_);
    if (!base) return false;
    base_ = *base;
    std::filesystem::remove_all(dir_);
    std::filesystem::remove(init_log());  // spawn appends; the log is this run's only
    args.insert(args.begin(), {wattle_, "devnet", "init"});
    args.insert(args.end(), {"--home", dir_.string(), "--base-port", std::to_string(base_)});
    const pid_t p = spawn(args, init_log());
    return p > 0 && wait_exit(p) == 0;
  }
  std::string init_log() const { return dir_.string() + "-init.log"; }

  std::string home(int i) const {
    return (dir_ / (i < validators_ ? "node" + std::to_string(i)
                                    : "cand" + std::to_string(i - validators_)))
        .string();
  }
  uint16_t base_port() const { return base_; }
  uint16_t rpc_port(int i) const { return static_cast<uint16_t>(base_ + 2 * i); }
  uint16_t p2p_port(int i) const { return static_cast<uint16_t>(base_ + 2 * i + 1); }

  void start(int i, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{wattle_, "node", "--home", home(i), "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    pids_[i] = spawn(args, (std::filesystem::path(home(i)) / "node.log").string());
  }
  // SIGTERM: a clean stop (its exit code, 0 when clean); SIGKILL: a crash.
  // 0 when node i is not running.
  int stop(int i, int sig = SIGTERM) {
    auto it = pids_.find(i);
    if (it == pids_.end()) return 0;
    ::kill(it->second, sig);
    const int code = wait_exit(it->second);
    pids_.erase(it);
    return code;
  }

  rpc::HttpClient client(int i) const {
    return rpc::HttpClient("127.0.0.1", rpc_port(i), {std::chrono::milliseconds(5000)});
  }
  // GET (or POST with `body`) on node i: the answer when its status is 200.
  std::optional<json> get_json(int i, const std::string& target,
                               const std::string& body = "") const {
    auto c = client(i);
    auto r = get(c, target, body);
    if (!r || (*r)["_http"] != 200) return std::nullopt;
    return r;
  }
  // Node i's committed height; 0 when it does not answer.
  uint64_t height(int i) const {
    auto s = get_json(i, "/v1/status");
    return s ? (*s)["height"].get<uint64_t>() : 0;
  }
  bool wait_height(int i, uint64_t h, std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (height(i) >= h) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return height(i) >= h;
  }

 private:
  std::string wattle_;
  std::filesystem::path dir_;
  int homes_, validators_;
  uint16_t base_ = 0;
  std::map<int, pid_t> pids_;
};

}  // namespace wattle
