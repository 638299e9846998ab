#include "sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/toml_text.h"
#include "market/registry.h"
#include "sim/csv.h"
#include "sim/timezone.h"

namespace wattle::sim {

std::vector<uint32_t> Scenario::household_leaves() const {
  std::vector<uint32_t> out;
  for (const HouseholdGroup& g : groups)
    out.insert(out.end(), static_cast<size_t>(g.count), g.market_leaf);
  return out;
}

int Scenario::households() const {
  int n = 0;
  for (const HouseholdGroup& g : groups) n += g.count;
  return n;
}

namespace {

// Reads one TOML table, remembering the first error and which keys were used,
// so unknown keys (typos) are reported instead of silently ignored.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string prefix, Status* err)
      : t_(t), prefix_(std::move(prefix)), err_(err) {}

  std::string key(const std::string& k) const { return prefix_.empty() ? k : prefix_ + "." + k; }

  void fail(const std::string& k, const std::string& why) {
    if (err_->is_ok())
      *err_ = Status(Code::kInvalidArgument, "scenario key '" + key(k) + "': " + why);
  }

  const toml::node* node(const std::string& k) {
    used_.insert(k);
    return t_.get(k);
  }

  void number(const std::string& k, double* out, double lo, double hi) {
    const toml::node* n = node(k);
    if (!n) return;
    std::optional<double> v;
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    if (n->is_floating_point()) v = n->as_floating_point()->get();
    if (!v) return fail(k, "must be a number");
    if (!std::isfinite(*v) || *v < lo || *v > hi) {
      std::ostringstream s;
      s << "must be in " << lo << ".." << hi << ", got " << *v;
      return fail(k, s.str());
    }
    *out = *v;
  }

  void integer(const std::string& k, int64_t* out, int64_t lo, int64_t hi) {
    const toml::node* n = node(k);
    if (!n) return;
    if (!n->is_integer()) return fail(k, "must be an integer");
    const int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      return fail(k, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                         std::to_string(v));
    *out = v;
  }

  void integer(const std::string& k, int* out, int lo, int hi) {
    int64_t v = *out;
    integer(k, &v, lo, hi);
    *out = static_cast<int>(v);
  }

  void string(const std::string& k, std::string* out) {
    const toml::node* n = node(k);
    if (!n) return;
    if (!n->is_string()) return fail(k, "must be a string");
    *out = n->as_string()->get();
  }

  void boolean(const std::string& k, bool* out) {
    const toml::node* n = node(k);
    if (!n) return;
    if (!n->is_boolean()) return fail(k, "must be true or false");
    *out = n->as_boolean()->get();
  }

  const toml::table* table(const std::string& k) {
    const toml::node* n = node(k);
    if (!n) return nullptr;
    if (!n->is_table()) {
      fail(k, "must be a table");
      return nullptr;
    }
    return n->as_table();
  }

  // Reports the first key that no reader asked for.
  void finish() {
    for (auto&& [k, v] : t_)
      if (!used_.count(std::string(k.str()))) fail(std::string(k.str()), "unknown key");
  }

