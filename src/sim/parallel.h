// parallel_for: split [0, n) into one contiguous chunk per thread.
//
// Promise: fn(begin, end) is called for disjoint chunks covering [0, n); the
// call returns when all are done. Callers write results by index only, so the
// output does not depend on the number of threads (determinism, docs/architecture.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace wattle::sim {

inline int default_threads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  const size_t t =
      std::clamp<size_t>(static_cast<size_t>(std::max(threads, 1)), 1, std::max<size_t>(n, 1));
  if (t == 1) {
    fn(size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  const size_t chunk = (n + t - 1) / t;
  for (size_t i = 1; i < t; ++i) {
    const size_t b = std::min(n, i * chunk), e = std::min(n, b + chunk);
    pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(size_t{0}, std::min(n, chunk));
  for (std::thread& th : pool) th.join();
}

}  // namespace wattle::sim
