// `wattle sim ...`: the community simulator (src/sim, docs/sim.md).
//
//   wattle sim profile load --standard h0 --annual-kwh 3500 --year 2025 [--holidays de]
//   wattle sim profile pv --lat 52.52 --lon 13.40 --kwp 5 --tilt 30 --azimuth 180 --year 2025
//   wattle sim auction --schedule market1.csv --traders zi-c --periods 6 --sessions 50 --seed 1
//   wattle sim --preset NAME|list | --scenario FILE.toml [--days N] [--households N]
//              [--mechanism NAME|all] [--out DIR]
//              [--mode chain --rpc HOST:PORT --operator-key FILE [--fund TOKENS] [--sealed]]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "cli/host_port.h"
#include "cli/strict_int.h"
#include "node/home.h"
#include "sim/chain_market.h"
#include "sim/clouds.h"
#include "sim/gode_sunder.h"
#include "sim/kpi.h"
#include "sim/load_profile.h"
#include "sim/market_adapter.h"
#include "sim/presets.h"
#include "sim/pv_profile.h"
#include "sim/report.h"
#include "sim/tree_market.h"

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
  const sim::PvSite site{a.lat, a.lon, a.altitude, 0.0, a.linke, ""};  // UTC slots
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

struct RunArgs {
  std::string preset;
  std::string scenario;
  std::string mechanism;
  std::string out;
  int days = 0;
  int households = 0;
  int threads = 0;
  int64_t seed = -1;
  bool show = false;
  bool force = false;  // --out may name a non-empty directory
  std::string mode = "fast";
  std::string rpc = "127.0.0.1:8645";
  std::string operator_key;
  double fund = 1'000;  // tokens per household
  bool sealed = false;  // chain mode: orders as commitments, revealed at the gate
};

sim::Scenario load(const RunArgs& a) {
  if (a.preset.empty() == a.scenario.empty())
    throw UserError("give exactly one of --preset NAME (or --preset list) and --scenario FILE");
  Result<sim::Scenario> s = [&]() -> Result<sim::Scenario> {
    if (!a.scenario.empty()) return sim::load_scenario_file(a.scenario, a.days);
    const sim::Preset* p = sim::find_preset(a.preset);
    if (!p) throw UserError("unknown preset \"" + a.preset + "\" (see wattle sim --preset list)");
    return sim::parse_scenario(p->toml, "preset " + p->name, ".", a.days);
  }();
  if (!s) throw UserError(s.status().message());
  if (a.seed >= 0) s->seed = static_cast<uint64_t>(a.seed);
  if (a.households > 0) scale_households(*s, a.households);
  return std::move(*s);
}

// A progress bar on stderr, only when stderr is a terminal (not in pipes or CI logs).
std::function<void(int, int)> progress_bar(const std::string& label) {
  if (!isatty(STDERR_FILENO)) return {};
  return [label](int done, int total) {
    const int width = 30, filled = total > 0 ? done * width / total : width;
    std::fprintf(stderr, "\r%-12s [%s%s] %d/%d days", label.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done,
                 total);
    if (done == total) std::fprintf(stderr, "\r%*s\r", 70, "");
    std::fflush(stderr);
  };
}

void print_table(const std::vector<sim::MechanismRun>& runs) {
  std::printf("%-16s %12s %12s %9s %9s %9s %10s %9s %10s %9s %8s %7s %9s\n", "mechanism", "bill",
              "grid_only", "savings%", "self_suf%", "self_con%", "p2p_kwh", "local_m%",
              "alloc_eff%", "price_avg", "peak_kw", "gini", "carbon_kg");
  for (const sim::MechanismRun& m : runs) {
    const sim::CommunityKpis& k = m.kpis;
    std::printf(
        "%-16s %12.2f %12.2f %9.2f %9.1f %9.1f %10.1f %9.1f %10.1f %9.4f %8.1f %7.3f %9.1f\n",
        m.result.mechanism.c_str(), k.cost, k.baseline_cost, k.savings_pct,
        100 * k.self_sufficiency, 100 * k.self_consumption, k.p2p_kwh, k.local_match_pct,
        k.allocative_efficiency_pct, k.price_mean, k.peak_import_kw, k.gini_savings, k.carbon_kg);
  }
}

