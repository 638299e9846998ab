#include "sim/agents.h"

#include <algorithm>
#include <cmath>

namespace wattle::sim {

std::optional<AgentKind> parse_agent(const std::string& n) {
  if (n == "truthful") return AgentKind::kTruthful;
  if (n == "zi-u") return AgentKind::kZiU;
  if (n == "zi-c") return AgentKind::kZiC;
  if (n == "zip") return AgentKind::kZip;
  if (n == "fixed") return AgentKind::kFixed;
  if (n == "battery") return AgentKind::kBattery;
  return std::nullopt;
}

std::string agent_name(AgentKind k) {
  switch (k) {
    case AgentKind::kTruthful:
      return "truthful";
    case AgentKind::kZiU:
      return "zi-u";
    case AgentKind::kZiC:
      return "zi-c";
    case AgentKind::kZip:
      return "zip";
    case AgentKind::kFixed:
      return "fixed";
    case AgentKind::kBattery:
      return "battery";
  }
  return "?";
}

const char* agent_names() {
  return "truthful, zi-u, zi-c, zip, fixed, battery";
}

int64_t zi_c_bid(Rng& rng, int64_t value, int64_t floor) {
  if (value <= floor) return value;
  return rng.uniform_int(floor, value);
}

int64_t zi_c_ask(Rng& rng, int64_t cost, int64_t ceiling) {
  if (cost >= ceiling) return cost;
  return rng.uniform_int(cost, ceiling);
}

int64_t zi_u_price(Rng& rng, int64_t floor, int64_t ceiling) {
  return rng.uniform_int(std::min(floor, ceiling), std::max(floor, ceiling));
}

ZipTrader ZipTrader::make(bool seller, Rng& rng) {
  ZipTrader z;
  z.seller = seller;
  z.beta = 0.1 + 0.4 * rng.unit();
  z.gamma = 0.1 * rng.unit();
  const double m = 0.05 + 0.3 * rng.unit();
  z.margin = seller ? m : -m;
  return z;
}

int64_t ZipTrader::price(int64_t limit) const {
  return std::max<int64_t>(0, std::llround(static_cast<double>(limit) * (1.0 + margin)));
}

void ZipTrader::observe(int64_t limit, std::optional<int64_t> clearing, bool traded, Rng& rng) {
  if (!clearing || limit <= 0) return;
  const double q = static_cast<double>(*clearing);
  const double p = static_cast<double>(price(limit));
  // Cliff's rules for a call market: a trader that traded, or whose price
  // would have, asks for more profit (a seller's price goes up, a buyer's
  // down); one priced out concedes. Target = R x q + A, R within 5% of 1 and
  // A within 0.5% of q, on the side of the move.
  const bool satisfied = traded || (seller ? p <= q : p >= q);
  const double up = (seller == satisfied) ? 1.0 : -1.0;
  const double target = q * (1.0 + up * 0.05 * rng.unit()) + up * 0.005 * q * rng.unit();
  const double delta = beta * (target - p);
  momentum = gamma * momentum + (1 - gamma) * delta;
  double m = (p + momentum) / static_cast<double>(limit) - 1.0;
  margin = seller ? std::max(0.0, m) : std::clamp(m, -1.0, 0.0);
}

}  // namespace wattle::sim
