#include "sim/chain_market.h"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include <sodium.h>

#include "chain/tx.h"
#include "core/bytes.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"
#include "rpc/http_client.h"

namespace wattle::sim {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Txs per POST /v1/txs (a signed order is ~330 hex characters: ~0.7 MB).
constexpr size_t kBatch = 2'000;
// Time allowed to commit a day's orders before the first gate closure, plus
// this much per order (the node verifies and executes each).
constexpr uint64_t kLeadMs = 3'000;
constexpr uint64_t kLeadPerOrderUs = 500;
// After a slot ends, wait this long before posting its readings (the node's
// clock must agree that it ended), and after settlement before reading bills.
constexpr uint64_t kAfterEndMs = 150;
constexpr uint64_t kAfterSettleMs = 300;
// Sealed mode: after a gate, wait this long before revealing (the node's
// clock must agree that the gate has passed).
constexpr uint64_t kAfterGateMs = 30;
constexpr int kPollMs = 20;
constexpr int kPollLimit = 1'500;  // 30 s without progress is an error

uint64_t wall_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void sleep_until_ms(uint64_t t) {
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(milliseconds(t)));
}

Result<json> call(rpc::HttpClient& client, const std::string& method, const std::string& target,
                  const std::string& body = "") {
  for (int attempt = 0;; ++attempt) {
    auto r = client.request(method, target, body);
    if (!r) return Status(r.status().code(), "node: " + r.status().message());
    json j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) return Status(Code::kMalformed, "node sent invalid JSON for " + target);
    if (r->status == 429 && attempt < 100) {  // rate limited: the bucket refills
      std::this_thread::sleep_for(milliseconds(100));
      continue;
    }
    if (r->status >= 400)
      return Status(Code::kInvalidArgument, target + ": " + j.value("code", std::string("error")) +
                                                ": " + j.value("message", std::string()));
    return j;
  }
}

Result<int64_t> int_field(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer())
    return Status(Code::kMalformed, std::string("node answer lacks integer \"") + key + "\"");
  return j[key].get<int64_t>();
}

// Each placed order's tx id (hex) -> (slot index in the day, order index in the slot).
using Placed = std::unordered_map<std::string, std::pair<size_t, size_t>>;

// A bill as GET /v1/accounts/{address}/bills/{slot} serves it (docs/rpc.md).
Result<market::SlotBill> bill_from_json(const json& bj) {
  market::SlotBill b;
  for (auto [key, field] :
       {std::pair{"bought_wh", &b.bought_wh}, std::pair{"sold_wh", &b.sold_wh},
        std::pair{"import_wh", &b.import_wh}, std::pair{"export_wh", &b.export_wh},
        std::pair{"deviation_wh", &b.deviation_wh}, std::pair{"p2p_paid", &b.p2p_paid},
        std::pair{"p2p_received", &b.p2p_received}, std::pair{"grid_paid", &b.grid_paid},
        std::pair{"grid_received", &b.grid_received}, std::pair{"grid_fee", &b.grid_fee},
        std::pair{"tax", &b.tax}, std::pair{"net", &b.net}}) {
    auto v = int_field(bj, key);
    if (!v) return v.status();
    *field = *v;
  }
  return b;
}

}  // namespace

struct ChainMarket::State {
  ChainOptions options;
  std::string chain_id;
  modules::MarketParams params;
  std::vector<KeyPair> houses, meters;
  std::vector<std::string> addresses;
  std::unordered_map<std::string, uint64_t> nonces;  // by address
  std::vector<int64_t> import_wh, export_wh;         // each meter's counters
  uint64_t last_slot = 0;                            // the last chain slot used
  // Sealed mode: each chain slot's reveals still to send (household, opening).
  std::map<uint64_t, std::vector<std::pair<uint32_t, modules::RevealOrder>>> to_reveal;
  // Fast mode with the chain's rules, for what the node does not report:
  // the welfare-maximal allocation of each slot's orders.
  std::unique_ptr<MarketBackend> fast;
  rpc::HttpClient client;

  State(ChainOptions o) : options(std::move(o)), client(options.host, options.port) {}

  std::string sign(const KeyPair& key, chain::Payload payload, Hash256* hash = nullptr) {
    const std::string addr = Address::of(key.public_key()).to_string();
    const chain::Tx tx = chain::Tx::make_signed(chain_id, key, nonces[addr]++, std::move(payload));
    if (hash) *hash = tx.hash();
    return to_hex(encode_to_bytes(tx));
  }