// Mechanism x household group: what each group gets from each mechanism;
// with certificates, the share of its import matched by same-slot
// certificates ("24/7 matched %", docs/certificates.md).
void print_group_table(const std::vector<sim::MechanismRun>& runs, bool certificates) {
  std::printf("\n%-16s %-12s %5s %12s %9s %9s %9s %10s %10s %10s %7s%s\n", "mechanism", "group",
              "n", "bill", "savings%", "self_suf%", "self_con%", "p2p_kwh", "save_p10", "save_p90",
              "gini", certificates ? " 24/7_matched%" : "");
  for (const sim::MechanismRun& m : runs)
    for (const sim::GroupKpis& g : sim::group_kpis(m.result)) {
      std::printf("%-16s %-12s %5d %12.2f %9.2f %9.1f %9.1f %10.1f %10.2f %10.2f %7.3f",
                  m.result.mechanism.c_str(), g.group.c_str(), g.households, g.cost, g.savings_pct,
                  100 * g.self_sufficiency, 100 * g.self_consumption, g.p2p_kwh, g.savings_p10,
                  g.savings_p90, g.gini_savings);
      if (certificates) std::printf(" %13.2f", g.matched_247_pct);
      std::printf("\n");
    }
}

void print_kpis(const sim::CommunityKpis& k) {
  std::printf(
      "households=%d\nload_kwh=%.1f\npv_kwh=%.1f\ngrid_import_kwh=%.1f\ngrid_export_kwh=%.1f\n"
      "p2p_kwh=%.1f\ncost=%.2f\nbaseline_cost=%.2f\nsavings=%.2f\nsavings_pct=%.2f\n"
      "self_sufficiency=%.4f\nself_consumption=%.4f\nallocative_efficiency_pct=%.2f\n"
      "local_match_pct=%.2f\nlocal_possible_kwh=%.1f\n"
      "price_mean=%.4f\nprice_min=%.4f\nprice_max=%.4f\nprice_std=%.4f\npeak_import_kw=%.2f\n"
      "baseline_peak_import_kw=%.2f\npeak_import_change_pct=%.2f\n"
      "peak_to_average=%.2f\ngini_savings=%.4f\ncarbon_kg=%.1f\n"
      "battery_charge_kwh=%.1f\nbattery_discharge_kwh=%.1f\nbattery_loss_kwh=%.1f\n"
      "battery_market_charge_kwh=%.1f\n",
      k.households, k.load_kwh, k.pv_kwh, k.import_kwh, k.export_kwh, k.p2p_kwh, k.cost,
      k.baseline_cost, k.savings, k.savings_pct, k.self_sufficiency, k.self_consumption,
      k.allocative_efficiency_pct, k.local_match_pct, k.local_possible_kwh, k.price_mean,
      k.price_min, k.price_max, k.price_std, k.peak_import_kw, k.baseline_peak_import_kw,
      k.peak_import_change_pct, k.peak_to_average, k.gini_savings, k.carbon_kg,
      k.battery_charge_kwh, k.battery_discharge_kwh, k.battery_loss_kwh,
      k.battery_market_charge_kwh);
}

