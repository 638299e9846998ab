// What a failed schedule prints in the cluster simulator's tests: its seed,
// each violation on its own line, and the command that replays it.
#pragma once

#include <string>

#include "cluster_sim/simulator.h"

namespace wattle::cluster_sim {

inline std::string report(const SimConfig& c, const ScheduleResult& r) {
  std::string s = "seed " + std::to_string(r.seed) + " failed:\n";
  for (const auto& v : r.violations) s += "  " + v + "\n";
  return s + "replay: " + replay_command(c, r.seed);
}

}  // namespace wattle::cluster_sim