  Result<uint64_t> nonce_of(const KeyPair& key) {
    auto j = call(client, "GET", "/v1/accounts/" + Address::of(key.public_key()).to_string());
    if (!j) return j.status();
    auto n = int_field(*j, "pending_nonce");
    if (!n) return n.status();
    return static_cast<uint64_t>(*n);
  }

  // Posts the txs in batches; every one must be accepted.
  Status submit(const std::vector<std::string>& txs) {
    for (size_t b = 0; b < txs.size(); b += kBatch) {
      json batch = json::array();
      for (size_t i = b; i < std::min(txs.size(), b + kBatch); ++i) batch.push_back(txs[i]);
      auto r = call(client, "POST", "/v1/txs", json{{"txs", batch}}.dump());
      if (!r) return r.status();
      for (const json& item : (*r)["results"])
        if (item.value("code", std::string()) != "ok")
          return Status(Code::kInvalidArgument,
                        "node refused a tx: " + item.value("code", std::string()) + ": " +
                            item.value("message", std::string()));
    }
    return Status::ok();
  }

  // Waits until the tx is committed (it executed: the node drops a tx that
  // would fail).
  Status await_committed(const Hash256& hash) {
    for (int i = 0; i < kPollLimit; ++i) {
      auto r = client.get("/v1/txs/" + hash.hex());
      if (!r) return r.status();
      if (r->status == 404)
        return Status(Code::kInvalidArgument, "tx " + hash.hex() + " was dropped by the node");
      json j = json::parse(r->body, nullptr, false);
      if (j.is_object() && j.value("status", std::string()) == "committed") return Status::ok();
      std::this_thread::sleep_for(milliseconds(kPollMs));
    }
    return Status(Code::kUnavailable, "tx " + hash.hex() + " not committed within 30 s");
  }

  // The slot's view once it reached `status`, with its whole book and every
  // trade (the node serves them in pages; docs/rpc.md).
  Result<json> slot_when(uint64_t slot, const std::string& status) {
    const std::string path = "/v1/market/slots/" + std::to_string(slot) + "?limit=1000";
    for (int i = 0; i < kPollLimit; ++i) {
      auto j = call(client, "GET", path);
      if (!j) return j.status();
      const std::string s = j->value("status", std::string());
      if (s == status || (status == "closed" && s == "settled")) {
        // Pages may come from later blocks: a closed slot's book, fills and
        // trades are fixed at clearing (settlement changes only escrow).
        for (json page = (*j)["next_page"]; page.is_number_unsigned();) {
          auto more = call(client, "GET", path + "&page=" + page.dump());
          if (!more) return more.status();
          for (const char* list : {"orders", "trades"})
            for (json& e : (*more)[list]) (*j)[list].push_back(std::move(e));
          page = (*more)["next_page"];
        }
        return j;
      }
      std::this_thread::sleep_for(milliseconds(kPollMs));
    }
    return Status(Code::kUnavailable,
                  "slot " + std::to_string(slot) + " not " + status + " within 30 s");
  }

  // Sealed mode: an order's commitment tx (bound = the order's escrow); its
  // opening is kept for reveal().
  Result<chain::Payload> sealed_payload(uint32_t household, uint64_t slot, market::Side side,
                                        Energy e, Price p) {
    modules::Salt salt;
    randombytes_buf(salt.data(), salt.size());
    auto bound = side == market::Side::kBuy ? modules::buy_escrow(params, e, p)
                                            : modules::sell_escrow(params, e);
    if (!bound) return bound.status();
    const Address owner = Address::of(houses[household].public_key());
    to_reveal[slot].push_back({household, modules::RevealOrder{{}, slot, side, e, p, salt}});
    return chain::Payload(modules::to_module_tx(modules::SealedOrder{
        slot, modules::sealed_commitment(owner, slot, side, e, p, salt), *bound}));
  }

