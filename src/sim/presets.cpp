// Built-in scenarios for the projects of the survey (reference 000, Tables
// 1-2 and §5.3): the mechanism each project uses, a community of the size it
// reports where it reports one, and a site in its country. Tariffs and
// household sizes are illustrative round figures (tokens per kWh), not the
// projects' real prices; what a preset fixes is the market design.
#include "sim/presets.h"

namespace wattle::sim {

namespace {

// mmr and sdr run the same community, so the two differ only in the rule.
Preset community_pricing(const std::string& mechanism, const std::string& summary,
                         const std::string& rule) {
  return {mechanism, summary,
          "name = \"" + mechanism + "\"\ndescription = \"Community pricing: " + rule +
              "\"\nmechanism = \"" + mechanism + "\"\n" + R"toml(seed = 1
start = "2025-06-01"
days = 7
[tariff]
grid_buy = 0.30
grid_sell = 0.08
carbon_g_per_kwh = 380
[site]
latitude = 52.52
longitude = 13.40
timezone = "Europe/Berlin"
[[households]]
name = "prosumer"
count = 10
annual_kwh = 3500
pv_kwp = 5
[[households]]
name = "consumer"
count = 20
annual_kwh = 3000
)toml"};
}

}  // namespace

// One table, kept whole: every preset side by side, each scenario as a user would write it.
const std::vector<Preset>& presets() {
  static const std::vector<Preset> list = {
      {"brooklyn", "Brooklyn Microgrid: uniform-price call auction, 10 prosumers + 40 consumers",
       R"toml(name = "brooklyn"
description = "Brooklyn Microgrid (Exergy/LO3, 2016): pay-as-clear auction per slot"
seed = 1
start = "2025-06-01"
days = 7
holidays = "none"
mechanism = "uniform"
[tariff]
grid_buy = 0.25
grid_sell = 0.05
carbon_g_per_kwh = 370
[site]
latitude = 40.68
longitude = -73.98
timezone = "America/New_York"
[[households]]
name = "prosumer"
count = 10
annual_kwh = 4500
pv_kwp = 6
agent = "truthful"
[[households]]
name = "consumer"
count = 40
annual_kwh = 4000
agent = "zi-c"
)toml"},
      {"powerledger", "Power Ledger: pro-rata (fair-share) matching of a solar pool",
       R"toml(name = "powerledger"
description = "Power Ledger (Australia): orders filled in equal increments (pro-rata)"
seed = 1
start = "2025-01-01"
days = 7
holidays = "none"
mechanism = "pro-rata"
[tariff]
grid_buy = 0.30
grid_sell = 0.07
carbon_g_per_kwh = 650
[site]
latitude = -32.05
longitude = 115.75
timezone = "Australia/Perth"
[[households]]
name = "prosumer"
count = 15
annual_kwh = 5000
pv_kwp = 6.6
pv_azimuth = 0
agent = "truthful"
[[households]]
name = "consumer"
count = 25
annual_kwh = 5000
agent = "truthful"
)toml"},
      {"nrgcoin", "NRGcoin: continuous double auction, ZI-C traders",
       R"toml(name = "nrgcoin"
description = "NRGcoin (Belgium): continuous double auction, agents arrive in random order"
seed = 1
start = "2025-05-01"
days = 7
holidays = "none"
mechanism = "cda"
[tariff]
grid_buy = 0.32
grid_sell = 0.04
carbon_g_per_kwh = 170
[site]
latitude = 50.85
longitude = 4.35
timezone = "Europe/Brussels"
[[households]]
name = "prosumer"
count = 12
annual_kwh = 3500
pv_kwp = 5
agent = "zi-c"
[[households]]
name = "consumer"
count = 18
annual_kwh = 3500
agent = "zi-c"
)toml"},
      {"gridsingularity",
       "Grid Singularity (gsy-e): two-sided pay-as-bid, adaptive (ZIP) agents, batteries",
       R"toml(name = "gridsingularity"
description = "Grid Singularity / Energy Web gsy-e: two-sided pay-as-bid, trades at the bid"
seed = 1
start = "2025-04-01"
days = 7
mechanism = "pay-as-bid"
[mechanism_params]
k = 1000000
[tariff]
grid_buy = 0.30
grid_sell = 0.08
carbon_g_per_kwh = 380
[site]
latitude = 52.52
longitude = 13.40
timezone = "Europe/Berlin"
[[households]]
name = "prosumer"
count = 10
annual_kwh = 3500
pv_kwp = 5
agent = "zip"
[[households]]
name = "storage"
count = 5
annual_kwh = 3000
pv_kwp = 4
battery_kwh = 10
battery_kw = 5
agent = "battery"
[[households]]
name = "consumer"
count = 15
annual_kwh = 3000
agent = "zip"
)toml"},
      {"power-id", "Power-ID (Switzerland): 20 consumers + 20 prosumers with solar and batteries",
       R"toml(name = "power-id"
description = "Power-ID pilot: 20 consumers and 20 prosumers (solar + batteries), uniform auction"
seed = 1
start = "2025-07-01"
days = 7
holidays = "none"
mechanism = "uniform"
[tariff]
grid_buy = 0.27
grid_sell = 0.09
carbon_g_per_kwh = 130
[site]
latitude = 47.37
longitude = 8.54
timezone = "Europe/Zurich"
[[households]]
name = "prosumer"
count = 20
annual_kwh = 4000
pv_kwp = 8
battery_kwh = 8
battery_kw = 4
agent = "battery"
[[households]]
name = "consumer"
count = 20
annual_kwh = 3500
agent = "truthful"
)toml"},
      {"tal-markt", "Tal.Markt (Wuppertal): citizens buy from local producers of up to 30 kW",
       R"toml(name = "tal-markt"
description = "Tal.Markt: producers (<= 30 kW) sell to citizens; discriminatory pay-as-bid"
seed = 1
start = "2025-06-01"
days = 7
mechanism = "pay-as-bid"
[tariff]
grid_buy = 0.32
grid_sell = 0.08
carbon_g_per_kwh = 380
[site]
latitude = 51.26
longitude = 7.15
timezone = "Europe/Berlin"
[[households]]
name = "producer"
count = 3
annual_kwh = 0
pv_kwp = 30
agent = "zi-c"
[[households]]
name = "citizen"
count = 40
annual_kwh = 3000
agent = "zi-c"
)toml"},
      community_pricing("mmr", "Mid-market-rate community pricing (Long et al. 2017)",
                        "every trade at the midpoint of the grid tariffs"),
      community_pricing("sdr", "Supply-demand-ratio community pricing (Liu et al. 2017)",
                        "the price follows the community's supply/demand ratio"),
  };
  return list;
}

const Preset* find_preset(const std::string& name) {
  for (const Preset& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace wattle::sim
