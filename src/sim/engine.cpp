#include "sim/engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "core/units.h"
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

}  // namespace

Result<RunResult> run_scenario(const Scenario& s, const MarketBackend& market,
                               const RunOptions& opts) {
  const int threads = opts.threads > 0 ? opts.threads : default_threads();
  ScratchPool pool(market);
  const int days = s.days;
  const size_t slots = static_cast<size_t>(days) * kSlotsPerDay;
  const Prices prices{to_micro(s.grid_buy), to_micro(s.grid_sell),
                      to_micro(s.price_cap > 0 ? s.price_cap : 2 * s.grid_buy)};

  // Community-wide series, computed once: the H0 shape per kWh/a, the cloud
  // index, and the clear-sky output per kWp of each distinct orientation.
  const std::vector<double> h0 = h0_window_wh(s.start, days, 1.0, s.holidays_de);
  const std::vector<double> clouds =
      s.weather  ? weather_clear_sky_index(*s.weather, s.site, s.start, days)
      : s.clouds ? clear_sky_index(s.seed, days_from_civil(s.start), days,
                                   s.climatology ? climate_clear_sky_index(s.site) : std::nullopt)
                 : std::vector<double>(slots, 1.0);
  std::vector<std::vector<double>> pv_per_kwp;
  std::map<std::pair<double, double>, uint32_t> orientation_index;
  std::vector<Household> hh;
  std::vector<HouseholdTotals> totals;
  for (uint32_t g = 0; g < s.groups.size(); ++g) {
    const HouseholdGroup& grp = s.groups[g];
    const auto key = std::make_pair(grp.pv.surface.tilt_deg, grp.pv.surface.azimuth_deg);
    auto [it, fresh] = orientation_index.emplace(key, static_cast<uint32_t>(pv_per_kwp.size()));
    if (fresh) {
      PvArray unit = grp.pv;
      unit.kwp = 1.0;
      unit.performance_ratio = 1.0;  // applied per group below
      std::vector<double> series(slots);
      // Under clouds (the process or measured weather) beam and diffuse are
      // split by the clearness index; the clear sky keeps Ineichen's split.
      const std::vector<PvSlot> pv = s.weather || s.clouds
                                         ? pv_under_clouds(s.site, unit, s.start, days, clouds)
                                         : pv_clear_sky(s.site, unit, s.start, days);
      for (size_t t = 0; t < slots; ++t) series[t] = pv[t].energy_wh;
      pv_per_kwp.push_back(std::move(series));
    }
    for (int i = 0; i < grp.count; ++i) {
      Household h;
      h.group = g;
      h.annual_kwh = grp.annual_kwh;
      h.kwp = grp.pv_kwp * grp.pv.performance_ratio;
      h.orientation = it->second;
      h.battery = Battery(grp.battery);
      h.baseline_battery = Battery(grp.battery);
      Rng zr(s.seed, kStreamZip * 0x100000000ull + hh.size());
      h.zip_buy = ZipTrader::make(false, zr);
      h.zip_sell = ZipTrader::make(true, zr);
      hh.push_back(h);
      HouseholdTotals t;
      t.group = grp.name;
      t.agent = grp.agent;
      totals.push_back(t);
    }
  }
  const size_t n = hh.size();

  RunResult res;
  res.mechanism = market.name();
  if (opts.keep_slots) res.slots.resize(slots);
  std::vector<Cell> cells(n * kSlotsPerDay);
  std::vector<Booked> booked(n * kSlotsPerDay);
  std::vector<SlotRecord> day_slots(kSlotsPerDay);
  std::vector<DaySlot> day(kSlotsPerDay);  // each slot's orders and outcome, reused
  std::vector<Status> slot_status(kSlotsPerDay);
  std::vector<std::optional<int64_t>> yesterday(kSlotsPerDay);  // mean P2P price per quarter hour
  const double spread = static_cast<double>(prices.grid_buy - prices.grid_sell);
  const double cheap = static_cast<double>(prices.grid_sell) + kCheapShare * spread;
  const double expensive = static_cast<double>(prices.grid_sell) + kExpensiveShare * spread;

  for (int day_no = 0; day_no < days; ++day_no) {
    const size_t t0 = static_cast<size_t>(day_no) * kSlotsPerDay;
    // (1) Households: physics and orders.
    parallel_for(n, threads, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        Household& h = hh[i];
        const HouseholdGroup& grp = s.groups[h.group];
        const uint64_t agent_stream = kStreamAgent * 0x100000000ull + i;
        for (int q = 0; q < kSlotsPerDay; ++q) {
          const size_t t = t0 + q;
          // Measured series replay as they are (plus noise); the model adds
          // each household's own stochastic events (household_load.h).
          const double load =
              grp.load_wh ? household_load_wh((*grp.load_wh)[t], grp.load_noise, 0, s.seed, i, t)
                          : household_load_wh(h0[t] * h.annual_kwh, grp.load_noise, grp.load_events,
                                              s.seed, i, t);
          const double pv = grp.pv_wh ? (*grp.pv_wh)[t] : pv_per_kwp[h.orientation][t] * h.kwp;
          const double own = load - pv;  // > 0: needs energy
          double net = own, base_net = own;
          Cell& c = cells[static_cast<size_t>(q) * n + i];
          if (h.battery.present()) {
            const bool agent = grp.agent == AgentKind::kBattery;
            const std::optional<int64_t>& y = yesterday[q];
            const bool is_cheap = agent && y && static_cast<double>(*y) <= cheap;
            const bool is_expensive = agent && y && static_cast<double>(*y) >= expensive;
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
            Rng rng(draw_u64(s.seed, agent_stream, t));
            c.price = agent_price(grp.agent, c.net_wh < 0, prices, grp.fixed_price, h, rng);
          }
        }
      }
    });
    // (2) Slots: each one's orders in arrival order, then clearing.
    parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
      for (size_t q = b; q < e; ++q) {
        const size_t t = t0 + q;
        std::vector<SlotOrder>& orders = day[q].orders;
        orders.clear();
        for (size_t i = 0; i < n; ++i) {
          const Cell& c = cells[q * n + i];
          booked[q * n + i] = Booked{};
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
    if (market.clears_by_day()) {
      if (Status st = market.clear_day(day); !st.is_ok())
        return Status(st.code(), "day " + std::to_string(day_no) + ": " + st.message());
    } else {
      parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
        // One scratch per running chunk, kept from day to day, so clearing
        // allocates nothing per order in steady state.
        std::unique_ptr<SlotScratch> scratch = pool.take();
        for (size_t q = b; q < e; ++q)
          slot_status[q] = market.clear_slot(day[q].orders, scratch.get(), day[q].outcome);
        pool.give(std::move(scratch));
      });
    }
    // (2b) Book each slot's outcome.
    parallel_for(kSlotsPerDay, threads, [&](size_t b, size_t e) {
      for (size_t q = b; q < e; ++q) {
        if (!slot_status[q].is_ok()) continue;
        SlotRecord rec;
        int64_t offered = 0, wanted = 0;
        for (size_t i = 0; i < n; ++i) {
          const Cell& c = cells[q * n + i];
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
        const std::vector<SlotOrder>& orders = day[q].orders;
        const SlotOutcome& r = day[q].outcome;
        for (size_t k = 0; k < orders.size(); ++k) {
          const SlotFill& f = r.fills[k];
          booked[q * n + orders[k].household] = Booked{f.p2p_wh, f.grid_wh, f.amount};
          (orders[k].sell ? rec.export_wh : rec.import_wh) += f.grid_wh;
        }
        rec.p2p_wh = r.p2p_wh;
        rec.p2p_value = r.p2p_value;
        rec.clearing_price = r.clearing_price;
        rec.welfare = r.welfare;
        rec.welfare_max = r.welfare_max;
        rec.orders = static_cast<int>(orders.size());
        day_slots[q] = rec;
      }
    });
    if (opts.keep_ledger) {
      for (int q = 0; q < kSlotsPerDay; ++q) {
        const std::vector<SlotOrder>& orders = day[q].orders;
        const SlotOutcome& r = day[q].outcome;
        if (!slot_status[q].is_ok() || r.fills.size() != orders.size()) continue;
        const int t = static_cast<int>(t0) + q;
        for (const SlotTrade& tr : r.trades)
          res.trades.push_back(TradeRecord{t, orders[tr.buy].household, orders[tr.sell].household,
                                           tr.energy_wh, tr.buy_price, tr.sell_price});
        for (const OrderBill& b : r.bills)
          res.bills.push_back(BillRecord{t, orders[b.order].household, b.bill});
      }
    }
    for (const Status& st : slot_status)
      if (!st.is_ok())
        return Status(st.code(), "day " + std::to_string(day_no) + ": " + st.message());
    // Mean P2P price per quarter hour: the battery agent's and ZIP's signal.
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const SlotRecord& r = day_slots[q];
      yesterday[q] =
          r.p2p_wh > 0 ? std::optional<int64_t>(r.p2p_value * 1000 / r.p2p_wh) : std::nullopt;
    }
    // (3) Bills and learning.
    parallel_for(n, threads, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        HouseholdTotals& tot = totals[i];
        Household& h = hh[i];
        const bool zip = s.groups[h.group].agent == AgentKind::kZip;
        for (int q = 0; q < kSlotsPerDay; ++q) {
          const Cell& c = cells[static_cast<size_t>(q) * n + i];
          const Booked& k = booked[static_cast<size_t>(q) * n + i];
          tot.load_wh += c.load_wh;
          tot.pv_wh += c.pv_wh;
          tot.battery_charge_wh += c.bat_charge_wh;
          tot.battery_discharge_wh += c.bat_discharge_wh;
          tot.battery_loss_wh += c.bat_loss_wh;
          if (c.market_charge) tot.battery_market_charge_wh += c.bat_charge_wh;
          if (c.net_wh > 0) {
            tot.import_wh += k.grid_wh;
            tot.p2p_bought_wh += k.p2p_wh;
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
          if (zip && c.net_wh != 0) {
            Rng rng(draw_u64(s.seed, kStreamZip, (t0 + q) * n + i));
            const bool sell = c.net_wh < 0;
            (sell ? h.zip_sell : h.zip_buy)
                .observe(sell ? prices.grid_sell : prices.grid_buy, yesterday[q], k.p2p_wh > 0,
                         rng);
          }
        }
      }
    });
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const SlotRecord& r = day_slots[q];
      res.peak_import_wh = std::max(res.peak_import_wh, static_cast<double>(r.import_wh));
      res.baseline_peak_import_wh =
          std::max(res.baseline_peak_import_wh, static_cast<double>(r.baseline_import_wh));
      res.total_local_possible_wh += r.local_possible_wh;
      res.total_welfare += r.welfare;
      res.total_welfare_max += r.welfare_max;
      res.total_p2p_value += r.p2p_value;
      if (r.p2p_wh > 0)
        res.slot_prices.push_back(static_cast<double>(r.p2p_value) * 1000.0 / r.p2p_wh);
      if (opts.keep_slots) res.slots[t0 + q] = r;
    }
    res.household_slots += static_cast<int64_t>(n) * kSlotsPerDay;
    if (opts.progress) opts.progress(day_no + 1, days);
  }
  res.households = std::move(totals);
  return res;
}

}  // namespace wattle::sim