  // Sealed mode: once the slot's gate has passed, sends its reveals (a no-op
  // for a slot already revealed or without sealed orders).
  Status reveal(uint64_t slot) {
    auto it = to_reveal.find(slot);
    if (it == to_reveal.end()) return Status::ok();
    sleep_until_ms(params.gate_ms(slot).value_or(0) + kAfterGateMs);
    std::vector<std::string> txs;
    for (auto& [household, r] : it->second)
      txs.push_back(sign(houses[household], modules::to_module_tx(r)));
    to_reveal.erase(it);
    return submit(txs);
  }

  // The steps of ChainMarket::clear_day, in order.
  Result<uint64_t> reserve_day(size_t slots, size_t total);
  Result<Placed> place_orders(std::span<DaySlot> slots, uint64_t base);
  Status post_readings(uint64_t slot, const std::vector<SlotOrder>& orders);
  Status read_cleared_slot(uint64_t slot, size_t q, const Placed& placed, DaySlot& d);
  Status read_settled_bills(uint64_t slot, size_t q, const Placed& placed, DaySlot& d);
};

// The day's first chain slot: the first whose gate leaves time to commit the
// day's orders, after any slot already used; the day must fit within
// max_slots_ahead.
Result<uint64_t> ChainMarket::State::reserve_day(size_t slots, size_t total) {
  const modules::MarketParams& m = params;
  const uint64_t now = wall_ms();
  const uint64_t lead_ms = m.gate_lead_seconds * 1000;
  const uint64_t ready = now + kLeadMs + total * kLeadPerOrderUs / 1000 + lead_ms;
  uint64_t base = (ready + m.slot_ms() - 1) / m.slot_ms();
  base = std::max(base, last_slot + 1);
  const uint64_t last = base + slots - 1;
  if (last > m.slot_of(now) + m.max_slots_ahead)
    return Status(Code::kInvalidArgument,
                  "the node's market takes orders up to max_slots_ahead = " +
                      std::to_string(m.max_slots_ahead) +
                      " slots ahead; chain mode places a day (" + std::to_string(slots) +
                      " slots) at once and needs " + std::to_string(last - m.slot_of(now)));
  last_slot = last;
  return base;
}

// Signs and submits the day's orders, slot by slot, each in the engine's
// arrival order, so the book's time order (height, index in block) is the
// fast mode's; returns once every household's last order is committed.
Result<Placed> ChainMarket::State::place_orders(std::span<DaySlot> slots, uint64_t base) {
  size_t total = 0;
  for (const DaySlot& d : slots) total += d.orders.size();
  Placed placed;
  std::vector<std::string> txs;
  txs.reserve(total);
  std::map<uint32_t, Hash256> last_of;  // each household's last order
  for (size_t q = 0; q < slots.size(); ++q) {
    for (size_t k = 0; k < slots[q].orders.size(); ++k) {
      const SlotOrder& o = slots[q].orders[k];
      if (o.household >= houses.size())
        return Status(Code::kInvalidArgument, "order of an unknown household");
      Hash256 id;
      const market::Side side = o.sell ? market::Side::kSell : market::Side::kBuy;
      chain::Payload payload =
          chain::PlaceOrder{base + q, side, Energy(o.energy_wh), Price(o.price)};
      if (options.sealed) {
        auto p = sealed_payload(o.household, base + q, side, Energy(o.energy_wh), Price(o.price));
        if (!p) return p.status();
        payload = std::move(*p);
      }
      txs.push_back(sign(houses[o.household], std::move(payload), &id));
      if (options.sealed) to_reveal[base + q].back().second.order_id = id;
      placed[id.hex()] = {q, k};
      last_of[o.household] = id;
    }
  }
  WATTLE_RETURN_IF_ERROR(submit(txs));
  for (const auto& [household, id] : last_of) WATTLE_RETURN_IF_ERROR(await_committed(id));
  return placed;
}

// Each meter measured exactly its household's order: once the slot has
// ended, every meter posts its counters.
Status ChainMarket::State::post_readings(uint64_t slot, const std::vector<SlotOrder>& orders) {
  for (const SlotOrder& o : orders) (o.sell ? export_wh : import_wh)[o.household] += o.energy_wh;
  sleep_until_ms(params.slot_end_ms(slot) + kAfterEndMs);
  std::vector<std::string> readings;
  for (size_t i = 0; i < meters.size(); ++i)
    readings.push_back(
        sign(meters[i], chain::MeterReading{slot, Energy(import_wh[i]), Energy(export_wh[i])}));
  return submit(readings);
}

