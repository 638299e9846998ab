#include "sim/engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "core/units.h"
#include "market/settlement/certificate_split.h"
#include "sim/climate.h"
#include "sim/clouds.h"
#include "sim/household_load.h"
#include "sim/load_profile.h"
#include "sim/parallel.h"
#include "sim/rng.h"
#include "sim/weather_csv.h"

namespace wattle::sim {

int64_t to_micro(double tokens_per_kwh) {
  return std::llround(tokens_per_kwh * 1e6);
}

namespace {

// Random streams (rng.h): one per purpose so adding a draw to one never
// shifts another.
// (1 and 5, the load's, are household_load.cpp's.)
constexpr uint64_t kStreamAgent = 2;
constexpr uint64_t kStreamArrival = 3;
constexpr uint64_t kStreamZip = 4;

// Battery agent thresholds on yesterday's price at the same quarter hour, as
// shares of the spread between feed-in and import tariff: below the first the
// slot is cheap (charge from the market), above the second expensive
// (discharge, also to sell down to the reserve).
constexpr double kCheapShare = 0.25;
constexpr double kExpensiveShare = 0.75;
constexpr double kBatteryReserve = 0.2;

struct Household {
  uint32_t group = 0;
  double annual_kwh = 0;
  double kwp = 0;
  uint32_t orientation = 0;
  Battery battery;
  // The grid-only baseline's battery: the same battery run for
  // self-consumption only (only the battery agent dispatches differently).
  Battery baseline_battery;
  ZipTrader zip_buy, zip_sell;
};

struct Cell {  // one household in one slot of the current day
  float load_wh = 0;
  float pv_wh = 0;
  int64_t net_wh = 0;       // > 0 buys, < 0 sells
  int64_t base_net_wh = 0;  // the same in the grid-only baseline
  int64_t price = 0;
  float bat_charge_wh = 0, bat_discharge_wh = 0, bat_loss_wh = 0, bat_soc_wh = 0;
  bool market_charge = false;  // the charge came from the market, not own surplus
};

struct Booked {  // what the market did with that cell's order
  int64_t p2p_wh = 0;
  int64_t grid_wh = 0;
  int64_t amount = 0;  // paid (buy) or received (sell)
  // With certificates: the buyer's import matched by certificates cancelled
  // in the same slot (docs/certificates.md).
  int64_t cert_matched_wh = 0;
};

struct Prices {
  int64_t grid_buy, grid_sell, cap;
};

int64_t agent_price(AgentKind kind, bool sell, const Prices& p, double fixed_price,
                    const Household& h, Rng& rng) {
  switch (kind) {
    case AgentKind::kTruthful:
    case AgentKind::kBattery:
      return sell ? p.grid_sell : p.grid_buy;
    case AgentKind::kZiU:
      return zi_u_price(rng, 0, p.cap);
    case AgentKind::kZiC:
      return sell ? zi_c_ask(rng, p.grid_sell, p.cap) : zi_c_bid(rng, p.grid_buy, 0);
    case AgentKind::kZip:
      return sell ? h.zip_sell.price(p.grid_sell) : h.zip_buy.price(p.grid_buy);
    case AgentKind::kFixed:
      return to_micro(fixed_price);
  }
  return 0;
}

// Self-consumption dispatch: charge from the household's own surplus,
// discharge into its own deficit. Returns the net energy after the battery.
double self_consumption(Battery& b, double net) {
  if (net < 0) return net + b.charge(-net, kSlotHours);
  return net - b.discharge(net, kSlotHours);
}

// The household's battery in one slot (docs/sim.md, Batteries): self-
// consumption, except that the battery agent charges from the market in
// slots it expects cheap (only with grid_charging) and sells down to a
// reserve in slots it expects expensive. Fills the cell's battery fields and
// returns the net energy after the battery.
double dispatch_battery(Household& h, const HouseholdGroup& grp, double net, bool is_cheap,
                        bool is_expensive, Cell& c) {
  Battery& b = h.battery;
  const double soc0 = b.soc_wh();
  double charged = 0, discharged = 0;
  c.market_charge = false;
  if (net < 0) {
    charged = b.charge(-net, kSlotHours);
  } else if (is_cheap && grp.grid_charging) {
    charged = b.charge(1e18, kSlotHours);  // fill up from the market
    c.market_charge = charged > 0;
  } else {
    discharged = b.discharge(net, kSlotHours);
  }
  if (is_expensive && b.soc_fraction() > kBatteryReserve) {
    const double spare = b.soc_wh() - kBatteryReserve * grp.battery.capacity_wh;
    discharged += b.discharge(std::max(0.0, spare), kSlotHours);
  }
  c.bat_charge_wh = static_cast<float>(charged);
  c.bat_discharge_wh = static_cast<float>(discharged);
  c.bat_soc_wh = static_cast<float>(b.soc_wh());
  c.bat_loss_wh = static_cast<float>(charged - discharged - (b.soc_wh() - soc0));
  return net + charged - discharged;
}

// Backend scratches handed to whichever thread runs a slot-clearing chunk
// (threads are new each day; the scratches are not).
class ScratchPool {
 public:
  explicit ScratchPool(const MarketBackend& market) : market_(market) {}
  std::unique_ptr<SlotScratch> take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        std::unique_ptr<SlotScratch> b = std::move(free_.back());
        free_.pop_back();
        return b;
      }
    }
    return market_.make_scratch();
  }
  void give(std::unique_ptr<SlotScratch> b) {
    if (!b) return;
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(b));
  }

 private:
  const MarketBackend& market_;
  std::mutex mu_;
  std::vector<std::unique_ptr<SlotScratch>> free_;
};

