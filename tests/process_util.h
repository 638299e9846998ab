// Helpers for the multi-process tests (crash_test, devnet_test): spawning
// `wattle` processes with their output in a log, free loopback ports, and
// JSON over the node's HTTP API.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rpc/http_client.h"

extern char** environ;

namespace wattle {

using nlohmann::json;

inline uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

inline pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::optional<json> get(rpc::HttpClient& c, const std::string& target,
                               const std::string& body = "") {
  auto r = body.empty() ? c.get(target) : c.post(target, body);
  if (!r) return std::nullopt;
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  j["_http"] = r->status;
  return j;
}

inline bool wait_ready(rpc::HttpClient& c) {
  for (int i = 0; i < 400; ++i) {  // up to 20 s (RocksDB recovery)
    if (auto s = get(c, "/v1/status"); s && (*s)["_http"] == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace wattle
