#include "modules/energy/market_params.h"

#include <nlohmann/json.hpp>

#include <limits>

#include "market/registry.h"

namespace wattle::modules {

using nlohmann::json;

namespace {

constexpr uint64_t kMaxDelaySeconds = 366ull * 86'400;  // a year: longer is a typo
constexpr uint8_t kSealingTrailer = 1;
constexpr uint8_t kMarketsTrailer = 2;
constexpr uint8_t kFinalityDepthTrailer = 3;

bool sealing_defaults(const MarketParams& m) {
  const MarketParams d;
  return m.seal_deposit == d.seal_deposit && m.reveal_blocks == d.reveal_blocks;
}

Status bad(const std::string& key, const std::string& reason) {
  return Status(Code::kInvalidArgument, "market: \"" + key + "\" " + reason);
}

Status check_range(const std::string& key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    return bad(key, "must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                        std::to_string(v));
  return Status::ok();
}

// An integer field of `j`, required; named in every error.
Result<int64_t> get_int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return bad(key, "is missing");
  if (!it->is_number_integer()) return bad(key, "must be an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(INT64_MAX))
    return bad(key, "is too large");
  return it->get<int64_t>();
}

Result<std::string> get_str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return bad(key, "is missing");
  if (!it->is_string()) return bad(key, "must be a string");
  return it->get<std::string>();
}

Result<Address> get_addr(const json& j, const char* key) {
  auto s = get_str(j, key);
  if (!s) return s.status();
  auto a = Address::parse(*s);
  if (!a) return bad(key, "is not a valid address: " + a.status().message());
  return *a;
}

// A mechanism's parameters: std::map, so sorted keys and one encoding.
void encode_params(Writer& w, const std::map<std::string, int64_t>& params) {
  w.u32(static_cast<uint32_t>(params.size()));
  for (const auto& [k, v] : params) {
    w.str(k);
    w.i64(v);
  }
}

Status decode_params(Reader& r, std::map<std::string, int64_t>& params) {
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, MarketParams::kMaxMechanismParams, 12));
  params.clear();
  std::string prev;
  for (uint32_t i = 0; i < n; ++i) {
    std::string k;
    int64_t v = 0;
    WATTLE_RETURN_IF_ERROR(r.str(k, MarketParams::kMaxNameLength));
    WATTLE_RETURN_IF_ERROR(r.i64(v));
    // Strictly increasing keys: the one encoding of a map.
    if (i > 0 && k <= prev) return Status(Code::kMalformed, "market params not in key order");
    prev = k;
    params[k] = v;
  }
  return Status::ok();
}

void encode_markets(Writer& w, const market::MarketTree& tree) {
  w.u32(static_cast<uint32_t>(tree.nodes.size()));
  for (const market::MarketNode& n : tree.nodes) {
    w.str(n.name);
    w.str(n.parent);
    w.str(n.mechanism);
    encode_params(w, n.params.values);
    w.i64(n.grid_fee);
    auto a = Address::parse(n.fee_account);  // validate() made it canonical
    encode(w, a ? *a : Address{});
  }
}

Status decode_markets(Reader& r, market::MarketTree& tree) {
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, market::kMaxMarkets, 32));
  if (n == 0) return Status(Code::kMalformed, "markets trailer with no market");
  tree.nodes.assign(n, {});
  for (market::MarketNode& node : tree.nodes) {
    WATTLE_RETURN_IF_ERROR(r.str(node.name, MarketParams::kMaxNameLength));
    WATTLE_RETURN_IF_ERROR(r.str(node.parent, MarketParams::kMaxNameLength));
    WATTLE_RETURN_IF_ERROR(r.str(node.mechanism, MarketParams::kMaxNameLength));
    WATTLE_RETURN_IF_ERROR(decode_params(r, node.params.values));
    WATTLE_RETURN_IF_ERROR(r.i64(node.grid_fee));
    Address a;
    WATTLE_RETURN_IF_ERROR(decode(r, a));
    node.fee_account = a.to_string();
  }
  return Status::ok();
}