// The community, built once: its households, their running totals, and the
// series they share (the H0 shape per kWh/a, and the PV output per kWp of
// each distinct orientation).
struct Community {
  std::vector<double> h0;
  std::vector<std::vector<double>> pv_per_kwp;
  std::vector<Household> hh;
  std::vector<HouseholdTotals> totals;
};

// The cloud index per slot: measured weather, the cloud process, or a clear
// sky throughout.
std::vector<double> cloud_index(const Scenario& s, size_t slots) {
  return s.weather ? weather_clear_sky_index(*s.weather, s.site, s.start, s.days)
         : s.clouds
             ? clear_sky_index(s.seed, days_from_civil(s.start), s.days,
                               s.climatology ? climate_clear_sky_index(s.site) : std::nullopt)
             : std::vector<double>(slots, 1.0);
}

// The energy per slot of one kWp facing the group's orientation, before the
// group's performance ratio.
std::vector<double> pv_series_per_kwp(const Scenario& s, const PvArray& pv,
                                      const std::vector<double>& clouds, size_t slots) {
  PvArray unit = pv;
  unit.kwp = 1.0;
  unit.performance_ratio = 1.0;  // applied per group
  std::vector<double> series(slots);
  // Under clouds (the process or measured weather) beam and diffuse are
  // split by the clearness index; the clear sky keeps Ineichen's split.
  const std::vector<PvSlot> out = s.weather || s.clouds
                                      ? pv_under_clouds(s.site, unit, s.start, s.days, clouds)
                                      : pv_clear_sky(s.site, unit, s.start, s.days);
  for (size_t t = 0; t < slots; ++t) series[t] = out[t].energy_wh;
  return series;
}

// One household of a group, with its ZIP traders drawn from its own stream.
Household make_household(const Scenario& s, const HouseholdGroup& grp, uint32_t g,
                         uint32_t orientation, size_t index) {
  Household h;
  h.group = g;
  h.annual_kwh = grp.annual_kwh;
  h.kwp = grp.pv_kwp * grp.pv.performance_ratio;
  h.orientation = orientation;
  h.battery = Battery(grp.battery);
  h.baseline_battery = Battery(grp.battery);
  Rng zr(s.seed, kStreamZip * 0x100000000ull + index);
  h.zip_buy = ZipTrader::make(false, zr);
  h.zip_sell = ZipTrader::make(true, zr);
  return h;
}

