// A day of sealed orders on a two-level market tree, end to end on a
// 4-validator devnet of real `wattle node` processes driven by the `wattle`
// command a user types (docs/market.md, "Clearing through the market tree"
// and "Sealed orders (commit–reveal)").
//
// The tree: a root `district` with two leaves `street-a` and `street-b`, each
// with its own grid_fee and fee account. Eight households, four per leaf,
// registered with `register-meter --market`. "The day" is kSlots consecutive
// 3-second slots: in each, every household places one order; households 0, 1,
// 4 and 5 seal theirs (`tx order --sealed`) and reveal them after the gate
// (`tx reveal`), except household 5 which never reveals its order of the
// day's second slot; the others place public orders. Every meter posts a
// reading of every slot; every slot clears through the tree and settles.
//
// An independent model, plain arithmetic from docs/market.md's rules, takes
// only the nodes' books and trades as input (who matched whom, where, at
// which prices) and recomputes, per trade, the levels it crosses and their
// fees; per bill, the deviation, grid amounts, flat fee, tax, level fees and
// net; and the final balance of every household (escrow all returned, the
// forfeited deposit gone), of each fee account, of the tax account and of the
// operator (the community account, which receives the forfeit). All four
// nodes must report exactly that over HTTP, and agree on every block hash.
//
//   market_tree_devnet_test PATH_TO_WATTLE
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "core/address.h"
#include "core/keys.h"
#include "node/devnet.h"
#include "node/home.h"
#include "process_util.h"