Status bad_market(size_t i, const std::string& key, const std::string& why,
                  market::TreeFault* fault) {
  if (fault) *fault = market::TreeFault{static_cast<uint32_t>(i), key};
  return Status(Code::kInvalidArgument,
                "markets[" + std::to_string(i) + "]: \"" + key + "\" " + why);
}

// One [[markets]] entry of the JSON (or TOML) form, strict like the rest.
Result<market::MarketNode> market_from_json(const json& e, size_t i, market::TreeFault* fault) {
  if (!e.is_object()) return bad_market(i, "", "must be a table", fault);
  static const char* const kKeys[] = {"name",   "parent",   "mechanism",
                                      "params", "grid_fee", "fee_account"};
  for (const auto& [k, v] : e.items()) {
    bool known = false;
    for (const char* a : kKeys) known = known || k == a;
    if (!known) return bad_market(i, k, "is not a market key", fault);
  }
  market::MarketNode n;
  auto str = [&](const char* key, std::string& out, bool required) -> Status {
    auto it = e.find(key);
    if (it == e.end()) return required ? bad_market(i, key, "is missing", fault) : Status::ok();
    if (!it->is_string()) return bad_market(i, key, "must be a string", fault);
    out = it->get<std::string>();
    return Status::ok();
  };
  WATTLE_RETURN_IF_ERROR(str("name", n.name, true));
  WATTLE_RETURN_IF_ERROR(str("parent", n.parent, false));
  WATTLE_RETURN_IF_ERROR(str("mechanism", n.mechanism, true));
  WATTLE_RETURN_IF_ERROR(str("fee_account", n.fee_account, true));
  if (auto it = e.find("params"); it != e.end()) {
    if (!it->is_object()) return bad_market(i, "params", "must be a table of integers", fault);
    for (const auto& [k, v] : it->items()) {
      if (!v.is_number_integer() ||
          (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)))
        return bad_market(i, "params", "\"" + k + "\" must be an integer", fault);
      n.params.values[k] = v.get<int64_t>();
    }
  }
  auto fee = e.find("grid_fee");
  if (fee == e.end()) return bad_market(i, "grid_fee", "is missing", fault);
  if (!fee->is_number_integer() ||
      (fee->is_number_unsigned() && fee->get<uint64_t>() > uint64_t(INT64_MAX)))
    return bad_market(i, "grid_fee", "must be an integer", fault);
  n.grid_fee = fee->get<int64_t>();
  auto a = Address::parse(n.fee_account);
  if (!a)
    return bad_market(i, "fee_account", "is not a valid address: " + a.status().message(), fault);
  n.fee_account = a->to_string();
  return n;
}

}  // namespace

std::optional<uint64_t> MarketParams::gate_ms(uint64_t slot) const {
  const uint64_t start = slot_start_ms(slot);
  if (start < gate_lead_seconds * 1000) return std::nullopt;
  return start - gate_lead_seconds * 1000;
}

uint64_t MarketParams::max_slot() const {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - settlement_delay_seconds * 1000;
  return limit / slot_ms() - 1;
}