// Chain mode: the scenario through a running node, then fast mode with the
// node's settlement rules on the same orders; both must agree exactly.
void run_chain(const RunArgs& a, const sim::Scenario& s) {
  if (a.mechanism == "all") throw UserError("--mode chain runs the node's one mechanism, not all");
  // The operator's key: --operator-key, else $WATTLE_OPERATOR_KEY, else
  // ./operator.key (so `wattle sim --scenario F --mode chain --rpc H:P` works
  // where the operator keeps its key).
  std::string key_file = a.operator_key;
  if (key_file.empty()) {
    const char* env = std::getenv("WATTLE_OPERATOR_KEY");
    key_file = env && *env ? env : "operator.key";
    if (!std::filesystem::exists(key_file))
      throw UserError(
          "--mode chain needs the market operator's key: --operator-key FILE, "
          "$WATTLE_OPERATOR_KEY, or ./operator.key (it funds the households and registers "
          "their meters)");
  }
  if (!(a.fund >= 0 && a.fund <= 1e12)) throw UserError("--fund must be in 0..10^12 tokens");
  auto key = node::read_key_file(key_file);
  if (!key) throw UserError("--operator-key " + key_file + ": " + key.status().message());
  const auto [host, port] = parse_host_port(a.rpc);
  sim::ChainOptions co;
  co.host = host;
  co.port = port;
  co.operator_key = *key;
  co.fund_per_household = sim::to_micro(a.fund);
  co.sealed = a.sealed;
  // Fresh household and meter keys per run: an account holds one meter.
  co.key_label = "wattle-sim/" + s.name + "/" + std::to_string(s.seed) + "/" +
                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto chain = sim::ChainMarket::connect(co, static_cast<uint32_t>(s.households()));
  if (!chain) throw UserError("chain mode: " + chain.status().message());
  const modules::MarketParams& m = (*chain)->params();
  const std::string wanted = a.mechanism.empty() ? s.mechanism : a.mechanism;
  if (wanted != m.mechanism)
    throw UserError("the node's market clears with \"" + m.mechanism + "\", the run asks for \"" +
                    wanted + "\" (pass --mechanism " + m.mechanism + ")");
  if (m.grid_buy != sim::to_micro(s.grid_buy) || m.grid_sell != sim::to_micro(s.grid_sell))
    std::fprintf(stderr,
                 "note: the node settles with grid_buy=%lld grid_sell=%lld micro-units/kWh; the "
                 "scenario's agents price with its own tariffs\n",
                 static_cast<long long>(m.grid_buy), static_cast<long long>(m.grid_sell));
  std::printf("# scenario=%s seed=%llu households=%d days=%d mode=chain rpc=%s slot_seconds=%llu\n",
              s.name.c_str(), static_cast<unsigned long long>(s.seed), s.households(), s.days,
              a.rpc.c_str(), static_cast<unsigned long long>(m.slot_seconds));
  sim::RunOptions opts;
  opts.threads = 1;
  opts.keep_ledger = true;
  opts.progress = progress_bar("chain");
  const auto t0 = std::chrono::steady_clock::now();
  Result<sim::RunResult> r = sim::run_scenario(s, **chain, opts);
  if (!r) throw UserError("chain mode: " + r.status().message());
  sim::MechanismRun run;
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto fast = sim::make_fast_market(
      m.mechanism, std::vector<std::pair<std::string, int64_t>>(m.params.begin(), m.params.end()),
      sim::Tariffs{}, /*strict=*/true, (*chain)->tariffs());
  if (!fast) throw UserError(fast.status().message());
  Result<sim::RunResult> f = sim::run_scenario(s, **fast, opts);
  if (!f) throw UserError("fast mode: " + f.status().message());
  const bool same = f->trades == r->trades && f->bills == r->bills;
  run.kpis = sim::community_kpis(*r, s.carbon_g_per_kwh, s.slots());
  run.result = std::move(*r);
  print_table({run});
  print_kpis(run.kpis);
  std::printf("chain_trades=%zu\nchain_bills=%zu\nfast_mode_identical=%s\nchain_wall_s=%.1f\n",
              run.result.trades.size(), run.result.bills.size(), same ? "true" : "false",
              run.wall_s);
  if (!a.out.empty()) {
    Status st = sim::write_outputs(a.out, s, {run}, 0);
    if (!st) throw UserError(st.message());
    std::printf("# wrote %s/summary.json, slots.csv, households.csv, report.html\n", a.out.c_str());
  }
  if (!same) throw UserError("chain mode and fast mode disagree (trades or bills differ)");
}

// --out refuses a directory that holds anything unless --force, so a run never
// mixes its files with another run's (or overwrites a user's files) silently.
void check_out_dir(const RunArgs& a) {
  if (a.out.empty() || a.force) return;
  std::error_code ec;
  if (!std::filesystem::exists(a.out, ec)) return;
  if (!std::filesystem::is_directory(a.out, ec))
    throw UserError("--out " + a.out + ": exists and is not a directory");
  if (!std::filesystem::is_empty(a.out, ec))
    throw UserError("--out " + a.out +
                    ": directory is not empty (pass --force to write into it anyway)");
}

