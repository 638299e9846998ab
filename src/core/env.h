// Env: everything below the host asks of the outside world, behind one
// small interface (LevelDB's Env idea): the clock, a bounded pool of worker
// threads, and the free space of a file system. The chain and its modules
// start no thread, read no clock and ask no file system themselves; they
// get an Env from whoever hosts them:
//   - the node process: system_env() (the system clocks, one fixed pool of
//     worker threads started once per process, statvfs);
//   - the deterministic simulator and most tests: InlineEnv (a clock that
//     moves only when told, work run in the calling thread, unlimited
//     space), so a run depends on its seed alone.
// The consensus host's own Env (node/env.h) extends this one with timers
// and the network.
//
// Contract: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"

namespace wattle {

class Env {
 public:
  virtual ~Env() = default;

  // Milliseconds since the Unix epoch (wall clock; may step).
  virtual uint64_t now_ms() = 0;
  // Milliseconds on a clock that never goes back (for durations only).
  virtual uint64_t steady_ms() = 0;

  // Runs fn(i) for every i in [0, n) and returns when all have run. The
  // calls may run in parallel on at most worker_count() threads (the
  // caller's among them), in any order; fn must be safe to call so. Small
  // n runs in the calling thread.
  virtual void for_each(size_t n, const std::function<void(size_t)>& fn) = 0;
  virtual unsigned worker_count() const = 0;

  // Bytes free to an unprivileged writer on the file system holding `dir`.
  virtual Result<uint64_t> free_bytes(const std::string& dir) = 0;
};

// The process's Env: system clocks, one bounded worker pool (as many threads
// as cores, at most 8, started on first use and kept for the process's
// life), statvfs. Hosts pass it down; code below the host never calls it.
Env& system_env();

// A deterministic Env: the clock reads what set_now_ms() last set (steady
// time is the same value), work runs in the calling thread in index order,
// and every file system has unlimited space.
class InlineEnv final : public Env {
 public:
  explicit InlineEnv(uint64_t now_ms = 0) : now_(now_ms) {}
  void set_now_ms(uint64_t ms) { now_.store(ms); }
  uint64_t now_ms() override { return now_.load(); }
  uint64_t steady_ms() override { return now_.load(); }
  void for_each(size_t n, const std::function<void(size_t)>& fn) override {
    for (size_t i = 0; i < n; ++i) fn(i);
  }
  unsigned worker_count() const override { return 1; }
  Result<uint64_t> free_bytes(const std::string&) override { return UINT64_MAX; }

 private:
  std::atomic<uint64_t> now_;
};

}  // namespace wattle