 private:
  const toml::table& t_;
  std::string prefix_;
  Status* err_;
  std::set<std::string> used_;
};

std::string join_path(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/' || base.empty()) return p;
  return base + "/" + p;
}

void read_group(const toml::table& t, const std::string& prefix, const std::string& base_dir,
                int slots, HouseholdGroup* g, Status* err) {
  TableReader r(t, prefix, err);
  r.string("name", &g->name);
  r.integer("count", &g->count, 0, 1'000'000);
  r.number("annual_kwh", &g->annual_kwh, 0, 1e7);
  r.number("load_noise", &g->load_noise, 0, 1);
  r.number("load_events", &g->load_events, 0, 1);
  r.number("pv_kwp", &g->pv_kwp, 0, 1e5);
  g->pv.kwp = g->pv_kwp;
  r.number("pv_tilt", &g->pv.surface.tilt_deg, 0, 90);
  r.number("pv_azimuth", &g->pv.surface.azimuth_deg, 0, 360);
  r.number("performance_ratio", &g->pv.performance_ratio, 0, 1);
  r.string("market", &g->market);
  double kwh = g->battery.capacity_wh / 1000, kw = g->battery.power_w / 1000;
  r.number("battery_kwh", &kwh, 0, 1e5);
  r.number("battery_kw", &kw, 0, 1e5);
  g->battery.capacity_wh = kwh * 1000;
  g->battery.power_w = kw * 1000;
  r.number("battery_efficiency", &g->battery.round_trip_efficiency, 0.01, 1);
  r.number("battery_initial_soc", &g->battery.initial_soc, 0, 1);
  r.boolean("grid_charging", &g->grid_charging);
  std::string agent = agent_name(g->agent);
  r.string("agent", &agent);
  if (auto k = parse_agent(agent))
    g->agent = *k;
  else
    r.fail("agent", "unknown agent \"" + agent + "\" (known: " + agent_names() + ")");
  r.number("fixed_price", &g->fixed_price, 0, 1000);
  std::string load_csv, pv_csv;
  r.string("load_csv", &load_csv);
  r.string("pv_csv", &pv_csv);
  r.finish();
  if (!err->is_ok()) return;
  if (g->agent == AgentKind::kFixed && g->fixed_price <= 0)
    return r.fail("fixed_price", "required (> 0) when agent = \"fixed\"");
  if (g->agent == AgentKind::kBattery && g->battery.capacity_wh <= 0)
    return r.fail("battery_kwh", "must be > 0 when agent = \"battery\"");
  // A battery needs both sizes: one without the other would silently do nothing.
  if (g->battery.capacity_wh > 0 && g->battery.power_w <= 0)
    return r.fail("battery_kw", "required (> 0) when battery_kwh > 0 (the battery's power limit)");
  if (g->battery.power_w > 0 && g->battery.capacity_wh <= 0)
    return r.fail("battery_kwh", "required (> 0) when battery_kw > 0 (the battery's capacity)");
  if (g->grid_charging && g->agent != AgentKind::kBattery)
    return r.fail("grid_charging", "applies only to agent = \"battery\"");
  const size_t need = static_cast<size_t>(slots);
  if (!load_csv.empty()) {
    auto s = read_energy_series(join_path(base_dir, load_csv), need);
    if (!s) {
      *err = Status(Code::kInvalidArgument,
                    "scenario key '" + r.key("load_csv") + "': " + s.status().message());
      return;
    }
    g->load_wh = std::move(*s);
  }
  if (!pv_csv.empty()) {
    auto s = read_energy_series(join_path(base_dir, pv_csv), need);
    if (!s) {
      *err = Status(Code::kInvalidArgument,
                    "scenario key '" + r.key("pv_csv") + "': " + s.status().message());
      return;
    }
    g->pv_wh = std::move(*s);
  }
}

// The scenario's top-level keys: name, seed, dates and the mechanism.
void read_run_keys(TableReader& r, int days_override, Scenario& s) {
  r.string("name", &s.name);
  r.string("description", &s.description);
  int64_t seed = static_cast<int64_t>(s.seed);
  r.integer("seed", &seed, 0, INT64_MAX);
  s.seed = static_cast<uint64_t>(seed);
  std::string start = format_date(s.start);
  r.string("start", &start);
  if (!parse_date(start, &s.start))
    r.fail("start", "must be a date YYYY-MM-DD, got \"" + start + "\"");
  r.integer("days", &s.days, 1, 3660);
  if (days_override > 0) s.days = days_override;
  std::string holidays = s.holidays_de ? "de" : "none";
  r.string("holidays", &holidays);
  if (holidays != "de" && holidays != "none") r.fail("holidays", "must be \"de\" or \"none\"");
  s.holidays_de = holidays == "de";
  r.string("mechanism", &s.mechanism);
  r.boolean("certificates", &s.certificates);
  if (!market::find_mechanism(s.mechanism)) {
    std::string names;
    for (const auto& m : market::mechanisms()) names += (names.empty() ? "" : ", ") + m.name;
    r.fail("mechanism", "unknown mechanism \"" + s.mechanism + "\" (known: " + names + ")");
  }
  if (const toml::table* mp = r.table("mechanism_params")) {
    for (auto&& [k, v] : *mp) {
      if (!v.is_integer()) {
        r.fail("mechanism_params." + std::string(k.str()), "must be an integer");
        continue;
      }
      s.mechanism_params[std::string(k.str())] = v.as_integer()->get();
    }
  }
}

// [tariff]
void read_tariff(const toml::table& t, Status* err, Scenario& s) {
  TableReader tr(t, "tariff", err);
  tr.number("grid_buy", &s.grid_buy, 0, 1000);
  tr.number("grid_sell", &s.grid_sell, 0, 1000);
  tr.number("price_cap", &s.price_cap, 0, 1000);
  tr.number("carbon_g_per_kwh", &s.carbon_g_per_kwh, 0, 5000);
  tr.finish();
  if (err->is_ok() && s.grid_sell > s.grid_buy)
    tr.fail("grid_sell", "must be <= grid_buy (the grid would pay more than it charges)");
}

// [site]: position, time zone, sky and measured weather.
void read_site(const toml::table& t, const std::string& base_dir, Status* err, Scenario& s) {
  TableReader sr(t, "site", err);
  sr.number("latitude", &s.site.latitude_deg, -90, 90);
  sr.number("longitude", &s.site.longitude_deg, -180, 180);
  sr.number("utc_offset_h", &s.site.utc_offset_h, -14, 14);
  std::string zone;
  sr.string("timezone", &zone);
  sr.number("altitude_m", &s.site.altitude_m, -500, 9000);
  sr.number("linke_turbidity", &s.site.linke_turbidity, 1, 10);
  sr.boolean("clouds", &s.clouds);
  sr.boolean("climatology", &s.climatology);
  std::string weather;
  sr.string("weather_csv", &weather);
  sr.finish();
  if (err->is_ok() && !weather.empty()) {
    Result<HourlyWeather> w = read_pvgis_tmy(join_path(base_dir, weather));
    if (w)
      s.weather = std::move(*w);
    else
      sr.fail("weather_csv", w.status().message());
  }
  const bool moved = t.contains("latitude") || t.contains("longitude");
  const bool fixed = t.contains("utc_offset_h");
  if (err->is_ok() && !zone.empty() && fixed)
    sr.fail("timezone", "give either timezone (legal time with DST) or utc_offset_h, not both");
  else if (err->is_ok() && !zone.empty() && !check_time_zone(zone).is_ok())
    sr.fail("timezone", check_time_zone(zone).message());
  else if (err->is_ok() && zone.empty() && moved && !fixed)
    sr.fail("timezone",
            "required for a site away from Berlin: an IANA name such as \"Europe/Zurich\" "
            "(or utc_offset_h for a fixed offset without DST)");
  s.site.timezone = !zone.empty() ? zone : fixed ? "" : s.site.timezone;
}

// [[markets]]: a tree of markets, each {name, parent, mechanism (default the
// scenario's), grid_fee (micro-units/kWh), params}; then each group's
// `market` must name a leaf (or be empty with a single leaf).
void read_markets(TableReader& r, const toml::node& n, Status* err, Scenario& s) {
  const toml::array* arr = n.as_array();
  if (!arr || !arr->is_array_of_tables())
    return r.fail("markets", "must be an array of tables ([[markets]])");
  for (size_t i = 0; i < arr->size() && err->is_ok(); ++i) {
    TableReader mr(*arr->get(i)->as_table(), "markets[" + std::to_string(i) + "]", err);
    market::MarketNode node;
    node.mechanism = s.mechanism;
    mr.string("name", &node.name);
    mr.string("parent", &node.parent);
    mr.string("mechanism", &node.mechanism);
    mr.integer("grid_fee", &node.grid_fee, 0, market::kMaxTariff);
    if (const toml::table* p = mr.table("params"))
      for (auto&& [k, v] : *p) {
        if (!v.is_integer())
          mr.fail("params." + std::string(k.str()), "must be an integer");
        else
          node.params.values[std::string(k.str())] = v.as_integer()->get();
      }
    mr.finish();
    s.markets.nodes.push_back(std::move(node));
  }
  if (!err->is_ok()) return;
  if (Status st = market::validate(s.markets); !st) r.fail("markets", st.message());
}

// Each group's leaf, once groups and markets are read.
void place_groups(Status* err, Scenario& s) {
  std::vector<uint32_t> leaves;
  for (uint32_t m = 0; m < s.markets.nodes.size(); ++m)
    if (s.markets.is_leaf(m)) leaves.push_back(m);
  for (size_t i = 0; i < s.groups.size() && err->is_ok(); ++i) {
    HouseholdGroup& g = s.groups[i];
    const std::string key = "scenario key 'households[" + std::to_string(i) + "].market': ";
    if (s.markets.nodes.empty()) {
      if (!g.market.empty())
        *err = Status(Code::kInvalidArgument,
                      key + "names \"" + g.market + "\" but the scenario declares no [[markets]]");
      continue;
    }
    if (g.market.empty()) {
      if (leaves.size() != 1)
        *err = Status(Code::kInvalidArgument,
                      key + "missing: the [[markets]] tree has several leaves, name one");
      else
        g.market_leaf = leaves[0];
      continue;
    }
    const auto m = s.markets.find(g.market);
    if (!m || !s.markets.is_leaf(*m))
      *err = Status(Code::kInvalidArgument, key + "\"" + g.market + "\" is " +
                                                (m ? "not a leaf" : "not declared") +
                                                " (households trade in a leaf of [[markets]])");
    else
      g.market_leaf = *m;
  }
}

// [[households]]: the groups, read until the first error.
void read_households(TableReader& r, const toml::node& n, const std::string& base_dir, Status* err,
                     Scenario& s) {
  const toml::array* arr = n.as_array();
  if (!arr || !arr->is_array_of_tables()) {
    r.fail("households", "must be an array of tables ([[households]])");
    return;
  }
  for (size_t i = 0; i < arr->size() && err->is_ok(); ++i) {
    HouseholdGroup g;
    read_group(*arr->get(i)->as_table(), "households[" + std::to_string(i) + "]", base_dir,
               s.days * 96, &g, err);
    s.groups.push_back(std::move(g));
  }
}

}  // namespace

