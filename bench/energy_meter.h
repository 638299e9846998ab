// EnergyMeter: the CPU time a set of processes spends and the energy it costs
// (`wattle bench energy`, docs/consensus.md "Proof of work: measured").
//
// CPU: utime + stime of each pid from /proc/<pid>/stat, in clock ticks
// (sysconf(_SC_CLK_TCK)); threads are included (the kernel sums them into the
// process). Energy: the package counters of Intel RAPL
// (/sys/class/powercap/intel-rapl:N/energy_uj, microjoules, wrapping at
// max_energy_range_uj) when every one is readable: the whole machine's
// package energy over the interval, other processes included. Else the model:
// CPU seconds x kWattsPerCore. The method used is reported with the reading.
//
// Promise: parsing functions are pure and refuse malformed text with
// kMalformed; a pid that has exited reads kNotFound. Not thread-safe; one
// meter measures one interval (start, then stop).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace wattle::bench {

// The model's figure: 15 W per busy core, a server core's share of its
// package's TDP (e.g. 120 W for 8 cores), idle power not counted.
inline constexpr double kWattsPerCore = 15.0;

// utime + stime in seconds from one /proc/<pid>/stat line. The command name
// (field 2, in parentheses) may hold spaces and parentheses: fields are
// counted after its last ')'.
Result<double> parse_proc_stat_cpu_seconds(std::string_view stat, long clock_ticks_per_second);

// The sum over `pids` of their CPU seconds now.
Result<double> processes_cpu_seconds(const std::vector<pid_t>& pids);

// One RAPL counter: its energy_uj file and the value it wraps at.
struct RaplCounter {
  std::string energy_path;
  uint64_t max_range_uj = 0;
};

// Microjoules from `before` to `after` on a counter that wraps to 0 after
// max_range_uj (one wrap at most: the counters wrap after minutes to hours).
uint64_t rapl_delta_uj(uint64_t before, uint64_t after, uint64_t max_range_uj);

// The package-level counters under `root` (intel-rapl:N, not the
// intel-rapl:N:M sub-domains their energy already includes); empty when
// there are none or any of them cannot be read (often root-only).
std::vector<RaplCounter> find_rapl_counters(const std::string& root = "/sys/class/powercap");

struct EnergyReading {
  double cpu_seconds = 0;
  double joules = 0;
  std::string method;  // "rapl" or "cpu_model"
};

// The model: CPU seconds x watts per core.
inline double cpu_model_joules(double cpu_seconds, double watts_per_core = kWattsPerCore) {
  return cpu_seconds * watts_per_core;
}

class EnergyMeter {
 public:
  // Measures `pids`; RAPL from `rapl_root` when readable there.
  explicit EnergyMeter(std::vector<pid_t> pids, std::string rapl_root = "/sys/class/powercap");
  Status start();
  // CPU and energy since start(); every pid must still be running.
  Result<EnergyReading> stop();

 private:
  Result<std::vector<uint64_t>> read_rapl() const;

  std::vector<pid_t> pids_;
  std::vector<RaplCounter> rapl_;
  double cpu_start_ = 0;
  std::vector<uint64_t> rapl_start_;
};

}  // namespace wattle::bench
