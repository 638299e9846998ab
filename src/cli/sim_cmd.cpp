// `wattle sim ...`: the community simulator (src/sim, docs/sim.md).
//
//   wattle sim profile load --standard h0 --annual-kwh 3500 --year 2025 [--holidays de]
//   wattle sim profile pv --lat 52.52 --lon 13.40 --kwp 5 --tilt 30 --azimuth 180 --year 2025
//   wattle sim auction --schedule market1.csv --traders zi-c --periods 6 --sessions 50 --seed 1
//   wattle sim --preset NAME|list | --scenario FILE.toml [--days N] [--mechanism NAME|all] [--out
//   DIR]
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "sim/clouds.h"
#include "sim/gode_sunder.h"
#include "sim/load_profile.h"
#include "sim/pv_profile.h"

namespace wattle::cli {

namespace {

struct LoadArgs {
  std::string standard = "h0";
  double annual_kwh = 3500;
  int year = 2025;
  std::string holidays = "none";
};

struct PvArgs {
  double lat = 52.52, lon = 13.40, kwp = 5, tilt = 30, azimuth = 180;
  double pr = 0.85, altitude = 0, linke = 3.0;
  int year = 2025;
  bool clear_sky = false;
  uint64_t seed = 1;
};

void print_load(const LoadArgs& a) {
  if (a.standard != "h0") throw UserError("--standard: only \"h0\" is supported");
  if (a.holidays != "none" && a.holidays != "de")
    throw UserError("--holidays: expected \"de\" or \"none\", got \"" + a.holidays + "\"");
  if (!(a.annual_kwh > 0)) throw UserError("--annual-kwh must be > 0");
  const std::vector<double> wh = sim::h0_year_wh(
      {.year = a.year, .annual_kwh = a.annual_kwh, .holidays_de = a.holidays == "de"});
  std::string out = "slot_start,energy_wh\n";
  const sim::Date first{a.year, 1, 1};
  char buf[64];
  for (size_t i = 0; i < wh.size(); ++i) {
    const sim::Date d = sim::add_days(first, static_cast<int64_t>(i / sim::kSlotsPerDay));
    std::snprintf(buf, sizeof buf, ",%.3f\n", wh[i]);
    out += sim::format_slot(d, static_cast<int>(i % sim::kSlotsPerDay)) + buf;
  }
  std::cout << out;
}

void print_pv(const PvArgs& a) {
  if (a.lat < -90 || a.lat > 90) throw UserError("--lat must be in -90..90");
  if (a.lon < -180 || a.lon > 180) throw UserError("--lon must be in -180..180");
  if (a.kwp < 0) throw UserError("--kwp must be >= 0");
  if (a.tilt < 0 || a.tilt > 90) throw UserError("--tilt must be in 0..90");
  const sim::PvSite site{a.lat, a.lon, a.altitude, 0.0, a.linke};
  sim::PvArray array{a.kwp, a.pr, sim::Surface{a.tilt, a.azimuth, 0.2}};
  const sim::Date first{a.year, 1, 1};
  const int days = sim::days_in_year(a.year);
  std::vector<sim::PvSlot> slots = sim::pv_clear_sky(site, array, first, days);
  if (!a.clear_sky) {
    const std::vector<double> k = sim::clear_sky_index(a.seed, sim::days_from_civil(first), days);
    for (size_t i = 0; i < slots.size(); ++i) {
      slots[i].energy_wh *= k[i];
      slots[i].ghi_w_m2 *= k[i];
    }
  }
  std::string out = "slot_start_utc,energy_wh,ghi_w_m2,zenith_deg,azimuth_deg\n";
  char buf[96];
  for (size_t i = 0; i < slots.size(); ++i) {
    const sim::Date d = sim::add_days(first, static_cast<int64_t>(i / sim::kSlotsPerDay));
    std::snprintf(buf, sizeof buf, "Z,%.3f,%.2f,%.4f,%.4f\n", slots[i].energy_wh, slots[i].ghi_w_m2,
                  slots[i].zenith_deg, slots[i].azimuth_deg);
    out += sim::format_slot(d, static_cast<int>(i % sim::kSlotsPerDay)) + buf;
  }
  std::cout << out;
}

struct AuctionArgs {
  std::string schedule;
  std::string market;
  std::string traders = "zi-c";
  sim::AuctionOptions opts;
};

void print_auction(AuctionArgs& a) {
  if (a.traders != "zi-c" && a.traders != "zi-u")
    throw UserError("--traders: expected zi-c or zi-u, got \"" + a.traders + "\"");
  a.opts.constrained = a.traders == "zi-c";
  Result<sim::AuctionSchedule> s = sim::read_auction_schedule(a.schedule, a.market);
  if (!s) throw UserError(s.status().message());
  std::cout << "# seed=" << a.opts.seed << " market=" << s->market << " traders=" << a.traders
            << "\n";
  const sim::AuctionResult r = sim::run_auction(*s, a.opts);
  std::printf("efficiency_pct=%.2f\nmean_price=%.2f\nvolume=%.2f\nprofit_dispersion=%.2f\n",
              r.efficiency_pct, r.mean_price, r.volume, r.profit_dispersion);
  std::printf("equilibrium_price=%.1f\nequilibrium_volume=%lld\nmax_surplus=%lld\n",
              r.equilibrium_price, static_cast<long long>(r.equilibrium_volume),
              static_cast<long long>(r.max_surplus));
}

}  // namespace

void register_sim_command(CLI::App& app) {
  auto* simc = app.add_subcommand("sim", "Community simulator: profiles, auctions, scenarios");
  auto* profile = simc->add_subcommand("profile", "Print one load or PV profile as CSV");
  profile->require_subcommand(1);

  static LoadArgs load;
  auto* lc =
      profile->add_subcommand("load", "BDEW H0 standard load profile, CSV slot_start,energy_wh");
  lc->add_option("--standard", load.standard, "Standard profile (h0)");
  lc->add_option("--annual-kwh", load.annual_kwh, "Annual consumption, kWh");
  lc->add_option("--year", load.year, "Calendar year")->check(CLI::Range(1900, 2200));
  lc->add_option("--holidays", load.holidays, "de: German nationwide holidays count as Sunday");
  lc->callback([] { print_load(load); });

  static PvArgs pv;
  auto* pc = profile->add_subcommand(
      "pv", "PV profile (UTC slots), CSV slot_start_utc,energy_wh,ghi_w_m2,zenith_deg,azimuth_deg");
  pc->add_option("--lat", pv.lat, "Latitude, degrees north");
  pc->add_option("--lon", pv.lon, "Longitude, degrees east");
  pc->add_option("--kwp", pv.kwp, "Peak power, kWp");
  pc->add_option("--tilt", pv.tilt, "Tilt, degrees from horizontal");
  pc->add_option("--azimuth", pv.azimuth, "Azimuth, degrees clockwise from north (180 = south)");
  pc->add_option("--performance-ratio", pv.pr, "Performance ratio (losses)");
  pc->add_option("--altitude", pv.altitude, "Altitude, m");
  pc->add_option("--linke", pv.linke, "Linke turbidity of the clear sky");
  pc->add_option("--year", pv.year, "Calendar year")->check(CLI::Range(1900, 2200));
  pc->add_option("--seed", pv.seed, "Seed of the cloud process");
  pc->add_flag("--clear-sky", pv.clear_sky, "No clouds");
  pc->callback([] { print_pv(pv); });

  static AuctionArgs auction;
  auto* ac = simc->add_subcommand(
      "auction", "Gode & Sunder (1993) double auction with zero-intelligence traders");
  ac->add_option("--schedule", auction.schedule, "CSV market,side,unit_values_per_trader")
      ->required();
  ac->add_option("--market", auction.market, "Market to run when the file holds several");
  ac->add_option("--traders", auction.traders, "zi-c (budget-constrained) or zi-u");
  ac->add_option("--traders-per-side", auction.opts.traders_per_side, "Traders per side")
      ->check(CLI::Range(1, 1000));
  ac->add_option("--periods", auction.opts.periods, "Periods per session")
      ->check(CLI::Range(1, 1000));
  ac->add_option("--sessions", auction.opts.sessions, "Sessions")->check(CLI::Range(1, 100000));
  ac->add_option("--steps", auction.opts.steps_per_period, "Order submissions per period")
      ->check(CLI::Range(1, 10000000));
  ac->add_option("--seed", auction.opts.seed, "Seed");
  ac->callback([] { print_auction(auction); });
}

}  // namespace wattle::cli