Result<std::vector<double>> read_energy_series(const std::string& path, size_t slots) {
  Result<CsvFile> csv = read_csv(path);
  if (!csv) return csv.status();
  const CsvFile& f = *csv;
  size_t col = f.header.size();
  for (size_t i = 0; i < f.header.size(); ++i)
    if (f.header[i] == "energy_wh") col = i;
  if (col == f.header.size()) return f.error(1, 1, "no energy_wh column in the header");
  // Values first, so a malformed short file reports the malformed cell.
  std::vector<double> out;
  out.reserve(slots);
  for (size_t i = 0; i < std::min(slots, f.rows.size()); ++i) {
    Result<double> v = f.number(f.rows[i], col);
    if (!v) return v.status();
    if (*v < 0) return f.error(f.rows[i].line, static_cast<int>(col) + 1, "energy_wh must be >= 0");
    out.push_back(*v);
  }
  if (f.rows.size() < slots)
    return f.error(f.rows.empty() ? 1 : f.rows.back().line, 1,
                   "has " + std::to_string(f.rows.size()) + " rows, the scenario needs " +
                       std::to_string(slots) + " (one per 15-minute slot)");
  return out;
}

Result<Scenario> parse_scenario(const std::string& text, const std::string& origin,
                                const std::string& base_dir, int days_override) {
  auto parsed = parse_toml(text, origin);
  if (!parsed) return parsed.status();
  const toml::table& root = *parsed;
  Scenario s;
  Status err;
  TableReader r(root, "", &err);
  read_run_keys(r, days_override, s);
  if (const toml::table* t = r.table("tariff")) read_tariff(*t, &err, s);
  // The default site is Berlin in its legal time; a site elsewhere names its
  // zone (or, as before, a fixed utc_offset_h without DST).
  s.site.timezone = "Europe/Berlin";
  if (const toml::table* t = r.table("site")) read_site(*t, base_dir, &err, s);
  if (const toml::node* n = r.node("households")) read_households(r, *n, base_dir, &err, s);
  if (const toml::node* n = r.node("markets"); n && err.is_ok()) read_markets(r, *n, &err, s);
  r.finish();
  if (err.is_ok()) place_groups(&err, s);
  if (!err.is_ok()) return err;
  if (s.households() < 1)
    return Status(Code::kInvalidArgument, "scenario key 'households': no households");
  if (s.households() > 1'000'000)
    return Status(Code::kInvalidArgument, "scenario key 'households': more than 1,000,000");
  return s;
}