namespace wattle {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string g_wattle;
constexpr int kNodes = 4;
constexpr int kHouses = 8;
constexpr uint64_t kSlots = 4;
constexpr uint64_t kSlotSeconds = 3;
constexpr int64_t kGridBuy = 250000, kGridSell = 50000, kFlatFee = 2000, kTaxBp = 500;
constexpr int64_t kDeposit = 700000;
constexpr int64_t kHouseBalance = 100'000'000, kOperatorBalance = 1'000'000'000;
constexpr int kSilent = 5;           // the household that never reveals ...
constexpr uint64_t kSilentSlot = 1;  // ... its order of this slot of the day
const std::set<int> kSealed = {0, 1, 4, 5};

struct Level {
  std::string name, parent;
  int64_t fee;
  KeyPair account;
};
const std::vector<Level>& levels() {
  static const std::vector<Level> l = {
      {"district", "", 3000, KeyPair::from_label("tree-devnet/fee/district")},
      {"street-a", "district", 5000, KeyPair::from_label("tree-devnet/fee/street-a")},
      {"street-b", "district", 7000, KeyPair::from_label("tree-devnet/fee/street-b")}};
  return l;
}
std::string leaf_of(int house) {
  return house < kHouses / 2 ? "street-a" : "street-b";
}
std::string parent_of(const std::string& m) {
  for (const Level& l : levels())
    if (l.name == m) return l.parent;
  return "";
}
int64_t fee_of(const std::string& m) {
  for (const Level& l : levels())
    if (l.name == m) return l.fee;
  return -1;
}

std::string str(const json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

int64_t ceil_div(__int128 a, int64_t b) {
  return static_cast<int64_t>((a + b - 1) / b);
}

// What household `h` places and meters in slot `k` of the day: a mix of
// buyers and sellers in each leaf, with street-a long on even slots and
// street-b long on odd ones, so energy crosses the district both ways.
struct Plan {
  bool sell;
  int64_t energy, price, import_wh, export_wh;
};
Plan plan(int h, uint64_t k) {
  Plan p{};
  p.sell = (h + k) % 2 == 0;
  const bool long_leaf = (leaf_of(h) == "street-a") == (k % 2 == 0);
  if (p.sell) {
    p.energy = (long_leaf ? 1500 : 400) + 100 * h;
    p.price = 40000 + 10000 * static_cast<int64_t>((h + k) % 3);
    p.export_wh = p.energy + (h % 2 ? -150 : 230);  // some under-deliver
    p.import_wh = 20 * h;
  } else {
    p.energy = 800 + 50 * h;
    p.price = 120000 - 10000 * static_cast<int64_t>((3 * h + k) % 4);
    p.import_wh = p.energy + 60 * static_cast<int64_t>(h % 3) - 40;
    p.export_wh = 10 * h;
  }
  return p;
}

struct Outcome {
  int code;
  std::string output;
};

class TreeDevnet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(g_wattle.empty()) << "usage: market_tree_devnet_test PATH_TO_WATTLE";
    dir_ = fs::temp_directory_path() / ("wattle-tree-devnet-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "keys");
    fs::create_directories(dir_ / "logs");
  }
  void TearDown() override {
    for (pid_t p : pids_) {
      ::kill(p, SIGKILL);
      wait_exit(p);
    }
    if (!HasFailure())
      fs::remove_all(dir_);
    else
      std::cout << "kept " << dir_ << " (logs, node homes)" << std::endl;
  }

  Outcome run(std::vector<std::string> args) {
    args.insert(args.begin(), g_wattle);
    const std::string log = (dir_ / "logs" / (std::to_string(++calls_) + ".log")).string();
    const pid_t p = spawn(args, log);
    if (p <= 0) return {-1, "spawn failed"};
    Outcome o{wait_exit(p), ""};
    std::ifstream in(log);
    o.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return o;
  }
  std::string key_file(const std::string& name, const KeyPair& k) {
    const fs::path p = dir_ / "keys" / (name + ".key");
    EXPECT_TRUE(node::write_key_file(p.string(), k, false));
    return p.string();
  }
  std::string rpc(int node) const { return "127.0.0.1:" + std::to_string(base_ + 2 * node); }
  rpc::HttpClient client(int node) const {
    return rpc::HttpClient("127.0.0.1", static_cast<uint16_t>(base_ + 2 * node),
                           {std::chrono::milliseconds(5000)});
  }
  json get_json(int node, const std::string& target) {
    auto c = client(node);
    auto j = get(c, target);
    return j ? *j : json{{"_http", 0}};
  }
  uint64_t chain_ms(int node = 0) {
    const json s = get_json(node, "/v1/status");
    return s["_http"] == 200 ? s["last_block_time_ms"].get<uint64_t>() : 0;
  }
  bool wait_until(const std::function<bool()>& cond, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  void error(const std::string& e) {
    std::lock_guard lock(mu_);
    errors_.push_back(e);
  }

  fs::path dir_;
  uint16_t base_ = 0;
  std::vector<pid_t> pids_;
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::vector<std::string> errors_;
};

std::string market_toml(const Address& op, const Address& tax) {
  std::string t =
      "mechanism = \"uniform\"\nslot_seconds = " + std::to_string(kSlotSeconds) +
      "\ngate_lead_seconds = 0\nsettlement_delay_seconds = 15\n"
      "max_slots_ahead = 1000\ngrid_buy = " +
      std::to_string(kGridBuy) + "\ngrid_sell = " + std::to_string(kGridSell) +
      "\ngrid_fee = " + std::to_string(kFlatFee) + "\ntax_bp = " + std::to_string(kTaxBp) +
      "\noperator = \"" + op.to_string() + "\"\ntax_account = \"" + tax.to_string() +
      "\"\nmax_reading_wh_per_slot = 100000\nseal_deposit = " + std::to_string(kDeposit) +
      "\nreveal_blocks = 30\n";
  for (const Level& l : levels()) {
    t += "[[markets]]\nname = \"" + l.name + "\"\n";
    if (!l.parent.empty()) t += "parent = \"" + l.parent + "\"\n";
    t += "mechanism = \"uniform\"\ngrid_fee = " + std::to_string(l.fee) + "\nfee_account = \"" +
         Address::of(l.account.public_key()).to_string() + "\"\n";
  }
  return t;
}

// The levels a trade crosses: each side's path from its leaf up to, not
// including, the market that matched it (docs/market.md).
std::vector<std::string> crossed(const std::string& buyer_leaf, const std::string& seller_leaf,
                                 const std::string& matched) {
  std::vector<std::string> out;
  for (std::string m : {buyer_leaf, seller_leaf})
    for (; !m.empty() && m != matched; m = parent_of(m)) out.push_back(m);
  return out;
}

TEST_F(TreeDevnet, ADayOfSealedAndPublicOrdersMatchesAnIndependentModelOnEveryNode) {
  const KeyPair op = KeyPair::from_label("tree-devnet/operator");
  const KeyPair tax = KeyPair::from_label("tree-devnet/tax");
  const Address op_addr = Address::of(op.public_key()), tax_addr = Address::of(tax.public_key());
  std::vector<KeyPair> house, meter;
  std::vector<std::string> house_key, meter_key;
  std::map<std::string, int> house_of;  // address → household
  for (int h = 0; h < kHouses; ++h) {
    house.push_back(KeyPair::from_label("tree-devnet/house/" + std::to_string(h)));
    meter.push_back(KeyPair::from_label("tree-devnet/meter/" + std::to_string(h)));
    house_key.push_back(key_file("house" + std::to_string(h), house[h]));
    meter_key.push_back(key_file("meter" + std::to_string(h), meter[h]));
    house_of[Address::of(house[h].public_key()).to_string()] = h;
  }
  const std::string op_key = key_file("operator", op);
  { std::ofstream(dir_ / "market.toml") << market_toml(op_addr, tax_addr); }

  // The devnet: four validators on free ports, households and operator funded.
  auto base = node::free_port_range("127.0.0.1", 2 * kNodes);
  ASSERT_TRUE(base);
  base_ = *base;
  std::vector<std::string> init = {
      "devnet",       "init",
      "--validators", std::to_string(kNodes),
      "--home",       (dir_ / "net").string(),
      "--base-port",  std::to_string(base_),
      "--market",     (dir_ / "market.toml").string(),
      "--balance",    op_addr.to_string() + "=" + std::to_string(kOperatorBalance)};
  for (int h = 0; h < kHouses; ++h) {
    init.push_back("--balance");
    init.push_back(Address::of(house[h].public_key()).to_string() + "=" +
                   std::to_string(kHouseBalance));
  }
  Outcome o = run(init);
  ASSERT_EQ(o.code, 0) << o.output;
  for (int i = 0; i < kNodes; ++i) {
    const fs::path home = dir_ / "net" / ("node" + std::to_string(i));
    pids_.push_back(spawn({g_wattle, "node", "--home", home.string(), "--log-level", "warn"},
                          (home / "node.log").string()));
  }
  for (int i = 0; i < kNodes; ++i)
    ASSERT_TRUE(wait_until(
        [&] {
          return get_json(i, "/v1/status")["_http"] == 200 &&
                 get_json(i, "/v1/status")["height"] >= 3;
        },
        60s))
        << "node " << i << " never reached height 3";

  // Meters, each household into its leaf.
  for (int h = 0; h < kHouses; ++h) {
    o = run({"tx", "register-meter", "--meter", meter[h].public_key().hex(), "--account",
             Address::of(house[h].public_key()).to_string(), "--market", leaf_of(h), "--key",
             op_key, "--rpc", rpc(0), "--wait"});
    ASSERT_EQ(o.code, 0) << o.output;
  }

  // The day's orders, placed in parallel (one thread per household) well
  // before the first slot's gate.
  const uint64_t first = chain_ms() / 1000 / kSlotSeconds + 6;
  std::cout << "day: slots " << first << ".." << first + kSlots - 1 << " of " << kSlotSeconds
            << " s" << std::endl;
  auto day = [&](int h) {
    const std::string node = rpc(h % kNodes);
    for (uint64_t k = 0; k < kSlots; ++k) {
      const Plan p = plan(h, k);
      std::vector<std::string> args = {"tx",          "order",
                                       "--slot",      std::to_string(first + k),
                                       "--side",      p.sell ? "sell" : "buy",
                                       "--energy-wh", std::to_string(p.energy),
                                       "--price",     std::to_string(p.price),
                                       "--key",       house_key[h],
                                       "--rpc",       node,
                                       "--wait"};
      if (kSealed.count(h)) args.push_back("--sealed");
      Outcome r = run(args);
      if (r.code != 0) error("house " + std::to_string(h) + " order: " + r.output);
    }
    if (chain_ms(h % kNodes) >= first * kSlotSeconds * 1000)
      error("house " + std::to_string(h) + " placed its orders after the first gate");
    // Then each slot: reveal after its gate, post the reading after its end.
    int64_t imported = 0, exported = 0;
    for (uint64_t k = 0; k < kSlots; ++k) {
      const uint64_t slot = first + k;
      if (kSealed.count(h) && !(h == kSilent && k == kSilentSlot)) {
        if (!wait_until([&] { return chain_ms(h % kNodes) >= slot * kSlotSeconds * 1000; }, 90s))
          error("no gate for slot " + std::to_string(slot));
        Outcome r = run({"tx", "reveal", "--slot", std::to_string(slot), "--key", house_key[h],
                         "--rpc", node, "--wait"});
        if (r.code != 0 || r.output.find("revealed=") == std::string::npos)
          error("house " + std::to_string(h) + " reveal " + std::to_string(slot) + ": " + r.output);
      }
      const Plan p = plan(h, k);
      imported += p.import_wh;
      exported += p.export_wh;
      if (!wait_until([&] { return chain_ms(h % kNodes) >= (slot + 1) * kSlotSeconds * 1000; },
                      90s))
        error("slot " + std::to_string(slot) + " never ended");
      Outcome r = run({"tx", "meter", "--slot", std::to_string(slot), "--import-wh",
                       std::to_string(imported), "--export-wh", std::to_string(exported), "--key",
                       meter_key[h], "--rpc", node, "--wait"});
      if (r.code != 0)
        error("meter " + std::to_string(h) + " slot " + std::to_string(slot) + ": " + r.output);
    }
  };
  {
    std::vector<std::thread> threads;
    for (int h = 0; h < kHouses; ++h) threads.emplace_back(day, h);
    for (auto& t : threads) t.join();
  }
  for (const std::string& e : errors_) ADD_FAILURE() << e;
  ASSERT_TRUE(errors_.empty());

  // Every slot of the day settled on every node.
  const uint64_t last = first + kSlots - 1;
  for (int i = 0; i < kNodes; ++i)
    ASSERT_TRUE(wait_until(
        [&] {
          return get_json(i, "/v1/market/slots/" + std::to_string(last))["status"] == "settled";
        },
        90s))
        << "node " << i << ": " << get_json(i, "/v1/market/slots/" + std::to_string(last)).dump();

  // ---- The model ----------------------------------------------------------
  std::map<std::string, int64_t> level_total;  // fee account income by level
  std::map<int, int64_t> net_total;            // household → Σ net
  int64_t tax_total = 0, operator_delta = 0;
  int trades_crossing_streets = 0, trades_inside_leaves = 0, forfeits = 0;
  for (uint64_t k = 0; k < kSlots; ++k) {
    const uint64_t slot = first + k;
    const json s = get_json(0, "/v1/market/slots/" + std::to_string(slot));
    ASSERT_EQ(s["_http"], 200) << s.dump();
    // The book: every public and revealed order exactly as placed, in its
    // household's leaf; the unrevealed one absent.
    std::map<std::string, json> order;  // id → book entry
    std::set<int> in_book;
    for (const json& e : s["orders"]) {
      order[str(e["id"])] = e;
      const int h = house_of.at(str(e["owner"]));
      in_book.insert(h);
      const Plan p = plan(h, k);
      EXPECT_EQ(e["side"], p.sell ? "sell" : "buy") << slot << " house " << h;
      EXPECT_EQ(e["energy_wh"], p.energy) << slot << " house " << h;
      EXPECT_EQ(e["price"], p.price) << slot << " house " << h;
      EXPECT_EQ(e["market"], leaf_of(h)) << slot << " house " << h;
    }
    const bool silent_slot = k == kSilentSlot;
    EXPECT_EQ(in_book.size(), static_cast<size_t>(silent_slot ? kHouses - 1 : kHouses)) << slot;
    EXPECT_EQ(in_book.count(kSilent), silent_slot ? 0u : 1u) << slot;
    forfeits += silent_slot ? 1 : 0;

    // Trades: the levels crossed and their fees, recomputed.
    std::map<int, int64_t> bought, sold, paid, received;
    std::map<int, std::map<std::string, int64_t>> house_fees;
    std::map<std::string, int64_t> slot_level_fees, level_traded;
    for (const json& t : s["trades"]) {
      ASSERT_TRUE(order.count(str(t["buy"])) && order.count(str(t["sell"]))) << t.dump();
      const int b = house_of.at(str(order[str(t["buy"])]["owner"]));
      const int se = house_of.at(str(order[str(t["sell"])]["owner"]));
      const int64_t e = t["energy_wh"];
      const std::string matched = str(t["market"]);
      level_traded[matched] += e;
      bought[b] += e;
      sold[se] += e;
      std::map<std::string, int64_t> fees;
      for (const std::string& m : crossed(leaf_of(b), leaf_of(se), matched))
        fees[m] += ceil_div(static_cast<__int128>(e) * fee_of(m), 1000);
      std::map<std::string, int64_t> reported;
      for (const json& f : t["grid_fees"]) reported[str(f["market"])] += f["amount"].get<int64_t>();
      std::erase_if(reported, [](const auto& kv) { return kv.second == 0; });
      EXPECT_EQ(reported, fees) << "slot " << slot << " trade " << t.dump();
      for (const auto& [m, a] : fees) {
        house_fees[b][m] += a;
        slot_level_fees[m] += a;
        level_total[m] += a;
      }
      (leaf_of(b) == leaf_of(se) ? trades_inside_leaves : trades_crossing_streets) += 1;
      EXPECT_EQ(matched == "district", leaf_of(b) != leaf_of(se)) << t.dump();
    }
    for (const auto& [id, e] : order) {
      const int h = house_of.at(str(e["owner"]));
      (e["side"] == "buy" ? paid : received)[h] += e["amount"].get<int64_t>();
      EXPECT_EQ(e["filled_wh"], e["side"] == "buy" ? bought[h] : sold[h]) << e.dump();
    }
    // The slot's levels: every market, its fee and account, its trades and fees.
    ASSERT_EQ(s["levels"].size(), levels().size()) << s.dump();
    for (size_t i = 0; i < levels().size(); ++i) {
      const json& l = s["levels"][i];
      const Level& want = levels()[i];
      EXPECT_EQ(l["market"], want.name);
      EXPECT_EQ(l["grid_fee"], want.fee);
      EXPECT_EQ(l["fee_account"], Address::of(want.account.public_key()).to_string());
      EXPECT_EQ(l["traded_wh"], level_traded[want.name]) << slot << " " << l.dump();
      EXPECT_EQ(l["fees"], slot_level_fees[want.name]) << slot << " " << l.dump();
    }
    operator_delta += s["surplus"].get<int64_t>();

    // Bills, from the readings of plan() and the rules of docs/market.md.
    for (int h = 0; h < kHouses; ++h) {
      const std::string addr = Address::of(house[h].public_key()).to_string();
      const json bill =
          get_json(h % kNodes, "/v1/accounts/" + addr + "/bills/" + std::to_string(slot));
      if (bought[h] + sold[h] == 0) {
        EXPECT_EQ(bill["_http"], 404) << "house " << h << " slot " << slot << bill.dump();
        continue;
      }
      ASSERT_EQ(bill["_http"], 200) << "house " << h << " slot " << slot << bill.dump();
      const Plan p = plan(h, k);
      const int64_t dev = (p.export_wh - p.import_wh) - (sold[h] - bought[h]);
      const int64_t grid_received = dev > 0 ? dev * kGridSell / 1000 : 0;
      const int64_t grid_paid =
          dev < 0 ? ceil_div(static_cast<__int128>(-dev) * kGridBuy, 1000) : 0;
      const int64_t flat = ceil_div(static_cast<__int128>(bought[h]) * kFlatFee, 1000);
      const int64_t tx =
          ceil_div(static_cast<__int128>(paid[h] + flat + grid_paid) * kTaxBp, 10000);
      int64_t level_fees = 0;
      for (const auto& [m, a] : house_fees[h]) level_fees += a;
      const int64_t net =
          received[h] + grid_received - paid[h] - grid_paid - flat - tx - level_fees;
      const std::string what = "house " + std::to_string(h) + " slot " + std::to_string(slot);
      EXPECT_EQ(bill["bought_wh"], bought[h]) << what;
      EXPECT_EQ(bill["sold_wh"], sold[h]) << what;
      EXPECT_EQ(bill["deviation_wh"], dev) << what;
      EXPECT_EQ(bill["p2p_paid"], paid[h]) << what;
      EXPECT_EQ(bill["p2p_received"], received[h]) << what;
      EXPECT_EQ(bill["grid_paid"], grid_paid) << what;
      EXPECT_EQ(bill["grid_received"], grid_received) << what;
      EXPECT_EQ(bill["grid_fee"], flat) << what;
      EXPECT_EQ(bill["tax"], tx) << what;
      EXPECT_EQ(bill["net"], net) << what;
      EXPECT_EQ(bill["reading"], "posted") << what;
      EXPECT_EQ(bill["debt_added"], 0) << what;
      std::map<std::string, int64_t> bill_fees;
      for (const json& f : bill["grid_fees"])
        bill_fees[str(f["market"])] += f["amount"].get<int64_t>();
      std::erase_if(bill_fees, [](const auto& kv) { return kv.second == 0; });
      EXPECT_EQ(bill_fees, house_fees[h]) << what << " " << bill.dump();
      net_total[h] += net;
      tax_total += tx;
      operator_delta += grid_paid + flat - grid_received;
    }
  }
  operator_delta += forfeits * kDeposit;
  std::cout << "trades_inside_leaves=" << trades_inside_leaves
            << " trades_crossing_streets=" << trades_crossing_streets
            << " fees_street_a=" << level_total["street-a"]
            << " fees_street_b=" << level_total["street-b"]
            << " fees_district=" << level_total["district"] << " forfeits=" << forfeits
            << std::endl;
  // The day exercised what it claims to: trades in a leaf and across streets.
  EXPECT_GT(trades_inside_leaves, 0);
  EXPECT_GT(trades_crossing_streets, 0);
  EXPECT_EQ(forfeits, 1);

  // Every node: the same balances, escrow all returned, no debt.
  auto balance = [&](int node, const Address& a) -> int64_t {
    const json j = get_json(node, "/v1/accounts/" + a.to_string());
    return j["_http"] == 200 ? j["balance"].get<int64_t>() : 0;
  };
  for (int i = 0; i < kNodes; ++i) {
    for (int h = 0; h < kHouses; ++h) {
      const Address a = Address::of(house[h].public_key());
      const int64_t forfeited = h == kSilent ? kDeposit : 0;
      EXPECT_EQ(balance(i, a), kHouseBalance + net_total[h] - forfeited)
          << "node " << i << " house " << h;
      const json orders = get_json(i, "/v1/accounts/" + a.to_string() + "/orders");
      EXPECT_EQ(orders["escrow"], 0) << "node " << i << " house " << h << orders.dump();
      EXPECT_EQ(orders["debt"], 0) << "node " << i << " house " << h;
    }
    for (const Level& l : levels())
      EXPECT_EQ(balance(i, Address::of(l.account.public_key())), level_total[l.name])
          << "node " << i << " fee account of " << l.name;
    EXPECT_EQ(balance(i, tax_addr), tax_total) << "node " << i;
    EXPECT_EQ(balance(i, op_addr), kOperatorBalance + operator_delta)
        << "node " << i << " (the community account, with the forfeited deposit)";
    for (uint64_t slot = first; slot <= last; ++slot)
      EXPECT_EQ(get_json(i, "/v1/market/slots/" + std::to_string(slot))["levels"],
                get_json(0, "/v1/market/slots/" + std::to_string(slot))["levels"])
          << "node " << i << " slot " << slot;
  }
  // The root's fee is never charged: no trade crosses the market that matched it.
  EXPECT_EQ(level_total["district"], 0);

  // Every node at the same block hash and state root at every height.
  uint64_t top = get_json(0, "/v1/status")["height"];
  for (int i = 1; i < kNodes; ++i)
    ASSERT_TRUE(wait_until([&] { return get_json(i, "/v1/status")["height"] >= top; }, 60s));
  for (uint64_t h = 1; h <= top; ++h) {
    const json b0 = get_json(0, "/v1/blocks/" + std::to_string(h));
    ASSERT_EQ(b0["_http"], 200) << h;
    for (int i = 1; i < kNodes; ++i) {
      const json b = get_json(i, "/v1/blocks/" + std::to_string(h));
      ASSERT_EQ(b["hash"], b0["hash"]) << "node " << i << " height " << h;
      ASSERT_EQ(b["state_root"], b0["state_root"]) << "node " << i << " height " << h;
    }
  }
  for (pid_t p : pids_) {
    ::kill(p, SIGTERM);
    EXPECT_EQ(wait_exit(p), 0);
  }
  pids_.clear();
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = argv[1];
  return RUN_ALL_TESTS();
}