Status validate(const MarketParams& m, market::TreeFault* fault) {
  if (m.mechanism.empty() || m.mechanism.size() > MarketParams::kMaxNameLength)
    return bad("mechanism", "must have 1..64 characters");
  if (m.params.size() > MarketParams::kMaxMechanismParams)
    return bad("params", "has more than 16 entries");
  for (const auto& [k, v] : m.params)
    if (k.empty() || k.size() > MarketParams::kMaxNameLength)
      return bad("params", "keys must have 1..64 characters");
  // The registry is the judge of names and parameters: an empty book clears
  // only after the mechanism and every parameter passed its checks.
  if (Status st = market::clear(m.mechanism, market::Book{}, market::Params{m.params}).status();
      !st) {
    const char* key = market::find_mechanism(m.mechanism) ? "params" : "mechanism";
    return bad(key, "refused by the market library: " + st.message());
  }
  auto u = [](uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); };
  WATTLE_RETURN_IF_ERROR(
      check_range("slot_seconds", u(m.slot_seconds), 1, MarketParams::kMaxSlotSeconds));
  WATTLE_RETURN_IF_ERROR(
      check_range("gate_lead_seconds", u(m.gate_lead_seconds), 0, kMaxDelaySeconds));
  WATTLE_RETURN_IF_ERROR(
      check_range("settlement_delay_seconds", u(m.settlement_delay_seconds), 0, kMaxDelaySeconds));
  WATTLE_RETURN_IF_ERROR(
      check_range("max_slots_ahead", u(m.max_slots_ahead), 1, MarketParams::kMaxSlotsAhead));
  WATTLE_RETURN_IF_ERROR(check_range("grid_buy", m.grid_buy, 0, market::kMaxTariff));
  WATTLE_RETURN_IF_ERROR(check_range("grid_sell", m.grid_sell, 0, market::kMaxTariff));
  WATTLE_RETURN_IF_ERROR(check_range("grid_fee", m.grid_fee, 0, market::kMaxTariff));
  WATTLE_RETURN_IF_ERROR(check_range("tax_bp", m.tax_bp, 0, MarketParams::kMaxTaxBp));
  WATTLE_RETURN_IF_ERROR(check_range("max_reading_wh_per_slot", m.max_reading_wh_per_slot, 1,
                                     MarketParams::kMaxReadingWh));
  WATTLE_RETURN_IF_ERROR(
      check_range("seal_deposit", m.seal_deposit, 0, MarketParams::kMaxSealDeposit));
  WATTLE_RETURN_IF_ERROR(check_range("reveal_blocks", u(m.reveal_blocks), 1,
                                     static_cast<int64_t>(MarketParams::kMaxRevealBlocks)));
  WATTLE_RETURN_IF_ERROR(check_range("finality_depth", u(m.finality_depth), 0,
                                     static_cast<int64_t>(MarketParams::kMaxFinalityDepth)));
  if (m.markets.nodes.empty()) return Status::ok();
  WATTLE_RETURN_IF_ERROR(market::validate(m.markets, fault));
  for (size_t i = 0; i < m.markets.nodes.size(); ++i) {
    auto a = Address::parse(m.markets.nodes[i].fee_account);
    if (!a || a->to_string() != m.markets.nodes[i].fee_account)
      return bad_market(i, "fee_account", "is not a canonical address", fault);
  }
  return Status::ok();
}

void encode(Writer& w, const MarketParams& m) {
  w.str(m.mechanism);
  encode_params(w, m.params);
  w.u64(m.slot_seconds);
  w.u64(m.gate_lead_seconds);
  w.u64(m.settlement_delay_seconds);
  w.u64(m.max_slots_ahead);
  w.i64(m.grid_buy);
  w.i64(m.grid_sell);
  w.i64(m.grid_fee);
  w.i64(m.tax_bp);
  encode(w, m.operator_account);
  encode(w, m.tax_account);
  w.i64(m.max_reading_wh_per_slot);
  if (!sealing_defaults(m)) {
    w.u8(kSealingTrailer);
    w.i64(m.seal_deposit);
    w.u64(m.reveal_blocks);
  }
  if (!m.markets.nodes.empty()) {
    w.u8(kMarketsTrailer);
    encode_markets(w, m.markets);
  }
  if (m.finality_depth != 0) {
    w.u8(kFinalityDepthTrailer);
    w.u64(m.finality_depth);
  }
}