Community build_community(const Scenario& s) {
  const size_t slots = static_cast<size_t>(s.days) * kSlotsPerDay;
  Community com;
  com.h0 = h0_window_wh(s.start, s.days, 1.0, s.holidays_de);
  const std::vector<double> clouds = cloud_index(s, slots);
  std::map<std::pair<double, double>, uint32_t> orientation_index;
  for (uint32_t g = 0; g < s.groups.size(); ++g) {
    const HouseholdGroup& grp = s.groups[g];
    const auto key = std::make_pair(grp.pv.surface.tilt_deg, grp.pv.surface.azimuth_deg);
    auto [it, fresh] = orientation_index.emplace(key, static_cast<uint32_t>(com.pv_per_kwp.size()));
    if (fresh) com.pv_per_kwp.push_back(pv_series_per_kwp(s, grp.pv, clouds, slots));
    for (int i = 0; i < grp.count; ++i) {
      com.hh.push_back(make_household(s, grp, g, it->second, com.hh.size()));
      HouseholdTotals t;
      t.group = grp.name;
      t.agent = grp.agent;
      com.totals.push_back(t);
    }
  }
  return com;
}

// The working state of one day, reused from day to day. Cells and bookings
// are slot-major: household i in slot q is at q * n + i.
struct DayBuffers {
  explicit DayBuffers(size_t households)
      : n(households), cells(n * kSlotsPerDay), booked(n * kSlotsPerDay) {}
  size_t n;
  std::vector<Cell> cells;
  std::vector<Booked> booked;
  std::vector<SlotRecord> day_slots = std::vector<SlotRecord>(kSlotsPerDay);
  std::vector<DaySlot> day = std::vector<DaySlot>(kSlotsPerDay);  // orders and outcome per slot
  std::vector<Status> slot_status = std::vector<Status>(kSlotsPerDay);
  // Yesterday's mean P2P price per quarter hour.
  std::vector<std::optional<int64_t>> yesterday = std::vector<std::optional<int64_t>>(kSlotsPerDay);
};

// The battery agent's thresholds on yesterday's price: at or below `cheap`
// the slot is cheap, at or above `expensive` expensive.
struct Thresholds {
  double cheap, expensive;
};

Thresholds battery_thresholds(const Prices& prices) {
  const double spread = static_cast<double>(prices.grid_buy - prices.grid_sell);
  return {static_cast<double>(prices.grid_sell) + kCheapShare * spread,
          static_cast<double>(prices.grid_sell) + kExpensiveShare * spread};
}

// One household in one slot: load, PV, battery and the order's price.
void simulate_cell(const Scenario& s, const Prices& prices, const Thresholds& th,
                   const Community& com, Household& h, size_t i, size_t t,
                   const std::optional<int64_t>& y, Cell& c) {
  const HouseholdGroup& grp = s.groups[h.group];
  // Measured series replay as they are (plus noise); the model adds
  // each household's own stochastic events (household_load.h).
  const double load = grp.load_wh
                          ? household_load_wh((*grp.load_wh)[t], grp.load_noise, 0, s.seed, i, t)
                          : household_load_wh(com.h0[t] * h.annual_kwh, grp.load_noise,
                                              grp.load_events, s.seed, i, t);
  const double pv = grp.pv_wh ? (*grp.pv_wh)[t] : com.pv_per_kwp[h.orientation][t] * h.kwp;
  const double own = load - pv;  // > 0: needs energy
  double net = own, base_net = own;
  if (h.battery.present()) {
    const bool agent = grp.agent == AgentKind::kBattery;
    const bool is_cheap = agent && y && static_cast<double>(*y) <= th.cheap;
    const bool is_expensive = agent && y && static_cast<double>(*y) >= th.expensive;
    net = dispatch_battery(h, grp, own, is_cheap, is_expensive, c);
    // Only the battery agent departs from self-consumption, so only
    // its baseline needs a battery of its own.
    base_net = agent ? self_consumption(h.baseline_battery, own) : net;
  }
  c.load_wh = static_cast<float>(load);
  c.pv_wh = static_cast<float>(pv);
  c.net_wh = std::llround(net);
  c.base_net_wh = std::llround(base_net);
  c.price = 0;
  if (c.net_wh != 0) {
    const uint64_t agent_stream = kStreamAgent * 0x100000000ull + i;
    Rng rng(draw_u64(s.seed, agent_stream, t));
    c.price = agent_price(grp.agent, c.net_wh < 0, prices, grp.fixed_price, h, rng);
  }
}