Result<Scenario> load_scenario_file(const std::string& path, int days_override) {
  std::ifstream in(path);
  if (!in) return Status(Code::kIoError, path + ": cannot open scenario file");
  std::stringstream ss;
  ss << in.rdbuf();
  const size_t slash = path.rfind('/');
  return parse_scenario(ss.str(), path, slash == std::string::npos ? "." : path.substr(0, slash),
                        days_override);
}

void scale_households(Scenario& s, int total) {
  const int groups = static_cast<int>(s.groups.size());
  const int before = s.households();
  if (groups == 0 || before <= 0) return;
  total = std::max(total, groups);
  // Each group one household first, the rest in proportion to the old counts.
  const int64_t rest = total - groups;
  std::vector<std::pair<int64_t, int>> remainders;  // (remainder, group)
  int given = 0;
  for (int g = 0; g < groups; ++g) {
    const int64_t share = rest * s.groups[g].count;
    s.groups[g].count = 1 + static_cast<int>(share / before);
    given += s.groups[g].count;
    remainders.push_back({share % before, -g});
  }
  std::sort(remainders.rbegin(), remainders.rend());  // largest first, then the earlier group
  for (size_t i = 0; given < total; ++i, ++given) ++s.groups[-remainders[i].second].count;
}

}  // namespace wattle::sim