// Posts the slot's readings, then reads what the node's gate closure decided
// into the slot's outcome (all but the bills).
Status ChainMarket::State::read_cleared_slot(uint64_t slot, size_t q, const Placed& placed,
                                             DaySlot& d) {
  std::vector<SlotOrder>& orders = d.orders;
  SlotOutcome& out = d.outcome;
  // Sealed mode: this slot's reveals (sent already, unless the gate passed
  // while the previous slot was read), and the next slot's at its gate,
  // which comes before this slot's end.
  WATTLE_RETURN_IF_ERROR(reveal(slot));
  WATTLE_RETURN_IF_ERROR(reveal(slot + 1));
  WATTLE_RETURN_IF_ERROR(post_readings(slot, orders));
  auto sj = slot_when(slot, "closed");
  if (!sj) return sj.status();
  out.fills.assign(orders.size(), SlotFill{});
  out.trades.clear();
  out.bills.clear();
  out.clearing_price.reset();
  if ((*sj)["clearing_price"].is_number_integer())
    out.clearing_price = (*sj)["clearing_price"].get<int64_t>();
  size_t in_book = 0;
  for (const json& e : (*sj)["orders"]) {
    auto it = placed.find(e.value("id", std::string()));
    if (it == placed.end() || it->second.first != q) continue;
    ++in_book;
  }
  if (in_book != orders.size())
    return Status(Code::kInvalidArgument, "slot " + std::to_string(slot) + ": " +
                                              std::to_string(orders.size() - in_book) +
                                              " orders missing from the node's book");
  for (const json& t : (*sj)["trades"]) {
    auto b = placed.find(t.value("buy", std::string()));
    auto se = placed.find(t.value("sell", std::string()));
    if (b == placed.end() || se == placed.end()) continue;  // a trade with the grid
    auto e = int_field(t, "energy_wh");
    auto bp = int_field(t, "buy_price");
    auto sp = int_field(t, "sell_price");
    if (!e || !bp || !sp) return Status(Code::kMalformed, "node sent a malformed trade");
    out.trades.push_back(SlotTrade{static_cast<uint32_t>(b->second.second),
                                   static_cast<uint32_t>(se->second.second), *e, *bp, *sp});
  }
  tally_trades(orders, out);
  auto reference = fast->clear_slot(orders);
  if (!reference) return reference.status();
  out.welfare_max = reference->welfare_max;
  return Status::ok();
}

// Reads the settled slot's bill of every order that was filled, then the
// amounts each order paid or received.
Status ChainMarket::State::read_settled_bills(uint64_t slot, size_t q, const Placed& placed,
                                              DaySlot& d) {
  std::vector<SlotOrder>& orders = d.orders;
  SlotOutcome& out = d.outcome;
  auto sj = slot_when(slot, "settled");
  if (!sj) return sj.status();
  for (const json& e : (*sj)["orders"]) {
    auto it = placed.find(e.value("id", std::string()));
    if (it == placed.end() || it->second.first != q) continue;
    auto filled = int_field(e, "filled_wh");
    if (!filled) return filled.status();
    if (*filled == 0) continue;
    const SlotOrder& o = orders[it->second.second];
    auto bj = call(client, "GET",
                   "/v1/accounts/" + addresses[o.household] + "/bills/" + std::to_string(slot));
    if (!bj) return bj.status();
    if (bj->value("reading", std::string()) != "posted")
      return Status(Code::kUnavailable, "slot " + std::to_string(slot) +
                                            ": a reading did not reach the node before "
                                            "settlement");
    auto b = bill_from_json(*bj);
    if (!b) return b.status();
    out.bills.push_back(OrderBill{static_cast<uint32_t>(it->second.second), *b});
  }
  return settle_amounts(orders, params.tariffs(), out);
}