Status decode(Reader& r, MarketParams& m) {
  WATTLE_RETURN_IF_ERROR(r.str(m.mechanism, MarketParams::kMaxNameLength));
  WATTLE_RETURN_IF_ERROR(decode_params(r, m.params));
  WATTLE_RETURN_IF_ERROR(r.u64(m.slot_seconds));
  WATTLE_RETURN_IF_ERROR(r.u64(m.gate_lead_seconds));
  WATTLE_RETURN_IF_ERROR(r.u64(m.settlement_delay_seconds));
  WATTLE_RETURN_IF_ERROR(r.u64(m.max_slots_ahead));
  WATTLE_RETURN_IF_ERROR(r.i64(m.grid_buy));
  WATTLE_RETURN_IF_ERROR(r.i64(m.grid_sell));
  WATTLE_RETURN_IF_ERROR(r.i64(m.grid_fee));
  WATTLE_RETURN_IF_ERROR(r.i64(m.tax_bp));
  WATTLE_RETURN_IF_ERROR(decode(r, m.operator_account));
  WATTLE_RETURN_IF_ERROR(decode(r, m.tax_account));
  WATTLE_RETURN_IF_ERROR(r.i64(m.max_reading_wh_per_slot));
  const MarketParams defaults;
  m.seal_deposit = defaults.seal_deposit;
  m.reveal_blocks = defaults.reveal_blocks;
  m.markets = {};
  m.finality_depth = 0;
  // Optional trailers, each at most once and in increasing tag order.
  uint8_t last = 0;
  while (r.remaining() > 0) {
    uint8_t tag = 0;
    WATTLE_RETURN_IF_ERROR(r.u8(tag));
    if (tag <= last) return Status(Code::kMalformed, "market params trailers out of order");
    last = tag;
    if (tag == kSealingTrailer) {
      WATTLE_RETURN_IF_ERROR(r.i64(m.seal_deposit));
      WATTLE_RETURN_IF_ERROR(r.u64(m.reveal_blocks));
      if (sealing_defaults(m))
        return Status(Code::kMalformed, "sealing trailer holds the defaults");
    } else if (tag == kMarketsTrailer) {
      WATTLE_RETURN_IF_ERROR(decode_markets(r, m.markets));
    } else if (tag == kFinalityDepthTrailer) {
      WATTLE_RETURN_IF_ERROR(r.u64(m.finality_depth));
      if (m.finality_depth == 0)
        return Status(Code::kMalformed, "finality depth trailer holds the default");
    } else {
      return Status(Code::kMalformed, "unknown market params trailer");
    }
  }
  return Status::ok();
}

json to_json(const MarketParams& m) {
  json j;
  j["mechanism"] = m.mechanism;
  j["params"] = json::object();
  for (const auto& [k, v] : m.params) j["params"][k] = v;
  j["slot_seconds"] = m.slot_seconds;
  j["gate_lead_seconds"] = m.gate_lead_seconds;
  j["settlement_delay_seconds"] = m.settlement_delay_seconds;
  j["max_slots_ahead"] = m.max_slots_ahead;
  j["grid_buy"] = m.grid_buy;
  j["grid_sell"] = m.grid_sell;
  j["grid_fee"] = m.grid_fee;
  j["tax_bp"] = m.tax_bp;
  j["operator"] = m.operator_account.to_string();
  j["tax_account"] = m.tax_account.to_string();
  j["max_reading_wh_per_slot"] = m.max_reading_wh_per_slot;
  if (!sealing_defaults(m)) {
    j["seal_deposit"] = m.seal_deposit;
    j["reveal_blocks"] = m.reveal_blocks;
  }
  if (!m.markets.nodes.empty()) {
    j["markets"] = json::array();
    for (const market::MarketNode& n : m.markets.nodes) {
      json e{{"name", n.name},
             {"mechanism", n.mechanism},
             {"params", json::object()},
             {"grid_fee", n.grid_fee},
             {"fee_account", n.fee_account}};
      if (!n.parent.empty()) e["parent"] = n.parent;
      for (const auto& [k, v] : n.params.values) e["params"][k] = v;
      j["markets"].push_back(std::move(e));
    }
  }
  if (m.finality_depth != 0) j["finality_depth"] = m.finality_depth;
  return j;
}

Result<MarketParams> market_params_from_json(const json& j, market::TreeFault* fault) {
  return market_params_from_json_for_reorging_engine(j, 0, fault);
}