// Step (1) of a day: every household's physics and orders.
void simulate_households(const Scenario& s, const Prices& prices, Community& com, DayBuffers& d,
                         size_t t0, int threads) {
  const Thresholds th = battery_thresholds(prices);
  parallel_for(d.n, threads, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i)
      for (int q = 0; q < kSlotsPerDay; ++q)
        simulate_cell(s, prices, th, com, com.hh[i], i, t0 + q, d.yesterday[q],
                      d.cells[static_cast<size_t>(q) * d.n + i]);
  });
}

// Step (2) of a day: each slot's orders in arrival order.
void queue_slot_orders(const Scenario& s, DayBuffers& d, size_t t0, int threads) {
  const size_t n = d.n;
  parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
    for (size_t q = b; q < e; ++q) {
      const size_t t = t0 + q;
      std::vector<SlotOrder>& orders = d.day[q].orders;
      orders.clear();
      for (size_t i = 0; i < n; ++i) {
        const Cell& c = d.cells[q * n + i];
        d.booked[q * n + i] = Booked{};
        if (c.net_wh == 0) continue;
        orders.push_back(
            SlotOrder{static_cast<uint32_t>(i), c.net_wh < 0, std::abs(c.net_wh), c.price, 0});
      }
      // Arrival order: a seeded random permutation (Fisher-Yates), so ties
      // at one price favour no household by its index; times then follow
      // book order, which keeps the library on its radix-sort path.
      Rng arrival(s.seed, kStreamArrival * 0x100000000ull + t);
      for (size_t k = orders.size(); k > 1; --k)
        std::swap(orders[k - 1], orders[static_cast<size_t>(arrival.uniform_int(0, k - 1))]);
      for (size_t k = 0; k < orders.size(); ++k) orders[k].time = k;
    }
  });
}

// The market clears the day's slots: all at once where it clears by day
// (its error returned), else slot by slot (each slot's status kept).
Status clear_slots(const MarketBackend& market, ScratchPool& pool, DayBuffers& d, int threads) {
  if (market.clears_by_day()) return market.clear_day(d.day);
  parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
    // One scratch per running chunk, kept from day to day, so clearing
    // allocates nothing per order in steady state.
    std::unique_ptr<SlotScratch> scratch = pool.take();
    for (size_t q = b; q < e; ++q)
      d.slot_status[q] = market.clear_slot(d.day[q].orders, scratch.get(), d.day[q].outcome);
    pool.give(std::move(scratch));
  });
  return Status::ok();
}

// One slot's record: the community's sums and the market's outcome; books
// each order's fill to its household.
SlotRecord book_slot(DayBuffers& d, size_t q) {
  const size_t n = d.n;
  SlotRecord rec;
  int64_t offered = 0, wanted = 0;
  for (size_t i = 0; i < n; ++i) {
    const Cell& c = d.cells[q * n + i];
    rec.load_wh += c.load_wh;
    rec.pv_wh += c.pv_wh;
    (c.net_wh < 0 ? offered : wanted) += std::abs(c.net_wh);
    rec.baseline_import_wh += std::max<int64_t>(c.base_net_wh, 0);
    rec.battery_charge_wh += c.bat_charge_wh;
    rec.battery_discharge_wh += c.bat_discharge_wh;
    rec.battery_loss_wh += c.bat_loss_wh;
    rec.battery_soc_wh += c.bat_soc_wh;
  }
  rec.local_possible_wh = std::min(offered, wanted);
  const std::vector<SlotOrder>& orders = d.day[q].orders;
  const SlotOutcome& r = d.day[q].outcome;
  for (size_t k = 0; k < orders.size(); ++k) {
    const SlotFill& f = r.fills[k];
    d.booked[q * n + orders[k].household] = Booked{f.p2p_wh, f.grid_wh, f.amount};
    (orders[k].sell ? rec.export_wh : rec.import_wh) += f.grid_wh;
  }
  rec.p2p_wh = r.p2p_wh;
  rec.p2p_value = r.p2p_value;
  rec.clearing_price = r.clearing_price;
  rec.welfare = r.welfare;
  rec.welfare_max = r.welfare_max;
  rec.orders = static_cast<int>(orders.size());
  return rec;
}

// Step (2b) of a day: book each cleared slot's outcome.
void book_outcomes(DayBuffers& d, int threads) {
  parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
    for (size_t q = b; q < e; ++q)
      if (d.slot_status[q].is_ok()) d.day_slots[q] = book_slot(d, q);
  });
}

