#include <spdlog/spdlog.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "chain/tx.h"
#include "cli/commands.h"
#include "cli/node_call.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"

namespace wattle::cli {

namespace {

using nlohmann::json;
constexpr int kHouses = 10;
constexpr int kHours = 24;

std::string tokens(int64_t micro) {
  std::ostringstream s;
  if (micro < 0) s << "-";
  const int64_t m = micro < 0 ? -micro : micro;
  s << m / kMicroPerUnit << "." << std::setw(6) << std::setfill('0') << m % kMicroPerUnit;
  return s.str();
}

bool has_pv(int house) {
  return house % 3 == 0;
}

// Forecast and actual energy of one household in one hour (Wh): a load with
// morning and evening peaks, and for PV households a midday bell; actuals
// deviate a little from the forecast (the chain settles the difference).
struct Hour {
  int64_t load, pv, load_actual, pv_actual;
};
Hour hour_of(int house, int h) {
  Hour x{};
  x.load = 300 + 37 * house + ((h >= 7 && h <= 9) || (h >= 18 && h <= 22) ? 400 : 0);
  x.pv = has_pv(house) ? std::max<int64_t>(0, 2'200 - 320 * std::abs(h - 12)) : 0;
  x.load_actual = x.load + ((house * 7 + h) % 5 - 2) * 40;
  x.pv_actual = std::max<int64_t>(0, x.pv - ((house + h) % 4) * 60);
  return x;
}

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// The demo's market: uniform price, one second standing for one hour.
modules::MarketParams demo_market(const Address& op_addr) {
  modules::MarketParams m;
  m.mechanism = "uniform";
  m.params = {{"k", 500'000}};
  m.slot_seconds = 1;  // one second stands for one hour
  m.gate_lead_seconds = 0;
  m.settlement_delay_seconds = 2;
  m.max_slots_ahead = 100;
  m.operator_account = op_addr;
  m.tax_account = Address::of(KeyPair::from_label("wattle-demo-market/tax").public_key());
  return m;
}

// A running node on a fresh home, its client, and each signer's next nonce.
struct DemoChain {
  std::string chain_id;
  std::unique_ptr<node::Node> node;
  rpc::HttpClient client;
  std::map<Address, uint64_t> nonce;

  std::string sign(const KeyPair& k, chain::Payload p) {
    const Address a = Address::of(k.public_key());
    return to_hex(encode_to_bytes(chain::Tx::make_signed(chain_id, k, nonce[a]++, p)));
  }

  // Submits a batch and waits until all of it is committed.
  void commit(const std::vector<std::string>& txs) {
    json r = node_call(client, "POST", "/v1/txs", json{{"txs", txs}}.dump());
    for (const auto& item : r["results"]) {
      if (item["code"] != "ok")
        throw std::runtime_error("demo tx refused: " + item.value("message", std::string()));
      const std::string hash = item["hash"];
      for (int i = 0;; ++i) {
        if (node_call(client, "GET", "/v1/txs/" + hash)["status"] == "committed") break;
        if (i > 500) throw std::runtime_error("demo tx not committed");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
};

// Initialises the home (households and operator funded) and starts its node.
DemoChain start_demo_chain(const std::string& home, const modules::MarketParams& m,
                           const std::vector<KeyPair>& houses) {
  node::InitOptions init;
  init.chain_id = "wattle-demo-market";
  init.block_interval_ms = 20;
  init.market = m;
  for (const KeyPair& h : houses)
    init.balances.push_back({Address::of(h.public_key()), Money(50 * kMicroPerUnit)});
  init.balances.push_back({m.operator_account, Money(1'000 * kMicroPerUnit)});
  if (Status st = node::init_home(home, init); !st) throw std::runtime_error(st.to_string());
  node::NodeConfig cfg;
  cfg.home = home;
  cfg.rpc_port = 0;
  auto n = node::Node::open(cfg);
  if (!n) throw std::runtime_error(n.status().to_string());
  if (Status st = (*n)->start(); !st) throw std::runtime_error(st.to_string());
  const uint16_t port = (*n)->rpc_port();
  return DemoChain{init.chain_id, std::move(*n), rpc::HttpClient("127.0.0.1", port), {}};
}

// Every household's forecast order for every hour of the day, from slot
// `first` on.
std::vector<std::string> day_orders(DemoChain& c, const std::vector<KeyPair>& houses,
                                    uint64_t first) {
  std::vector<std::string> orders;
  for (int h = 0; h < kHours; ++h)
    for (int i = 0; i < kHouses; ++i) {
      const Hour x = hour_of(i, h);
      const int64_t net = x.pv - x.load;  // the forecast
      const bool sell = net > 0;
      orders.push_back(c.sign(
          houses[i], chain::PlaceOrder{first + h, sell ? market::Side::kSell : market::Side::kBuy,
                                       Energy(sell ? net : -net),
                                       Price(sell ? 60'000 + 2'000 * i : 160'000 - 2'000 * i)}));
    }
  return orders;
}

// As each hour ends, every meter posts its actual counters.
void post_day_readings(DemoChain& c, const modules::MarketParams& m,
                       const std::vector<KeyPair>& meters, uint64_t first) {
  std::vector<std::pair<int64_t, int64_t>> counters(kHouses);
  for (int h = 0; h < kHours; ++h) {
    const uint64_t slot = first + h;
    std::this_thread::sleep_until(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(m.slot_end_ms(slot) + 20)));
    std::vector<std::string> readings;
    for (int i = 0; i < kHouses; ++i) {
      const Hour x = hour_of(i, h);
      const int64_t net = x.load_actual - x.pv_actual;
      (net > 0 ? counters[i].first : counters[i].second) += net > 0 ? net : -net;
      readings.push_back(c.sign(meters[i], chain::MeterReading{slot, Energy(counters[i].first),
                                                               Energy(counters[i].second)}));
    }
    c.commit(readings);
  }
}

// Waits until the node's own block settled the slot and is committed.
void await_settled(DemoChain& c, const modules::MarketParams& m, uint64_t slot) {
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(m.settle_ms(slot) + 20)));
  for (int i = 0;; ++i) {
    json s = node_call(c.client, "GET", "/v1/market/slots/" + std::to_string(slot));
    if (s.value("status", "") == "settled") break;
    if (i > 500) throw std::runtime_error("demo: the last slot did not settle");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// One line per hour: the slot's clearing price and totals.
void print_slots(std::ostream& out, DemoChain& c, uint64_t first) {
  out << "\n  hour  slot        price   traded_wh  trades\n";
  for (int h = 0; h < kHours; ++h) {
    json s = node_call(c.client, "GET", "/v1/market/slots/" + std::to_string(first + h));
    // The slot's summary: its totals, whatever page of trades it carries.
    const int64_t traded = s["traded_wh"].get<int64_t>();
    out << "  " << std::setw(4) << h << "  " << first + h << "  " << std::setw(8)
        << (s["clearing_price"].is_null() ? std::string("-")
                                          : std::to_string(s["clearing_price"].get<int64_t>()))
        << "  " << std::setw(10) << traded << "  " << std::setw(6)
        << s["trade_count"].get<uint64_t>() << "  " << s["status"].get<std::string>() << "\n";
  }
}

// One line per household: what it paid on the chain against the grid alone.
void print_bills(std::ostream& out, DemoChain& c, const modules::MarketParams& m,
                 const std::vector<KeyPair>& houses, uint64_t first) {
  out << "\n  household  pv   billed_slots   paid_on_chain   grid_alone   saving   (tokens; "
         "the billed slots only)\n";
  for (int i = 0; i < kHouses; ++i) {
    const Address a = Address::of(houses[i].public_key());
    int64_t paid = 0, alone = 0;
    int billed = 0;
    for (int h = 0; h < kHours; ++h) {
      auto r =
          c.client.get("/v1/accounts/" + a.to_string() + "/bills/" + std::to_string(first + h));
      if (!r || r->status != 200) continue;
      json b = json::parse(r->body);
      ++billed;
      paid -= b["net"].get<int64_t>();
      // The grid alone: imports at grid_buy plus tax, exports at grid_sell.
      const int64_t imp = b["import_wh"], exp = b["export_wh"];
      const int64_t cost = (imp * m.grid_buy + 999) / 1000;
      alone += cost + (cost * m.tax_bp + 9'999) / 10'000 - exp * m.grid_sell / 1000;
    }
    out << "  " << std::setw(9) << i << "  " << (has_pv(i) ? "yes" : " no") << "  " << std::setw(12)
        << billed << "  " << std::setw(14) << tokens(paid) << "  " << std::setw(11) << tokens(alone)
        << "  " << std::setw(7) << tokens(alone - paid) << "\n";
  }
}

}  // namespace

void run_market_day_demo(std::ostream& out, const std::string& home, bool keep) {
  namespace fs = std::filesystem;
  fs::remove_all(home);
  const KeyPair op = KeyPair::from_label("wattle-demo-market/operator");
  const modules::MarketParams m = demo_market(Address::of(op.public_key()));
  std::vector<KeyPair> houses, meters;
  for (int i = 0; i < kHouses; ++i) {
    houses.push_back(KeyPair::from_label("wattle-demo-market/house-" + std::to_string(i)));
    meters.push_back(KeyPair::from_label("wattle-demo-market/meter-" + std::to_string(i)));
  }
  DemoChain c = start_demo_chain(home, m, houses);
  // No txs are needed to move the chain's clock: gate closures and
  // settlements run in the first block at or after their time, and the node
  // makes that block, empty if need be, when one is due
  // (Application::block_due).

  out << "\n== The market on the chain: 10 households (PV at 0, 3, 6, 9), one day of 24 hourly "
         "slots, one second per slot\n";
  std::vector<std::string> reg;
  for (int i = 0; i < kHouses; ++i)
    reg.push_back(c.sign(
        op, chain::RegisterMeter{meters[i].public_key(), Address::of(houses[i].public_key())}));
  c.commit(reg);
  const uint64_t first = wall_ms() / 1000 + 3;
  const std::vector<std::string> orders = day_orders(c, houses, first);
  c.commit(orders);
  out << "  " << orders.size() << " signed orders placed for slots " << first << ".."
      << first + kHours - 1 << "\n";
  post_day_readings(c, m, meters, first);
  await_settled(c, m, first + kHours - 1);
  print_slots(out, c, first);
  print_bills(out, c, m, houses, first);
  c.node->stop();
  if (!keep) fs::remove_all(home);
}

}  // namespace wattle::cli