void run_sim(const RunArgs& a) {
  if (a.preset == "list") {
    for (const sim::Preset& p : sim::presets())
      std::printf("%-16s %s\n", p.name.c_str(), p.summary.c_str());
    return;
  }
  if (a.show) {
    const sim::Preset* p = sim::find_preset(a.preset);
    if (!p) throw UserError("--show needs --preset NAME (see wattle sim --preset list)");
    std::cout << p->toml;
    return;
  }
  const sim::Scenario s = load(a);
  check_out_dir(a);
  if (a.mode == "chain" && !s.markets.nodes.empty())
    throw UserError("--mode chain: a scenario with [[markets]] runs in fast mode only");
  if (a.mode == "chain") return run_chain(a, s);
  if (a.mode != "fast") throw UserError("--mode: expected fast or chain, got \"" + a.mode + "\"");
  if (a.sealed) throw UserError("--sealed places orders on a chain: it needs --mode chain");
  std::vector<std::string> mechanisms;
  if (a.mechanism == "all")
    mechanisms = sim::mechanism_names();
  else
    mechanisms = {a.mechanism.empty() ? s.mechanism : a.mechanism};
  const bool strict = mechanisms.size() == 1;
  std::vector<std::pair<std::string, int64_t>> params(s.mechanism_params.begin(),
                                                      s.mechanism_params.end());
  const sim::Tariffs tariffs{sim::to_micro(s.grid_buy), sim::to_micro(s.grid_sell)};
  // Every backend first, so a bad mechanism or parameter fails before any output.
  std::vector<std::unique_ptr<sim::MarketBackend>> backends;
  if (!s.markets.nodes.empty()) {  // a tree: each market's own mechanism (docs/sim.md)
    if (!a.mechanism.empty())
      throw UserError("--mechanism: the scenario declares [[markets]], each with its mechanism");
    auto tree = sim::make_tree_market(s.markets, s.household_leaves(), tariffs);
    if (!tree) throw UserError(tree.status().message());
    backends.push_back(std::move(*tree));
    mechanisms.clear();
  }
  for (const std::string& m : mechanisms) {
    auto backend = sim::make_fast_market(m, params, tariffs, strict);
    if (!backend) {
      const std::vector<std::string> known = sim::mechanism_names();
      if (std::find(known.begin(), known.end(), m) != known.end())
        throw UserError(backend.status().message());
      std::string names;
      for (const std::string& n : known) names += (names.empty() ? "" : ", ") + n;
      throw UserError("unknown mechanism \"" + m + "\" (known: " + names + ", or all)");
    }
    backends.push_back(std::move(*backend));
  }
  std::vector<sim::MechanismRun> runs;
  std::printf("# scenario=%s seed=%llu households=%d days=%d start=%s\n", s.name.c_str(),
              static_cast<unsigned long long>(s.seed), s.households(), s.days,
              sim::format_date(s.start).c_str());
  for (const auto& backend : backends) {
    const std::string m = backend->name();
    sim::RunOptions opts;
    opts.threads = a.threads;
    opts.progress = progress_bar(m);
    const auto t0 = std::chrono::steady_clock::now();
    Result<sim::RunResult> r = sim::run_scenario(s, *backend, opts);
    if (!r) throw UserError("mechanism " + m + ": " + r.status().message());
    sim::MechanismRun run;
    run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    run.kpis = sim::community_kpis(*r, s.carbon_g_per_kwh, s.slots());
    run.result = std::move(*r);
    runs.push_back(std::move(run));
  }
  print_table(runs);
  print_group_table(runs, s.certificates);
  if (!s.markets.nodes.empty())  // how much energy stayed in each level
    for (const nlohmann::json& l : sim::levels_json(s, runs[0].result))
      std::printf(
          "level_traded_wh[%s]=%lld share_of_p2p=%.4f\n", l["market"].get<std::string>().c_str(),
          static_cast<long long>(l["traded_wh"].get<int64_t>()), l["share_of_p2p"].get<double>());
  if (runs.size() == 1) print_kpis(runs[0].kpis);
  if (!a.out.empty()) {
    Status st = sim::write_outputs(a.out, s, runs, 0);
    if (!st) throw UserError(st.message());
    std::printf(
        "# wrote %s/summary.json, report.html, slots.csv, households.csv (and per mechanism "
        "slots-<mechanism>.csv, households-<mechanism>.csv)\n",
        a.out.c_str());
  }
}

}  // namespace