// Certificates in one slot (docs/certificates.md, window 0): each seller's
// metered export is issued and moves to its buyers by the chain's own rule
// (market::split_with_sales); each buyer cancels what it received against
// its metered import in the slot, at most that import.
void match_slot_certificates(DayBuffers& d, size_t q) {
  const size_t n = d.n;
  const std::vector<SlotOrder>& orders = d.day[q].orders;
  std::map<uint32_t, std::map<uint32_t, int64_t>> sales;  // seller -> buyer -> Wh
  for (const SlotTrade& tr : d.day[q].outcome.trades)
    sales[orders[tr.sell].household][orders[tr.buy].household] += tr.energy_wh;
  for (const auto& [seller, bought] : sales) {
    const int64_t issued = std::max<int64_t>(0, -d.cells[q * n + seller].net_wh);
    std::vector<int64_t> wh;
    for (const auto& [buyer, e] : bought) wh.push_back(e);
    const std::vector<int64_t> shares = market::split_with_sales(issued, wh);
    size_t k = 0;
    for (const auto& [buyer, e] : bought) d.booked[q * n + buyer].cert_matched_wh += shares[k++];
  }
  for (const auto& [seller, bought] : sales)
    for (const auto& [buyer, e] : bought) {
      int64_t& m = d.booked[q * n + buyer].cert_matched_wh;
      m = std::min(m, std::max<int64_t>(0, d.cells[q * n + buyer].net_wh));
    }
}

void match_certificates(DayBuffers& d, int threads) {
  parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
    for (size_t q = b; q < e; ++q)
      if (d.slot_status[q].is_ok()) match_slot_certificates(d, q);
  });
}

// The day's trades and bills, by household, into the run's ledger.
void append_ledger(const DayBuffers& d, size_t t0, RunResult& res) {
  for (int q = 0; q < kSlotsPerDay; ++q) {
    const std::vector<SlotOrder>& orders = d.day[q].orders;
    const SlotOutcome& r = d.day[q].outcome;
    if (!d.slot_status[q].is_ok() || r.fills.size() != orders.size()) continue;
    const int t = static_cast<int>(t0) + q;
    for (const SlotTrade& tr : r.trades)
      res.trades.push_back(TradeRecord{t, orders[tr.buy].household, orders[tr.sell].household,
                                       tr.energy_wh, tr.buy_price, tr.sell_price});
    for (const OrderBill& b : r.bills)
      res.bills.push_back(BillRecord{t, orders[b.order].household, b.bill});
  }
}

// Mean P2P price per quarter hour: the battery agent's and ZIP's signal.
void remember_mean_prices(DayBuffers& d) {
  for (int q = 0; q < kSlotsPerDay; ++q) {
    const SlotRecord& r = d.day_slots[q];
    d.yesterday[q] =
        r.p2p_wh > 0 ? std::optional<int64_t>(r.p2p_value * 1000 / r.p2p_wh) : std::nullopt;
  }
}

// One household's slot into its totals (and its baseline's bill).
void bill_cell(const Prices& prices, const Cell& c, const Booked& k, HouseholdTotals& tot) {
  tot.load_wh += c.load_wh;
  tot.pv_wh += c.pv_wh;
  tot.battery_charge_wh += c.bat_charge_wh;
  tot.battery_discharge_wh += c.bat_discharge_wh;
  tot.battery_loss_wh += c.bat_loss_wh;
  if (c.market_charge) tot.battery_market_charge_wh += c.bat_charge_wh;
  if (c.net_wh > 0) {
    tot.import_wh += k.grid_wh;
    tot.p2p_bought_wh += k.p2p_wh;
    tot.cert_matched_wh += k.cert_matched_wh;
    tot.cost += k.amount;
  } else if (c.net_wh < 0) {
    tot.export_wh += k.grid_wh;
    tot.p2p_sold_wh += k.p2p_wh;
    tot.cost -= k.amount;
  }
  // The baseline buys its net import and sells its net export at the
  // grid tariffs, with self-consumption batteries.
  if (c.base_net_wh > 0)
    tot.baseline_cost +=
        cost(Energy(c.base_net_wh), Price(prices.grid_buy), Rounding::kUp)->value();
  else if (c.base_net_wh < 0)
    tot.baseline_cost -=
        cost(Energy(-c.base_net_wh), Price(prices.grid_sell), Rounding::kDown)->value();
}

