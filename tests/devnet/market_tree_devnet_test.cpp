// A day of sealed orders on a two-level market tree, end to end on a
// 4-validator devnet of real `wattle node` processes driven by the `wattle`
// command a user types (docs/market.md, "Clearing through the market tree"
// and "Sealed orders (commit–reveal)").
//
// The tree: a root `district` with two leaves `street-a` and `street-b`, all
// three with their own grid_fee and fee account (the root's fee is never due:
// no trade crosses the market that matched it). Eight households, four per
// leaf, registered with `register-meter --market`. "The day" is kSlots (four)
// consecutive 3-second slots, kept short so the test runs in about a minute:
// in each, every household places one order; households 0, 1,
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
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "core/address.h"
#include "core/keys.h"
#include "devnet_processes.h"
#include "node/devnet.h"
#include "node/home.h"

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
    net_.emplace(g_wattle, dir_ / "net", kNodes, kNodes);
  }
  void TearDown() override {
    net_.reset();  // kills what is still running
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
  std::string rpc(int node) const { return "127.0.0.1:" + std::to_string(net_->rpc_port(node)); }
  // Node's answer with its status in `_http` (0: no answer).
  json get_json(int node, const std::string& target) {
    auto c = net_->client(node);
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
  std::optional<DevnetProcesses> net_;
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

// Who takes part: the operator (the community account), the tax account and
// eight households with their meters, key files in the test's directory.
struct Parties {
  KeyPair op = KeyPair::from_label("tree-devnet/operator");
  KeyPair tax = KeyPair::from_label("tree-devnet/tax");
  std::vector<KeyPair> house, meter;
  std::vector<std::string> house_key, meter_key;
  std::string op_key;
  std::map<std::string, int> house_of;  // address → household
  Address op_addr() const { return Address::of(op.public_key()); }
  Address house_addr(int h) const { return Address::of(house[h].public_key()); }
};

// What the model derives, over the day.
struct Totals {
  std::map<std::string, int64_t> level_fees;  // fee account income by level
  std::map<int, int64_t> net;                 // household → Σ net of its bills
  int64_t tax = 0, operator_delta = 0;
  int inside_leaves = 0, crossing_streets = 0, forfeits = 0;
};

// One slot's flows per household, from the book and trades the nodes report.
struct SlotFlows {
  std::map<int, int64_t> bought, sold, paid, received;
  std::map<int, std::map<std::string, int64_t>> fees;  // household (buyer) → level → fee
};

std::map<std::string, int64_t> fees_by_market(const json& list) {
  std::map<std::string, int64_t> out;
  for (const json& f : list) out[str(f["market"])] += f["amount"].get<int64_t>();
  std::erase_if(out, [](const auto& kv) { return kv.second == 0; });
  return out;
}

class TreeDevnetDay : public TreeDevnet {
 protected:
  void start_network();
  void household_day(int h);
  void check_slot(uint64_t k, Totals& totals);
  void check_bills(uint64_t k, const SlotFlows& flows, Totals& totals);
  void check_balances(const Totals& totals);
  void check_blocks_agree();

  Parties p_;
  uint64_t first_ = 0;  // the day's first slot
};

// Four validators on free ports with the tree's genesis, households and
// operator funded, every meter registered into its household's leaf.
void TreeDevnetDay::start_network() {
  for (int h = 0; h < kHouses; ++h) {
    p_.house.push_back(KeyPair::from_label("tree-devnet/house/" + std::to_string(h)));
    p_.meter.push_back(KeyPair::from_label("tree-devnet/meter/" + std::to_string(h)));
    p_.house_key.push_back(key_file("house" + std::to_string(h), p_.house[h]));
    p_.meter_key.push_back(key_file("meter" + std::to_string(h), p_.meter[h]));
    p_.house_of[p_.house_addr(h).to_string()] = h;
  }
  p_.op_key = key_file("operator", p_.op);
  std::ofstream(dir_ / "market.toml")
      << market_toml(p_.op_addr(), Address::of(p_.tax.public_key()));
  std::vector<std::string> init = {
      "--validators", std::to_string(kNodes),
      "--market",     (dir_ / "market.toml").string(),
      "--balance",    p_.op_addr().to_string() + "=" + std::to_string(kOperatorBalance)};
  for (int h = 0; h < kHouses; ++h) {
    init.push_back("--balance");
    init.push_back(p_.house_addr(h).to_string() + "=" + std::to_string(kHouseBalance));
  }
  ASSERT_TRUE(net_->init(init)) << "see " << net_->init_log();
  for (int i = 0; i < kNodes; ++i) net_->start(i);
  Outcome o;
  for (int i = 0; i < kNodes; ++i)
    ASSERT_TRUE(wait_until([&] { return get_json(i, "/v1/status").value("height", 0) >= 3; }, 60s))
        << "node " << i << " never reached height 3";
  for (int h = 0; h < kHouses; ++h) {
    o = run({"tx", "register-meter", "--meter", p_.meter[h].public_key().hex(), "--account",
             p_.house_addr(h).to_string(), "--market", leaf_of(h), "--key", p_.op_key, "--rpc",
             rpc(0), "--wait"});
    ASSERT_EQ(o.code, 0) << o.output;
  }
}

// Household h's day (run in its own thread; failures go to error()): all
// its orders first, then per slot the reveal after the gate (a sealed
// household, but for the silent one's slot) and the reading after the end.
void TreeDevnetDay::household_day(int h) {
  const int node = h % kNodes;
  const std::string who = "house " + std::to_string(h);
  for (uint64_t k = 0; k < kSlots; ++k) {
    const Plan p = plan(h, k);
    std::vector<std::string> args = {"tx",          "order",
                                     "--slot",      std::to_string(first_ + k),
                                     "--side",      p.sell ? "sell" : "buy",
                                     "--energy-wh", std::to_string(p.energy),
                                     "--price",     std::to_string(p.price),
                                     "--key",       p_.house_key[h],
                                     "--rpc",       rpc(node),
                                     "--wait"};
    if (kSealed.count(h)) args.push_back("--sealed");
    Outcome r = run(args);
    if (r.code != 0) error(who + " order: " + r.output);
  }
  if (chain_ms(node) >= first_ * kSlotSeconds * 1000)
    error(who + " placed its orders after the first gate: raise the lead");
  if (h == kSilent) {  // before the gate: commitments with their deposits only
    const json mine = get_json(node, "/v1/accounts/" + p_.house_addr(h).to_string() + "/orders");
    size_t sealed = 0;
    for (const json& s : mine.value("sealed", json::array()))
      sealed += s["deposit"] == kDeposit && s["revealed"] == false ? 1 : 0;
    if (sealed != kSlots || !mine["orders"].empty())
      error(who + " before the gate: " + mine.dump());
  }
  int64_t imported = 0, exported = 0;
  for (uint64_t k = 0; k < kSlots; ++k) {
    const uint64_t slot = first_ + k;
    if (kSealed.count(h) && !(h == kSilent && k == kSilentSlot)) {
      if (!wait_until([&] { return chain_ms(node) >= slot * kSlotSeconds * 1000; }, 90s))
        error("no gate for slot " + std::to_string(slot));
      Outcome r = run({"tx", "reveal", "--slot", std::to_string(slot), "--key", p_.house_key[h],
                       "--rpc", rpc(node), "--wait"});
      if (r.code != 0 || r.output.find("revealed=") == std::string::npos)
        error(who + " reveal " + std::to_string(slot) + ": " + r.output);
    }
    imported += plan(h, k).import_wh;
    exported += plan(h, k).export_wh;
    if (!wait_until([&] { return chain_ms(node) >= (slot + 1) * kSlotSeconds * 1000; }, 90s))
      error("slot " + std::to_string(slot) + " never ended");
    Outcome r = run({"tx", "meter", "--slot", std::to_string(slot), "--import-wh",
                     std::to_string(imported), "--export-wh", std::to_string(exported), "--key",
                     p_.meter_key[h], "--rpc", rpc(node), "--wait"});
    if (r.code != 0) error(who + " meter, slot " + std::to_string(slot) + ": " + r.output);
  }
}

// Slot k of the day as node 0 reports it: the book is every public and
// revealed order exactly as placed, in its household's leaf, without the
// unrevealed one; each trade's level fees are recomputed from the tree; the
// levels' trades and fees add up; then every household's bill (check_bills).
void TreeDevnetDay::check_slot(uint64_t k, Totals& totals) {
  const uint64_t slot = first_ + k;
  const json s = get_json(0, "/v1/market/slots/" + std::to_string(slot));
  ASSERT_EQ(s["_http"], 200) << s.dump();
  std::map<std::string, json> order;  // id → book entry
  std::set<int> in_book;
  for (const json& e : s["orders"]) {
    order[str(e["id"])] = e;
    const int h = p_.house_of.at(str(e["owner"]));
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
  totals.forfeits += silent_slot ? 1 : 0;

  SlotFlows flows;
  std::map<std::string, int64_t> level_fees, level_traded;
  for (const json& t : s["trades"]) {
    ASSERT_TRUE(order.count(str(t["buy"])) && order.count(str(t["sell"]))) << t.dump();
    const int b = p_.house_of.at(str(order[str(t["buy"])]["owner"]));
    const int se = p_.house_of.at(str(order[str(t["sell"])]["owner"]));
    const int64_t e = t["energy_wh"];
    const std::string matched = str(t["market"]);
    level_traded[matched] += e;
    flows.bought[b] += e;
    flows.sold[se] += e;
    std::map<std::string, int64_t> fees;
    for (const std::string& m : crossed(leaf_of(b), leaf_of(se), matched))
      fees[m] += ceil_div(static_cast<__int128>(e) * fee_of(m), 1000);
    EXPECT_EQ(fees_by_market(t["grid_fees"]), fees) << "slot " << slot << " trade " << t.dump();
    for (const auto& [m, a] : fees) {
      flows.fees[b][m] += a;
      level_fees[m] += a;
      totals.level_fees[m] += a;
    }
    (leaf_of(b) == leaf_of(se) ? totals.inside_leaves : totals.crossing_streets) += 1;
    EXPECT_EQ(matched == "district", leaf_of(b) != leaf_of(se)) << t.dump();
  }
  for (const auto& [id, e] : order) {
    const int h = p_.house_of.at(str(e["owner"]));
    const bool buy = e["side"] == "buy";
    (buy ? flows.paid : flows.received)[h] += e["amount"].get<int64_t>();
    EXPECT_EQ(e["filled_wh"], buy ? flows.bought[h] : flows.sold[h]) << e.dump();
  }
  ASSERT_EQ(s["levels"].size(), levels().size()) << s.dump();
  for (size_t i = 0; i < levels().size(); ++i) {
    const json& l = s["levels"][i];
    const Level& want = levels()[i];
    EXPECT_EQ(l["market"], want.name);
    EXPECT_EQ(l["grid_fee"], want.fee);
    EXPECT_EQ(l["fee_account"], Address::of(want.account.public_key()).to_string());
    EXPECT_EQ(l["traded_wh"], level_traded[want.name]) << slot << " " << l.dump();
    EXPECT_EQ(l["fees"], level_fees[want.name]) << slot << " " << l.dump();
  }
  for (int i = 1; i < kNodes; ++i)
    EXPECT_EQ(get_json(i, "/v1/market/slots/" + std::to_string(slot)), s)
        << "node " << i << " slot " << slot;
  totals.operator_delta += s["surplus"].get<int64_t>();
  check_bills(k, flows, totals);
}

// Every household's bill of slot k on every node, from the readings of
// plan() and the settlement rules of docs/market.md ("Rules", "Clearing
// through the market tree"): no fill, no bill.
void TreeDevnetDay::check_bills(uint64_t k, const SlotFlows& f, Totals& totals) {
  const uint64_t slot = first_ + k;
  auto at = [](const std::map<int, int64_t>& m, int h) { return m.count(h) ? m.at(h) : 0; };
  for (int h = 0; h < kHouses; ++h) {
    const int64_t bought = at(f.bought, h), sold = at(f.sold, h), paid = at(f.paid, h);
    const Plan p = plan(h, k);
    const int64_t dev = (p.export_wh - p.import_wh) - (sold - bought);
    const int64_t grid_received = dev > 0 ? dev * kGridSell / 1000 : 0;
    const int64_t grid_paid = dev < 0 ? ceil_div(static_cast<__int128>(-dev) * kGridBuy, 1000) : 0;
    const int64_t flat = ceil_div(static_cast<__int128>(bought) * kFlatFee, 1000);
    const int64_t tax = ceil_div(static_cast<__int128>(paid + flat + grid_paid) * kTaxBp, 10000);
    const auto fees = f.fees.count(h) ? f.fees.at(h) : std::map<std::string, int64_t>{};
    int64_t level_fees = 0;
    for (const auto& [m, a] : fees) level_fees += a;
    const int64_t net =
        at(f.received, h) + grid_received - paid - grid_paid - flat - tax - level_fees;
    const std::string target =
        "/v1/accounts/" + p_.house_addr(h).to_string() + "/bills/" + std::to_string(slot);
    for (int i = 0; i < kNodes; ++i) {
      const json bill = get_json(i, target);
      const std::string what = "node " + std::to_string(i) + " " + target + " " + bill.dump();
      if (bought + sold == 0) {
        EXPECT_EQ(bill["_http"], 404) << what;
        continue;
      }
      ASSERT_EQ(bill["_http"], 200) << what;
      EXPECT_EQ(bill["bought_wh"], bought) << what;
      EXPECT_EQ(bill["sold_wh"], sold) << what;
      EXPECT_EQ(bill["deviation_wh"], dev) << what;
      EXPECT_EQ(bill["p2p_paid"], paid) << what;
      EXPECT_EQ(bill["p2p_received"], at(f.received, h)) << what;
      EXPECT_EQ(bill["grid_paid"], grid_paid) << what;
      EXPECT_EQ(bill["grid_received"], grid_received) << what;
      EXPECT_EQ(bill["grid_fee"], flat) << what;
      EXPECT_EQ(bill["tax"], tax) << what;
      EXPECT_EQ(bill["net"], net) << what;
      EXPECT_EQ(bill["reading"], "posted") << what;
      EXPECT_EQ(bill["debt_added"], 0) << what;
      EXPECT_EQ(fees_by_market(bill["grid_fees"]), fees) << what;
    }
    if (bought + sold == 0) continue;
    totals.net[h] += net;
    totals.tax += tax;
    totals.operator_delta += grid_paid + flat - grid_received;
  }
}

// Every node: each household's balance is its genesis balance plus its
// bills' net, less the forfeited deposit, with all escrow returned and no
// debt; each fee account holds its level's fees, the tax account the tax,
// and the operator its flows plus the forfeited deposit.
void TreeDevnetDay::check_balances(const Totals& t) {
  auto balance = [&](int node, const Address& a) -> int64_t {
    const json j = get_json(node, "/v1/accounts/" + a.to_string());
    return j["_http"] == 200 ? j["balance"].get<int64_t>() : 0;
  };
  auto value = [](const auto& m, const auto& key) -> int64_t {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
  };
  for (int i = 0; i < kNodes; ++i) {
    for (int h = 0; h < kHouses; ++h) {
      const int64_t forfeited = h == kSilent ? kDeposit : 0;
      EXPECT_EQ(balance(i, p_.house_addr(h)), kHouseBalance + value(t.net, h) - forfeited)
          << "node " << i << " house " << h;
      const json orders = get_json(i, "/v1/accounts/" + p_.house_addr(h).to_string() + "/orders");
      EXPECT_EQ(orders["escrow"], 0) << "node " << i << " house " << h << orders.dump();
      EXPECT_EQ(orders["debt"], 0) << "node " << i << " house " << h;
    }
    for (const Level& l : levels())
      EXPECT_EQ(balance(i, Address::of(l.account.public_key())), value(t.level_fees, l.name))
          << "node " << i << " fee account of " << l.name;
    EXPECT_EQ(balance(i, Address::of(p_.tax.public_key())), t.tax) << "node " << i;
    EXPECT_EQ(balance(i, p_.op_addr()), kOperatorBalance + t.operator_delta + t.forfeits * kDeposit)
        << "node " << i << " (the community account, with the forfeited deposit)";
  }
}

// Every node at the same block hash and state root at every height.
void TreeDevnetDay::check_blocks_agree() {
  const uint64_t top = get_json(0, "/v1/status")["height"];
  for (int i = 1; i < kNodes; ++i)
    ASSERT_TRUE(
        wait_until([&] { return get_json(i, "/v1/status").value("height", 0u) >= top; }, 60s))
        << "node " << i;
  for (uint64_t h = 1; h <= top; ++h) {
    const json b0 = get_json(0, "/v1/blocks/" + std::to_string(h));
    ASSERT_EQ(b0["_http"], 200) << h;
    for (int i = 1; i < kNodes; ++i) {
      const json b = get_json(i, "/v1/blocks/" + std::to_string(h));
      ASSERT_EQ(b["hash"], b0["hash"]) << "node " << i << " height " << h;
      ASSERT_EQ(b["state_root"], b0["state_root"]) << "node " << i << " height " << h;
    }
  }
}

TEST_F(TreeDevnetDay, SealedAndPublicOrdersMatchAnIndependentModelOnEveryNode) {
  ASSERT_NO_FATAL_FAILURE(start_network());
  // The lead (10 slots, 30 s) leaves time to place every order before the
  // first gate even on a busy machine (each order waits for its block).
  first_ = chain_ms() / 1000 / kSlotSeconds + 10;
  std::cout << "day: slots " << first_ << ".." << first_ + kSlots - 1 << " of " << kSlotSeconds
            << " s" << std::endl;
  {
    std::vector<std::thread> threads;
    for (int h = 0; h < kHouses; ++h) threads.emplace_back([this, h] { household_day(h); });
    for (auto& t : threads) t.join();
  }
  for (const std::string& e : errors_) ADD_FAILURE() << e;
  ASSERT_TRUE(errors_.empty());
  const std::string last = "/v1/market/slots/" + std::to_string(first_ + kSlots - 1);
  for (int i = 0; i < kNodes; ++i)
    ASSERT_TRUE(wait_until([&] { return get_json(i, last)["status"] == "settled"; }, 90s))
        << "node " << i << ": " << get_json(i, last).dump();

  Totals totals;
  for (uint64_t k = 0; k < kSlots; ++k) ASSERT_NO_FATAL_FAILURE(check_slot(k, totals));
  std::cout << "trades_inside_leaves=" << totals.inside_leaves
            << " trades_crossing_streets=" << totals.crossing_streets
            << " fees_street_a=" << totals.level_fees["street-a"]
            << " fees_street_b=" << totals.level_fees["street-b"]
            << " fees_district=" << totals.level_fees["district"] << " forfeits=" << totals.forfeits
            << std::endl;
  // The day exercised what it claims: trades in a leaf and across streets,
  // one forfeit; the root's fee is never charged (no trade crosses the
  // market that matched it).
  EXPECT_GT(totals.inside_leaves, 0);
  EXPECT_GT(totals.crossing_streets, 0);
  EXPECT_GT(totals.level_fees["street-a"], 0);
  EXPECT_GT(totals.level_fees["street-b"], 0);
  EXPECT_EQ(totals.level_fees["district"], 0);
  EXPECT_EQ(totals.forfeits, 1);
  check_balances(totals);
  ASSERT_NO_FATAL_FAILURE(check_blocks_agree());
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(net_->stop(i), 0) << "node " << i;
}

}  // namespace
}  // namespace wattle

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) wattle::g_wattle = argv[1];
  return RUN_ALL_TESTS();
}