ChainMarket::ChainMarket(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChainMarket::~ChainMarket() = default;

const modules::MarketParams& ChainMarket::params() const {
  return state_->params;
}

market::SettlementTariffs ChainMarket::tariffs() const {
  return state_->params.tariffs();
}

std::string ChainMarket::name() const {
  return state_->params.mechanism;
}

Result<std::unique_ptr<ChainMarket>> ChainMarket::connect(const ChainOptions& options,
                                                          uint32_t households) {
  if (!options.operator_key)
    return Status(Code::kInvalidArgument, "chain mode needs the market operator's key");
  const KeyPair& op_key = *options.operator_key;
  auto st = std::make_unique<State>(options);
  auto status = call(st->client, "GET", "/v1/status");
  if (!status) return status.status();
  st->chain_id = status->value("chain_id", std::string());
  auto mj = call(st->client, "GET", "/v1/market/params");
  if (!mj) return mj.status();
  auto params = modules::market_params_from_json(*mj);
  if (!params) return Status(params.status().code(), "node's market: " + params.status().message());
  st->params = *params;
  auto fast = make_fast_market(st->params.mechanism,
                               std::vector<std::pair<std::string, int64_t>>(
                                   st->params.params.begin(), st->params.params.end()),
                               Tariffs{}, /*strict=*/true, st->params.tariffs());
  if (!fast) return fast.status();
  st->fast = std::move(*fast);
  const Address op = Address::of(op_key.public_key());
  if (op != st->params.operator_account)
    return Status(Code::kInvalidArgument, "the operator key's address " + op.to_string() +
                                              " is not the market's operator " +
                                              st->params.operator_account.to_string());
  auto op_nonce = st->nonce_of(op_key);
  if (!op_nonce) return op_nonce.status();
  st->nonces[op.to_string()] = *op_nonce;
  std::vector<std::string> setup;
  Hash256 last;
  for (uint32_t i = 0; i < households; ++i) {
    st->houses.push_back(KeyPair::from_label(options.key_label + "/house-" + std::to_string(i)));
    st->meters.push_back(KeyPair::from_label(options.key_label + "/meter-" + std::to_string(i)));
    const Address a = Address::of(st->houses.back().public_key());
    st->addresses.push_back(a.to_string());
    for (const KeyPair* k : {&st->houses.back(), &st->meters.back()}) {
      auto n = st->nonce_of(*k);
      if (!n) return n.status();
      st->nonces[Address::of(k->public_key()).to_string()] = *n;
    }
    if (options.fund_per_household > 0)
      setup.push_back(
          st->sign(op_key, chain::Transfer{a, Money(options.fund_per_household)}, &last));
    setup.push_back(
        st->sign(op_key, chain::RegisterMeter{st->meters.back().public_key(), a}, &last));
  }
  st->import_wh.assign(households, 0);
  st->export_wh.assign(households, 0);
  WATTLE_RETURN_IF_ERROR(st->submit(setup));
  // The operator's txs execute in nonce order: the last one committed means all are.
  if (!setup.empty()) WATTLE_RETURN_IF_ERROR(st->await_committed(last));
  return std::unique_ptr<ChainMarket>(new ChainMarket(std::move(st)));
}

Status ChainMarket::clear_slot(std::span<const SlotOrder> orders, SlotScratch*,
                               SlotOutcome& out) const {
  DaySlot d;
  d.orders.assign(orders.begin(), orders.end());
  WATTLE_RETURN_IF_ERROR(clear_day(std::span<DaySlot>(&d, 1)));
  out = std::move(d.outcome);
  return Status::ok();
}

Status ChainMarket::clear_day(std::span<DaySlot> slots) const {
  State& s = *state_;
  const modules::MarketParams& m = s.params;
  size_t total = 0;
  for (const DaySlot& d : slots) total += d.orders.size();
  auto base = s.reserve_day(slots.size(), total);
  if (!base) return base.status();
  const uint64_t last = *base + slots.size() - 1;
  auto placed = s.place_orders(slots, *base);
  if (!placed) return placed.status();
  if (wall_ms() >= m.gate_ms(*base).value_or(0))
    return Status(Code::kUnavailable,
                  "the day's orders were committed after the first gate closure; the node is "
                  "too slow for this community at slot_seconds = " +
                      std::to_string(m.slot_seconds));
  for (size_t q = 0; q < slots.size(); ++q)
    WATTLE_RETURN_IF_ERROR(s.read_cleared_slot(*base + q, q, *placed, slots[q]));
  // Bills, once the last slot has settled (slot_when waits for each).
  sleep_until_ms(m.settle_ms(last) + kAfterSettleMs);
  for (size_t q = 0; q < slots.size(); ++q)
    WATTLE_RETURN_IF_ERROR(s.read_settled_bills(*base + q, q, *placed, slots[q]));
  return Status::ok();
}

}  // namespace wattle::sim
