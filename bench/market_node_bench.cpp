// `wattle bench market`, the chain part: signed orders placed
// through the HTTP API of a running node, then cleared at gate closure, in
// one run.
//
//   node_orders_per_s  orders per second from the first POST /v1/txs batch to
//                      the last order committed (CheckTx with the market
//                      rules, escrow, blocks, synced commits)
//   node_clear_ms      from the gate to the commit of the block that closes
//                      the slot (the head's time reaching the gate): the wait
//                      for the node's next block (it makes one, empty, when a
//                      gate closure is due: Application::block_due; at most
//                      one 5 ms block interval), the clearing of every order,
//                      refunds included, and that block's commit
//   node_trades        trades the clearing made (a sanity figure)
//   slot_clear_ms_cap  node_clear_ms with the slot's book at the per-slot order
//                      cap (modules::kMaxOrdersPerSlot, 100,000); --quick
//                      places 1,000 orders and prints it for that size
//                      (the node makes no other block meanwhile: the chain
//                      stands still for this long, against a 5 ms interval)
// Orders come from 1,000 households (100 in --quick), half buying, half
// selling around one price, signed before timing from --seed.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench.h"
#include "modules/energy/market_state.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

int bench_market_node(const BenchOptions& opts) {
  const size_t houses = opts.quick ? 100 : 1'000;
  const size_t per_house = opts.quick ? 10 : modules::kMaxOrdersPerSlot / houses;
  const size_t n = houses * per_house;
  const size_t batch = 2'000;
  const fs::path home =
      fs::temp_directory_path() / ("wattle-bench-market-node-" + std::to_string(::getpid()));
  fs::remove_all(home);
  std::vector<KeyPair> keys;
  for (size_t i = 0; i < houses; ++i)
    keys.push_back(
        KeyPair::from_label("bench-market/" + std::to_string(opts.seed) + "/" + std::to_string(i)));
  const KeyPair op = KeyPair::from_label("bench-market/operator");
  modules::MarketParams m;
  m.slot_seconds = 1;
  m.gate_lead_seconds = 0;
  m.settlement_delay_seconds = 60;
  m.max_slots_ahead = 1'000;
  m.params = {{"k", 500'000}};
  m.operator_account = Address::of(op.public_key());
  m.tax_account = m.operator_account;
  node::InitOptions init;
  init.chain_id = "bench-market";
  init.block_interval_ms = 5;
  init.market = m;
  for (const auto& k : keys)
    init.balances.push_back({Address::of(k.public_key()), Money(1'000'000'000'000)});
  init.balances.push_back({m.operator_account, Money(1'000'000'000)});
  if (Status st = node::init_home(home.string(), init); !st) {
    std::cerr << st.to_string() << "\n";
    return 2;
  }
  node::NodeConfig cfg;
  cfg.home = home.string();
  cfg.rpc_port = 0;
  cfg.max_block_txs = 5'000;
  cfg.tx_rate.per_second = 0;  // one benchmark client must not be throttled
  auto node = node::Node::open(cfg);
  if (!node || !(*node)->start()) {
    std::cerr << "node did not start\n";
    return 2;
  }
  // The slot's gate leaves time to place everything (a generous bound).
  const uint64_t slot = wall_ms() / 1000 + (opts.quick ? 8 : 180);
  std::vector<std::pair<std::string, size_t>> bodies;  // body, orders in it
  {
    json body = {{"txs", json::array()}};
    for (size_t i = 0; i < n; ++i) {
      const size_t h = i % houses;
      const bool buy = h % 2 == 0;
      const int64_t price = 90'000 + (buy ? 1 : -1) * static_cast<int64_t>((i * 7919) % 20'000);
      chain::Tx tx = chain::Tx::make_signed(
          init.chain_id, keys[h], i / houses,
          chain::PlaceOrder{slot, buy ? market::Side::kBuy : market::Side::kSell,
                            Energy(100 + static_cast<int64_t>(i % 900)), Price(price)});
      body["txs"].push_back(to_hex(encode_to_bytes(tx)));
      if (body["txs"].size() == batch || i + 1 == n) {
        bodies.push_back({body.dump(), body["txs"].size()});
        body["txs"] = json::array();
      }
    }
  }
  rpc::HttpClient client("127.0.0.1", (*node)->rpc_port());
  auto t0 = Clock::now();
  for (const auto& [b, count] : bodies) {
    auto r = client.request("POST", "/v1/txs", b);
    if (!r || r->status != 200 || json::parse(r->body)["accepted"] != count) {
      std::cerr << "order batch refused: " << (r ? r->body.substr(0, 300) : "no answer") << "\n";
      return 2;
    }
  }
  while ((*node)->status().txs_committed < n) {
    if (Clock::now() - t0 > std::chrono::minutes(5)) return 2;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double place_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (wall_ms() >= slot * 1000) {
    std::cerr << "orders took longer than the gate allowed\n";
    return 2;
  }
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(slot * 1000 + 1)));
  auto t1 = Clock::now();
  // The clearing block is the first whose time reaches the gate; it is
  // committed when the head's time does. Polled on the node, not over HTTP:
  // building the slot's view at the cap would be measured too.
  const uint64_t gate_ms = slot * 1000;
  while ((*node)->status().last_block_time_ms < gate_ms) {
    if (Clock::now() - t1 > std::chrono::minutes(2)) return 2;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double clear_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
  json s;
  if (auto r = client.get("/v1/market/slots/" + std::to_string(slot) + "?limit=1");
      r && r->status == 200)
    s = json::parse(r->body);
  std::cout << "node_orders_per_s=" << static_cast<uint64_t>(n / place_s) << "\n";
  std::cout << "node_clear_ms=" << static_cast<uint64_t>(clear_ms) << "\n";
  std::cout << "node_trades=" << s.value("trade_count", uint64_t{0}) << "\n";
  std::cout << "slot_clear_ms_cap=" << static_cast<uint64_t>(clear_ms) << "\n";
  (*node)->stop();
  fs::remove_all(home);
  return 0;
}

}  // namespace wattle::bench
