#include "cluster_sim/world.h"

#include <fmt/format.h>

namespace wattle::cluster_sim {

namespace {
constexpr uint64_t kEventsAfterBadCertificate = 20'000;
constexpr size_t kMaxViolationTexts = 8;
}  // namespace

void World::trace(const std::string& line) {
  trace_hasher_.update(as_bytes(line));
  trace_hasher_.update(as_bytes("\n"));
  if (config.record_trace) {
    result.trace += line;
    result.trace += '\n';
  }
}

void World::violation(uint32_t& counter, const std::string& text) {
  ++counter;
  // The schedule has failed: stop, except on a bad certificate, after which
  // we run on for a while to show the fork such a commit allows
  // (quorum-half); liveness means nothing any more (validators that missed
  // such a commit cannot catch up with it).
  if (&counter != &result.certificate_violations) stop = true;
  if (&counter == &result.certificate_violations && counter == 1)
    event_limit = result.events + kEventsAfterBadCertificate;
  trace("VIOLATION " + text);
  if (result.violations.size() < kMaxViolationTexts)
    result.violations.push_back(fmt::format("t={} {}", now, text));
}

}  // namespace wattle::cluster_sim
