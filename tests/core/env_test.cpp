// The Env every layer gets its clock, workers and disk space from: the
// process's (system_env) runs each index exactly once whatever the batch
// size and however many callers share its bounded pool; the deterministic
// one (InlineEnv) runs in order in the calling thread and tells the time it
// was told.
#include "core/env.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace wattle {
namespace {

// Runs for_each over n indexes and checks each ran exactly once.
void expect_each_once(Env& env, size_t n) {
  std::vector<std::atomic<int>> runs(n);
  env.for_each(n, [&](size_t i) { runs[i].fetch_add(1); });
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(runs[i].load(), 1) << "index " << i << " of " << n;
}

TEST(SystemEnv, RunsEveryIndexExactlyOnceForAnyBatchSize) {
  Env& env = system_env();
  EXPECT_GE(env.worker_count(), 1u);
  EXPECT_LE(env.worker_count(), 8u);
  for (size_t n : {0, 1, 15, 63, 64, 65, 1000, 100'003}) expect_each_once(env, n);
}

TEST(SystemEnv, ConcurrentCallersShareThePoolAndEachGetsAllItsWork) {
  // More callers than workers: a caller finding the queue full runs alone.
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int c = 0; c < 12; ++c)
    callers.emplace_back([&, c] {
      const size_t n = 500 + 97 * static_cast<size_t>(c);
      std::vector<std::atomic<int>> runs(n);
      for (int round = 0; round < 20; ++round)
        system_env().for_each(n, [&](size_t i) { runs[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i)
        if (runs[i].load() != 20) failures.fetch_add(1);
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SystemEnv, ClocksAndDiskSpace) {
  Env& env = system_env();
  EXPECT_GT(env.now_ms(), 1'700'000'000'000u);  // after 2023: a Unix-epoch wall clock
  const uint64_t a = env.steady_ms();
  EXPECT_LE(a, env.steady_ms());
  auto free = env.free_bytes("/");
  ASSERT_TRUE(free.is_ok()) << free.status().to_string();
  EXPECT_GT(*free, 0u);
  auto missing = env.free_bytes("/no/such/dir/for/wattle");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), Code::kIoError);
}

TEST(InlineEnv, RunsInOrderInTheCallingThreadAndTellsTheTimeItWasTold) {
  InlineEnv env(42);
  EXPECT_EQ(env.now_ms(), 42u);
  EXPECT_EQ(env.steady_ms(), 42u);
  env.set_now_ms(1'000);
  EXPECT_EQ(env.now_ms(), 1'000u);
  std::vector<size_t> order;
  const auto caller = std::this_thread::get_id();
  bool same_thread = true;
  env.for_each(5, [&](size_t i) {
    order.push_back(i);
    same_thread = same_thread && std::this_thread::get_id() == caller;
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(same_thread);
  EXPECT_EQ(env.worker_count(), 1u);
  EXPECT_EQ(env.free_bytes("/anything").value(), UINT64_MAX);
}

}  // namespace
}  // namespace wattle