void register_sim_command(CLI::App& app) {
  auto* simc = app.add_subcommand("sim", "Community simulator: profiles, auctions, scenarios");
  static RunArgs run;
  simc->add_option("--preset", run.preset, "Built-in scenario, or `list`");
  simc->add_option("--scenario", run.scenario, "Scenario file (TOML, docs/sim.md)");
  simc->add_option("--days", run.days, "Days to simulate (overrides the scenario)")
      ->transform(decimal_in(1, 3660));
  simc->add_option("--households", run.households,
                   "Households in all (scales the scenario's groups; at least one each)")
      ->transform(decimal_in(1, 1'000'000));
  simc->add_option("--mechanism", run.mechanism, "Market mechanism, or `all` for one row each");
  simc->add_option("--mode", run.mode, "fast (the market library in-process) or chain (a node)");
  simc->add_option("--rpc", run.rpc, "Chain mode: the node's HTTP API, HOST:PORT");
  simc->add_option(
      "--operator-key", run.operator_key,
      "Chain mode: the market operator's key file (funds households, registers meters)");
  simc->add_option("--fund", run.fund, "Chain mode: tokens the operator sends each household");
  simc->add_flag("--sealed", run.sealed,
                 "Chain mode: place every order sealed (commit-reveal) and reveal it at its gate; "
                 "the node's reveal_blocks must leave time to commit the reveals");
  simc->add_option("--out", run.out, "Directory for summary.json, CSVs and report.html");
  simc->add_option("--seed", run.seed, "Seed (overrides the scenario)")
      ->transform(decimal_in(0, INT64_MAX));
  simc->add_option("--threads", run.threads, "Worker threads (0: one per core)")
      ->transform(decimal_in(0, 1024));
  simc->add_flag("--force", run.force, "Write into a non-empty --out directory");
  simc->add_flag("--show", run.show, "Print the preset as a scenario file (to copy and edit)");
  simc->callback([simc] {
    if (simc->get_subcommands().empty()) run_sim(run);
  });
  auto* profile = simc->add_subcommand("profile", "Print one load or PV profile as CSV");
  profile->require_subcommand(1);

  static LoadArgs load;
  auto* lc =
      profile->add_subcommand("load", "BDEW H0 standard load profile, CSV slot_start,energy_wh");
  lc->add_option("--standard", load.standard, "Standard profile (h0)");
  lc->add_option("--annual-kwh", load.annual_kwh, "Annual consumption, kWh");
  lc->add_option("--year", load.year, "Calendar year")->transform(decimal_in(1900, 2200));
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
  pc->add_option("--year", pv.year, "Calendar year")->transform(decimal_in(1900, 2200));
  pc->add_option("--seed", pv.seed, "Seed of the cloud process")
      ->transform(decimal_in(0, UINT64_MAX));
  pc->add_flag("--clear-sky", pv.clear_sky, "No clouds");
  pc->callback([] { print_pv(pv); });

  static AuctionArgs auction;
  auto* ac = simc->add_subcommand(
      "auction", "Gode & Sunder (1993) double auction with zero-intelligence traders");
  ac->add_option("--schedule", auction.schedule,
                 "CSV market,side,unit_values_per_trader (every trader of a side alike) or "
                 "market,side,trader,unit_values (one row per trader)")
      ->required();
  ac->add_option("--market", auction.market, "Market to run when the file holds several");
  ac->add_option("--traders", auction.traders, "zi-c (budget-constrained) or zi-u");
  ac->add_option("--traders-per-side", auction.opts.traders_per_side,
                 "Traders per side (schedules with one row per side)")
      ->transform(decimal_in(1, 1000));
  ac->add_option("--periods", auction.opts.periods, "Periods per session")
      ->transform(decimal_in(1, 1000));
  ac->add_option("--sessions", auction.opts.sessions, "Sessions")->transform(decimal_in(1, 100000));
  ac->add_option("--steps", auction.opts.steps_per_period, "Order submissions per period")
      ->transform(decimal_in(1, 10000000));
  ac->add_option("--seed", auction.opts.seed, "Seed")->transform(decimal_in(0, UINT64_MAX));
  ac->callback([] { print_auction(auction); });
}

}  // namespace wattle::cli