Result<MarketParams> market_params_from_json_for_reorging_engine(const json& j,
                                                                 uint64_t engine_finality_depth,
                                                                 market::TreeFault* fault) {
  if (!j.is_object()) return Status(Code::kInvalidArgument, "market: must be a table/object");
  static const char* const kKeys[] = {"mechanism",
                                      "params",
                                      "slot_seconds",
                                      "gate_lead_seconds",
                                      "settlement_delay_seconds",
                                      "max_slots_ahead",
                                      "grid_buy",
                                      "grid_sell",
                                      "grid_fee",
                                      "tax_bp",
                                      "operator",
                                      "tax_account",
                                      "max_reading_wh_per_slot",
                                      "seal_deposit",
                                      "reveal_blocks",
                                      "markets",
                                      "finality_depth"};
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : kKeys) known = known || k == a;
    if (!known) return bad(k, "is not a market key");
  }
  MarketParams m;
  auto mech = get_str(j, "mechanism");
  if (!mech) return mech.status();
  m.mechanism = *mech;
  if (auto it = j.find("params"); it != j.end()) {
    if (!it->is_object()) return bad("params", "must be a table of integers");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_number_integer() ||
          (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)))
        return bad("params." + k, "must be an integer");
      m.params[k] = v.get<int64_t>();
    }
  }
  struct U {
    const char* key;
    uint64_t* out;
  };
  for (U f : {U{"slot_seconds", &m.slot_seconds}, U{"gate_lead_seconds", &m.gate_lead_seconds},
              U{"settlement_delay_seconds", &m.settlement_delay_seconds},
              U{"max_slots_ahead", &m.max_slots_ahead}}) {
    auto v = get_int(j, f.key);
    if (!v) return v.status();
    if (*v < 0) return bad(f.key, "must be >= 0");
    *f.out = static_cast<uint64_t>(*v);
  }
  struct I {
    const char* key;
    int64_t* out;
  };
  for (I f : {I{"grid_buy", &m.grid_buy}, I{"grid_sell", &m.grid_sell}, I{"grid_fee", &m.grid_fee},
              I{"tax_bp", &m.tax_bp}, I{"max_reading_wh_per_slot", &m.max_reading_wh_per_slot}}) {
    auto v = get_int(j, f.key);
    if (!v) return v.status();
    *f.out = *v;
  }
  // Optional (a genesis from before sealed orders has neither).
  if (j.contains("seal_deposit")) {
    auto v = get_int(j, "seal_deposit");
    if (!v) return v.status();
    m.seal_deposit = *v;
  }
  if (j.contains("reveal_blocks")) {
    auto v = get_int(j, "reveal_blocks");
    if (!v) return v.status();
    if (*v < 0) return bad("reveal_blocks", "must be >= 0");
    m.reveal_blocks = static_cast<uint64_t>(*v);
  }
  m.finality_depth = engine_finality_depth;
  if (j.contains("finality_depth")) {
    auto v = get_int(j, "finality_depth");
    if (!v) return v.status();
    if (*v < 0) return bad("finality_depth", "must be >= 0");
    m.finality_depth = static_cast<uint64_t>(*v);
  }
  // Clearing at once on a chain that reorgs would let a reorg undo trades;
  // refusing 0 also keeps to_json (which omits 0) a faithful round trip.
  if (engine_finality_depth != 0 && m.finality_depth == 0)
    return bad("finality_depth", "must be >= 1 on a chain whose engine reorgs");
  auto op = get_addr(j, "operator");
  if (!op) return op.status();
  m.operator_account = *op;
  auto tax = get_addr(j, "tax_account");
  if (!tax) return tax.status();
  m.tax_account = *tax;
  if (auto it = j.find("markets"); it != j.end()) {
    if (!it->is_array() || it->empty())
      return bad("markets", "must be a non-empty array of tables");
    if (it->size() > market::kMaxMarkets)
      return bad("markets", "has more than " + std::to_string(market::kMaxMarkets) + " markets");
    for (size_t i = 0; i < it->size(); ++i) {
      auto n = market_from_json((*it)[i], i, fault);
      if (!n) return n.status();
      m.markets.nodes.push_back(std::move(*n));
    }
  }
  WATTLE_RETURN_IF_ERROR(validate(m, fault));
  return m;
}

}  // namespace wattle::modules
