// RecordCache (the store's cache of committed records): hits, misses and
// "known absent" answers; a value read before or during a write never
// enters the cache after it; a failed write forgets everything; the bound
// holds. (Through the Store: store_test.cpp.)
#include "chain/record_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <random>
#include <thread>

namespace wattle::chain {
namespace {

using Written = std::vector<std::pair<std::string, std::optional<Bytes>>>;

Bytes bytes_of(uint8_t b) {
  return Bytes{b};
}

TEST(RecordCache, AMissIsFilledAndThenHitIncludingAnAbsentRecord) {
  RecordCache cache(8);
  uint64_t g = 0;
  EXPECT_FALSE(cache.get("a", &g).has_value());
  cache.fill("a", bytes_of(1), g);
  EXPECT_FALSE(cache.get("b", &g).has_value());
  cache.fill("b", std::nullopt, g);
  auto a = cache.get("a", &g);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, std::optional<Bytes>(bytes_of(1)));
  auto b = cache.get("b", &g);
  ASSERT_TRUE(b.has_value());    // a hit...
  EXPECT_FALSE(b->has_value());  // ...saying "absent"
}

TEST(RecordCache, AValueReadBeforeAWriteNeverEntersAfterIt) {
  RecordCache cache(8);
  uint64_t g = 0;
  ASSERT_FALSE(cache.get("k", &g).has_value());  // the reader misses, reads "old"...
  cache.begin_write();
  const Written w{{"k", bytes_of(2)}};
  cache.end_write(&w);              // ...the writer commits "new"...
  cache.fill("k", bytes_of(1), g);  // ...and the reader's "old" is refused
  auto k = cache.get("k", &g);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(*k, std::optional<Bytes>(bytes_of(2)));
}

TEST(RecordCache, AValueReadDuringAWriteIsNotKept) {
  RecordCache cache(8);
  uint64_t g = 0;
  cache.begin_write();
  ASSERT_FALSE(cache.get("k", &g).has_value());
  cache.fill("k", bytes_of(1), g);  // may be either side of the write
  EXPECT_EQ(cache.size(), 0u);
  cache.end_write(nullptr);
  ASSERT_FALSE(cache.get("k", &g).has_value());
  cache.fill("k", bytes_of(3), g);  // after the write: kept
  EXPECT_EQ(cache.size(), 1u);
}

TEST(RecordCache, AWriteKeepsItsValuesAndDeletionsAndAFailedWriteForgetsAll) {
  RecordCache cache(8);
  uint64_t g = 0;
  cache.begin_write();
  const Written w{{"x", bytes_of(5)}, {"y", std::nullopt}};
  cache.end_write(&w);
  auto x = cache.get("x", &g);
  auto y = cache.get("y", &g);
  ASSERT_TRUE(x && y);
  EXPECT_EQ(*x, std::optional<Bytes>(bytes_of(5)));
  EXPECT_FALSE(y->has_value());
  cache.begin_write();
  cache.end_write(nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.get("x", &g).has_value());
}

TEST(RecordCache, NeverHoldsMoreThanItsCapacityAndZeroHoldsNothing) {
  RecordCache cache(4);
  uint64_t g = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_FALSE(cache.get(key, &g).has_value());
    cache.fill(key, bytes_of(static_cast<uint8_t>(i)), g);
    EXPECT_LE(cache.size(), 4u);
  }
  RecordCache none(0);
  none.fill("k", bytes_of(1), g);
  EXPECT_EQ(none.size(), 0u);
}

// One writer commits 1, 2, 3, ... for one key into a "database" (a mutex
// and an int) with begin/end_write around it, as the Store does; readers
// read through the cache. A reader must never see a value older than the
// last one committed before its read began. The verdict does not depend
// on timing; how many interleavings it tries does.
TEST(RecordCache, ConcurrentReadersNeverSeeAValueOlderThanTheirStart) {
  const uint64_t seed = std::random_device{}();
  std::cout << "RecordCache race seed=" << seed << " (the schedule comes from the threads)\n";
  RecordCache cache(16);
  std::mutex db_mu;
  uint8_t db = 0;
  std::atomic<uint8_t> committed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> stale{0};
  std::thread writer([&] {
    for (uint8_t v = 1; v < 250; ++v) {
      cache.begin_write();
      {
        std::lock_guard lock(db_mu);
        db = v;
      }
      const Written w{{"k", bytes_of(v)}};
      cache.end_write(&w);
      committed = v;
      if (v % 7 == 0) std::this_thread::yield();
    }
    stop = true;
  });
  auto reader = [&](uint64_t salt) {
    std::mt19937_64 rng(seed ^ salt);
    while (!stop) {
      const uint8_t floor = committed;
      uint64_t g = 0;
      std::optional<Bytes> seen;
      if (auto hit = cache.get("k", &g)) {
        seen = *hit;
      } else {
        {
          std::lock_guard lock(db_mu);
          seen = bytes_of(db);
        }
        if (rng() % 2) std::this_thread::yield();
        cache.fill("k", seen, g);
      }
      if (!seen || (*seen)[0] < floor) ++stale;
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_EQ(stale.load(), 0);
}

}  // namespace
}  // namespace wattle::chain
