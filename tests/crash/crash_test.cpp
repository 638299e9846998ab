// Crash test: a real `wattle node` process under a
// steady load of signed transfers is killed with SIGKILL at random moments
// and restarted. Afterwards every tx the API reported as committed must be
// committed at the same height, the chain must verify from genesis
// (`wattle verify`: links, certificates, signatures, state roots replayed),
// and the node must still shut down cleanly on SIGTERM.
//
//   crash_test PATH_TO_WATTLE
//   WATTLE_SEED=N              replay a run (the seed is printed first)
//   WATTLE_CRASH_KILLS=N       number of kills (default 20)
//   WATTLE_LONG=1              long mode: 100 kills
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "chain/tx.h"
#include "node/home.h"
#include "process_util.h"
#include "rpc/http_client.h"

extern char** environ;

namespace wattle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string g_wattle;  // path to the binary, from argv

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::stoull(v) : fallback;
}

TEST(Crash, KilledNodeLosesNothingCommitted) {
  ASSERT_FALSE(g_wattle.empty()) << "usage: crash_test PATH_TO_WATTLE";
  const uint64_t seed = env_u64("WATTLE_SEED", std::random_device{}());
  const uint64_t kills = env_u64("WATTLE_CRASH_KILLS", env_u64("WATTLE_LONG", 0) ? 100 : 20);
  std::cout << "crash_test seed=" << seed << " kills=" << kills << "  (replay: WATTLE_SEED=" << seed
            << " WATTLE_CRASH_KILLS=" << kills << " crash_test " << g_wattle << ")" << std::endl;
  std::mt19937_64 rng(seed);

  fs::path home = fs::temp_directory_path() / ("wattle-crash-" + std::to_string(::getpid()));
  fs::remove_all(home);
  std::vector<KeyPair> senders;
  node::InitOptions init;
  init.chain_id = "crash";
  init.block_interval_ms = 20;
  for (int i = 0; i < 8; ++i) {
    senders.push_back(KeyPair::from_label("crash/" + std::to_string(i)));
    init.balances.push_back({Address::of(senders.back().public_key()), Money(1'000'000'000)});
  }
  ASSERT_TRUE(node::init_home(home.string(), init).is_ok());
  const uint16_t port = free_port();
  const std::string log = (home / "node.log").string();
  const std::vector<std::string> args = {
      g_wattle,      "node", "--home", home.string(), "--rpc", "127.0.0.1:" + std::to_string(port),
      "--log-level", "warn"};

  std::map<std::string, uint64_t> committed;  // tx hash -> height the API reported
  uint64_t submitted = 0;
  for (uint64_t round = 0; round <= kills; ++round) {
    pid_t pid = spawn(args, log);
    ASSERT_GT(pid, 0);
    rpc::HttpClient c("127.0.0.1", port, {std::chrono::milliseconds(5000)});
    ASSERT_TRUE(wait_ready(c)) << "node did not come up after restart " << round << "; see " << log;
    // Nonces restart from the committed state: pending txs died with the process.
    std::vector<uint64_t> nonce(senders.size());
    for (size_t s = 0; s < senders.size(); ++s) {
      auto a = get(c, "/v1/accounts/" + Address::of(senders[s].public_key()).to_string());
      ASSERT_TRUE(a && (*a)["_http"] == 200);
      nonce[s] = (*a)["nonce"].get<uint64_t>();
    }
    const bool last = round == kills;
    auto kill_at = Clock::now() + std::chrono::milliseconds(last ? 600 : 50 + rng() % 450);
    std::vector<std::string> pending;
    while (Clock::now() < kill_at) {
      json batch = {{"txs", json::array()}};
      std::vector<std::string> hashes;
      for (size_t s = 0; s < senders.size(); ++s) {
        Address to = Address::of(senders[(s + 1 + rng() % 7) % senders.size()].public_key());
        chain::Tx tx = chain::Tx::make_signed(init.chain_id, senders[s], nonce[s]++,
                                              chain::Transfer{to, Money(1 + rng() % 1000)});
        batch["txs"].push_back(to_hex(encode_to_bytes(tx)));
      }
      auto r = get(c, "/v1/txs", batch.dump());
      if (!r) break;  // the node is gone
      for (const auto& res : (*r)["results"]) {
        ASSERT_EQ(res["code"], "ok") << res.dump();
        pending.push_back(res["hash"]);
        ++submitted;
      }
      // Record what the API now says is committed.
      std::vector<std::string> still;
      for (const auto& h : pending) {
        auto t = get(c, "/v1/txs/" + h);
        if (t && (*t)["_http"] == 200 && (*t)["status"] == "committed")
          committed[h] = (*t)["height"].get<uint64_t>();
        else
          still.push_back(h);
      }
      pending.swap(still);
    }
    if (last) {
      // Everything ever reported committed is still there, at the same height.
      for (const auto& [h, height] : committed) {
        auto t = get(c, "/v1/txs/" + h);
        ASSERT_TRUE(t.has_value());
        ASSERT_EQ((*t)["status"], "committed") << h;
        ASSERT_EQ((*t)["height"].get<uint64_t>(), height) << h;
      }
      ::kill(pid, SIGTERM);
      EXPECT_EQ(wait_exit(pid), 0) << "node did not shut down cleanly on SIGTERM; see " << log;
    } else {
      ::kill(pid, SIGKILL);
      wait_exit(pid);
    }
  }
  std::cout << "submitted=" << submitted << " committed=" << committed.size() << std::endl;
  // A harness that saw no commits proves nothing.
  EXPECT_GT(committed.size(), kills);

  std::string out = (home / "verify.out").string();
  pid_t v = spawn({g_wattle, "verify", "--home", home.string()}, out);
  ASSERT_EQ(wait_exit(v), 0) << "chain does not verify from genesis; see " << out;
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("ok=true"), std::string::npos) << text;
  if (!HasFailure()) fs::remove_all(home);
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = std::filesystem::absolute(argv[1]).string();
  return RUN_ALL_TESTS();
}