// Step (3) of a day: bills, and ZIP traders learn from the day's prices.
void bill_and_learn(const Scenario& s, const Prices& prices, Community& com, const DayBuffers& d,
                    size_t t0, int threads) {
  const size_t n = d.n;
  parallel_for(n, threads, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      Household& h = com.hh[i];
      const bool zip = s.groups[h.group].agent == AgentKind::kZip;
      for (int q = 0; q < kSlotsPerDay; ++q) {
        const Cell& c = d.cells[static_cast<size_t>(q) * n + i];
        const Booked& k = d.booked[static_cast<size_t>(q) * n + i];
        bill_cell(prices, c, k, com.totals[i]);
        if (zip && c.net_wh != 0) {
          Rng rng(draw_u64(s.seed, kStreamZip, (t0 + q) * n + i));
          const bool sell = c.net_wh < 0;
          (sell ? h.zip_sell : h.zip_buy)
              .observe(sell ? prices.grid_sell : prices.grid_buy, d.yesterday[q], k.p2p_wh > 0,
                       rng);
        }
      }
    }
  });
}

// The day's slot records into the run's peaks, sums and price series.
void add_day_to_result(const DayBuffers& d, size_t t0, bool keep_slots, RunResult& res) {
  for (int q = 0; q < kSlotsPerDay; ++q) {
    const SlotRecord& r = d.day_slots[q];
    res.peak_import_wh = std::max(res.peak_import_wh, static_cast<double>(r.import_wh));
    res.baseline_peak_import_wh =
        std::max(res.baseline_peak_import_wh, static_cast<double>(r.baseline_import_wh));
    res.total_local_possible_wh += r.local_possible_wh;
    res.total_welfare += r.welfare;
    res.total_welfare_max += r.welfare_max;
    res.total_p2p_value += r.p2p_value;
    const std::vector<int64_t>& levels = d.day[q].outcome.level_traded_wh;
    if (res.level_traded_wh.size() < levels.size()) res.level_traded_wh.resize(levels.size(), 0);
    for (size_t m = 0; m < levels.size(); ++m) res.level_traded_wh[m] += levels[m];
    if (r.p2p_wh > 0)
      res.slot_prices.push_back(static_cast<double>(r.p2p_value) * 1000.0 / r.p2p_wh);
    if (keep_slots) res.slots[t0 + q] = r;
  }
  res.household_slots += static_cast<int64_t>(d.n) * kSlotsPerDay;
}

Status day_error(int day_no, const Status& st) {
  return Status(st.code(), "day " + std::to_string(day_no) + ": " + st.message());
}

}  // namespace

Result<RunResult> run_scenario(const Scenario& s, const MarketBackend& market,
                               const RunOptions& opts) {
  const int threads = opts.threads > 0 ? opts.threads : default_threads();
  ScratchPool pool(market);
  const Prices prices{to_micro(s.grid_buy), to_micro(s.grid_sell),
                      to_micro(s.price_cap > 0 ? s.price_cap : 2 * s.grid_buy)};
  Community com = build_community(s);
  RunResult res;
  res.mechanism = market.name();
  if (opts.keep_slots) res.slots.resize(static_cast<size_t>(s.days) * kSlotsPerDay);
  DayBuffers d(com.hh.size());
  for (int day_no = 0; day_no < s.days; ++day_no) {
    const size_t t0 = static_cast<size_t>(day_no) * kSlotsPerDay;
    simulate_households(s, prices, com, d, t0, threads);
    queue_slot_orders(s, d, t0, threads);
    if (Status st = clear_slots(market, pool, d, threads); !st.is_ok())
      return day_error(day_no, st);
    book_outcomes(d, threads);
    if (s.certificates) match_certificates(d, threads);
    if (opts.keep_ledger) append_ledger(d, t0, res);
    for (const Status& st : d.slot_status)
      if (!st.is_ok()) return day_error(day_no, st);
    remember_mean_prices(d);
    bill_and_learn(s, prices, com, d, t0, threads);
    add_day_to_result(d, t0, opts.keep_slots, res);
    if (opts.progress) opts.progress(day_no + 1, s.days);
  }
  res.households = std::move(com.totals);
  return res;
}

}  // namespace wattle::sim
