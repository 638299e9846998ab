// Trading agents: how a household turns its energy need into a limit price.
//
// Kinds (docs/sim.md): truthful (limit = marginal value: a buyer's value is the
// import tariff it avoids, a seller's cost the feed-in tariff it forgoes),
// ZI-U and ZI-C (Gode and Sunder 1993: uniform random prices, unconstrained
// or constrained by value/cost), ZIP (Cliff 1997: a margin on the limit that
// adapts to observed prices), fixed-price, and the battery agent (prices as
// truthful; its dispatch lives in battery.h).
//
// Promise: prices are integers (micro-units per kWh); ZI-C never bids above
// its value and never asks below its cost; every function is deterministic in
// its random draws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/rng.h"

namespace wattle::sim {

enum class AgentKind { kTruthful, kZiU, kZiC, kZip, kFixed, kBattery };

// "truthful", "zi-u", "zi-c", "zip", "fixed", "battery"; nullopt if unknown.
std::optional<AgentKind> parse_agent(const std::string& name);
std::string agent_name(AgentKind kind);
const char* agent_names();  // for error messages

// Gode and Sunder's ZI-C: a bid uniform on [floor, value], an ask uniform on
// [cost, ceiling]. When value < floor (cost > ceiling) the only admissible
// price is the value (cost) itself.
int64_t zi_c_bid(Rng& rng, int64_t value, int64_t floor);
int64_t zi_c_ask(Rng& rng, int64_t cost, int64_t ceiling);
// ZI-U: uniform on [floor, ceiling] whatever the value or cost.
int64_t zi_u_price(Rng& rng, int64_t floor, int64_t ceiling);

// ZIP (Cliff 1997, HP Labs HPL-97-141): price = limit x (1 + margin), margin
// >= 0 for sellers and in [-1, 0] for buyers, moved towards a target price by
// the Widrow-Hoff rule with learning rate beta and momentum gamma.
struct ZipTrader {
  bool seller = false;
  double margin = 0;
  double beta = 0.3;
  double gamma = 0.05;
  double momentum = 0;

  // Draws beta in [0.1, 0.5], gamma in [0, 0.1] and an initial margin in
  // [0.05, 0.35] (sign by side), as in Cliff's paper.
  static ZipTrader make(bool seller, Rng& rng);
  int64_t price(int64_t limit) const;
  // One observation: the market cleared at `clearing` (none: no trade) and
  // this trader did or did not trade at its last price.
  void observe(int64_t limit, std::optional<int64_t> clearing, bool traded, Rng& rng);
};

}  // namespace wattle::sim
