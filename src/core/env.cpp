#include "core/env.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wattle {
namespace {

// One for_each call shared by its caller and the workers that join it.
struct Batch {
  Batch(size_t n, const std::function<void(size_t)>& fn, size_t chunk)
      : n(n), fn(fn), chunk(chunk) {}
  const size_t n;
  const std::function<void(size_t)>& fn;  // lives in the caller, who waits for `done == n`
  const size_t chunk;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mu;
  std::condition_variable finished;

  // Claims and runs chunks until none are left.
  void work() {
    for (;;) {
      const size_t begin = next.fetch_add(chunk);
      if (begin >= n) return;
      const size_t end = std::min(n, begin + chunk);
      for (size_t i = begin; i < end; ++i) fn(i);
      if (done.fetch_add(end - begin) + (end - begin) == n) {
        std::lock_guard lock(mu);
        finished.notify_all();
      }
    }
  }
};

// A fixed pool; its queue holds at most one pending batch per worker, and a
// caller that finds it full runs its batch alone (it always helps anyway).
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads) {
    for (unsigned t = 0; t < threads; ++t) workers_.emplace_back([this] { loop(); });
  }
  // Never destroyed: system_env() lives as long as the process, and joining
  // at static destruction could deadlock with a detached caller.
  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  void run(size_t n, const std::function<void(size_t)>& fn) {
    const size_t chunk = std::max<size_t>(16, n / (size_t{size()} * 4));
    auto batch = std::make_shared<Batch>(n, fn, chunk);
    {
      std::lock_guard lock(mu_);
      if (queue_.size() < workers_.size()) {
        // One queue entry per helper worth having.
        const size_t helpers = std::min<size_t>(workers_.size(), (n + chunk - 1) / chunk - 1);
        for (size_t h = 0; h < helpers && queue_.size() < workers_.size(); ++h)
          queue_.push_back(batch);
        ready_.notify_all();
      }
    }
    batch->work();
    std::unique_lock lock(batch->mu);
    batch->finished.wait(lock, [&] { return batch->done.load() == n; });
  }

 private:
  void loop() {
    for (;;) {
      std::shared_ptr<Batch> batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty(); });
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      batch->work();
    }
  }

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::shared_ptr<Batch>> queue_;
  std::vector<std::thread> workers_;
};

class SystemEnv final : public Env {
 public:
  SystemEnv()
      : pool_(new WorkerPool(std::clamp(std::thread::hardware_concurrency(), 1u, 8u) - 1)) {}

  uint64_t now_ms() override {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  }
  uint64_t steady_ms() override {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
  }
  void for_each(size_t n, const std::function<void(size_t)>& fn) override {
    // Below a few chunks the hand-off costs more than it saves.
    if (n < 64 || pool_->size() == 1) {
      for (size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    pool_->run(n, fn);
  }
  unsigned worker_count() const override { return pool_->size(); }
  Result<uint64_t> free_bytes(const std::string& dir) override {
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0)
      return Status(Code::kIoError, "cannot stat the file system of " + dir);
    return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  }

 private:
  WorkerPool* pool_;  // deliberately leaked: see WorkerPool
};

}  // namespace

Env& system_env() {
  static SystemEnv* env = new SystemEnv();  // never destroyed: threads outlive main's statics
  return *env;
}

}  // namespace wattle
