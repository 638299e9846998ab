#include "chain/genesis.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/assert.h"
#include "core/strict_json.h"
#include "modules/staking/staking_state.h"
#include "modules/standard.h"

namespace wattle::chain {

using nlohmann::json;

namespace {

Status check_keys(const json& obj, std::initializer_list<const char*> allowed,
                  const std::string& where) {
  if (!obj.is_object()) return Status(Code::kMalformed, where + " must be an object");
  for (const auto& [k, v] : obj.items()) {
    bool ok = false;
    for (const char* a : allowed) ok |= k == a;
    if (!ok) return Status(Code::kMalformed, where + ": unknown field \"" + k + "\"");
  }
  return Status::ok();
}

Result<uint64_t> get_uint(const json& obj, const char* key, const std::string& where,
                          std::optional<uint64_t> fallback = std::nullopt) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return Status(Code::kMalformed, where + ": missing field \"" + key + "\"");
  }
  if (!it->is_number_unsigned())
    return Status(Code::kMalformed, where + ": \"" + key + "\" must be a non-negative integer");
  return it->get<uint64_t>();
}

// "chain_id": 1..64 printable ASCII characters without spaces.
Status read_chain_id(const json& j, Genesis& g) {
  if (!j.contains("chain_id") || !j["chain_id"].is_string())
    return Status(Code::kMalformed, "genesis: \"chain_id\" must be a string");
  g.chain_id = j["chain_id"].get<std::string>();
  if (g.chain_id.empty() || g.chain_id.size() > kMaxChainIdLength)
    return Status(Code::kMalformed, "genesis: chain_id must have 1..64 characters");
  for (char c : g.chain_id)
    if (c < 0x21 || c > 0x7e)
      return Status(Code::kMalformed, "genesis: chain_id must be printable ASCII without spaces");
  return Status::ok();
}

// "validators": distinct keys, each power > 0, the total at most 2^60.
Status read_validators(const json& j, Genesis& g) {
  if (!j.contains("validators") || !j["validators"].is_array() || j["validators"].empty())
    return Status(Code::kMalformed, "genesis: \"validators\" must be a non-empty array");
  uint64_t total_power = 0;
  for (const auto& v : j["validators"]) {
    WATTLE_RETURN_IF_ERROR(check_keys(v, {"public_key", "power"}, "genesis validator"));
    if (!v.contains("public_key") || !v["public_key"].is_string())
      return Status(Code::kMalformed, "genesis validator: \"public_key\" must be a hex string");
    auto pk = PublicKey::from_hex(v["public_key"].get<std::string>());
    if (!pk) return pk.status();
    auto power = get_uint(v, "power", "genesis validator", 1);
    if (!power) return power.status();
    if (*power == 0) return Status(Code::kMalformed, "genesis validator: power must be > 0");
    for (const auto& v2 : g.validators)
      if (v2.public_key == *pk)
        return Status(Code::kMalformed, "genesis validator: duplicate public key " + pk->hex());
    if (*power > Genesis::kMaxTotalPower - total_power)
      return Status(Code::kMalformed, "genesis validator: total power over 2^60");
    total_power += *power;
    g.validators.push_back({*pk, *power});
  }
  return Status::ok();
}

// "engine" (default single, which takes exactly one validator).
Status read_engine(const json& j, Genesis& g) {
  if (auto it = j.find("engine"); it != j.end()) {
    if (!it->is_string() || (*it != "single" && *it != "bft" && *it != "pow"))
      return Status(Code::kMalformed, "genesis: \"engine\" must be \"single\", \"bft\" or \"pow\"");
    g.engine = *it == "bft"   ? EngineKind::kBft
               : *it == "pow" ? EngineKind::kPow
                              : EngineKind::kSingle;
  }
  if (g.engine == EngineKind::kSingle && g.validators.size() != 1)
    return Status(Code::kMalformed,
                  "genesis: engine \"single\" needs exactly one validator (use \"bft\")");
  return Status::ok();
}

// "balances": distinct addresses, each 1..2^63-1 and at least min_balance;
// their total must not overflow.
Status read_balances(const json& j, Genesis& g) {
  std::set<Address> seen;
  if (j.contains("balances")) {
    if (!j["balances"].is_array())
      return Status(Code::kMalformed, "genesis: \"balances\" must be an array");
    for (const auto& b : j["balances"]) {
      WATTLE_RETURN_IF_ERROR(check_keys(b, {"address", "amount"}, "genesis balance"));
      if (!b.contains("address") || !b["address"].is_string())
        return Status(Code::kMalformed, "genesis balance: \"address\" must be a string");
      auto addr = Address::parse(b["address"].get<std::string>());
      if (!addr) return addr.status();
      auto amount = get_uint(b, "amount", "genesis balance");
      if (!amount) return amount.status();
      if (*amount == 0 || *amount > static_cast<uint64_t>(INT64_MAX))
        return Status(Code::kMalformed, "genesis balance: amount must be 1..2^63-1");
      if (!seen.insert(*addr).second)
        return Status(Code::kMalformed, "genesis balance: duplicate address " + addr->to_string());
      if (Money(static_cast<int64_t>(*amount)) < g.min_balance)
        return Status(Code::kMalformed,
                      "genesis balance: " + addr->to_string() + " holds less than min_balance");
      g.balances.push_back({*addr, Money(static_cast<int64_t>(*amount))});
    }
  }
  Money total;
  bool overflow = false;
  for (const auto& [addr, amount] : g.balances) {
    auto t = total.checked_add(amount);
    overflow |= !t;
    if (t) total = *t;
  }
  if (overflow) return Status(Code::kOverflow, "genesis: total balance overflows");
  return Status::ok();
}

}  // namespace

std::string_view engine_name(EngineKind kind) {
  return kind == EngineKind::kBft ? "bft" : kind == EngineKind::kPow ? "pow" : "single";
}

namespace {
// "pow": the engine's parameters (GenesisPow); every field optional.
Status read_pow(const json& j, Genesis& g) {
  if (!j.contains("pow")) {
    if (g.engine == EngineKind::kPow) g.pow = GenesisPow{};
    return Status::ok();
  }
  if (g.engine != EngineKind::kPow)
    return Status(Code::kMalformed, "genesis: a \"pow\" section needs engine \"pow\"");
  const json& p = j["pow"];
  WATTLE_RETURN_IF_ERROR(
      check_keys(p, {"target_block_ms", "initial_target", "retarget_blocks", "finality_depth"},
                 "genesis pow"));
  GenesisPow pow;
  auto ms = get_uint(p, "target_block_ms", "genesis pow", pow.target_block_ms);
  auto bits = get_uint(p, "initial_target", "genesis pow", pow.initial_bits);
  auto window = get_uint(p, "retarget_blocks", "genesis pow", pow.retarget_blocks);
  auto depth = get_uint(p, "finality_depth", "genesis pow", pow.finality_depth);
  for (const auto* r : {&ms, &bits, &window, &depth})
    if (!*r) return r->status();
  if (*ms == 0 || *ms > 3'600'000 || *bits == 0 || *bits > UINT32_MAX || *window == 0 ||
      *window > 100'000 || *depth == 0 || *depth > 10'000)
    return Status(Code::kMalformed,
                  "genesis pow: target_block_ms 1..3600000, initial_target a 32-bit compact "
                  "target, retarget_blocks 1..100000, finality_depth 1..10000");
  pow.target_block_ms = *ms;
  pow.initial_bits = static_cast<uint32_t>(*bits);
  pow.retarget_blocks = static_cast<uint32_t>(*window);
  pow.finality_depth = static_cast<uint32_t>(*depth);
  g.pow = pow;
  return Status::ok();
}
}  // namespace

Result<Genesis> Genesis::from_json(std::string_view text) {
  auto parsed = parse_json_strict(text);
  if (!parsed) return Status(Code::kMalformed, "genesis: " + parsed.status().message());
  json& j = *parsed;
  WATTLE_RETURN_IF_ERROR(
      check_keys(j,
                 {"chain_id", "genesis_time_ms", "block_interval_ms", "validators", "balances",
                  "min_balance", "engine", "market", "certificates", "staking", "pow"},
                 "genesis"));
  Genesis g;
  WATTLE_RETURN_IF_ERROR(read_chain_id(j, g));
  auto t = get_uint(j, "genesis_time_ms", "genesis", 0);
  if (!t) return t.status();
  g.genesis_time_ms = *t;
  auto bi = get_uint(j, "block_interval_ms", "genesis", 200);
  if (!bi) return bi.status();
  if (*bi == 0 || *bi > 3'600'000)
    return Status(Code::kMalformed, "genesis: block_interval_ms must be 1..3600000");
  g.block_interval_ms = *bi;
  WATTLE_RETURN_IF_ERROR(read_validators(j, g));
  WATTLE_RETURN_IF_ERROR(read_engine(j, g));
  WATTLE_RETURN_IF_ERROR(read_pow(j, g));
  auto min = get_uint(j, "min_balance", "genesis", 0);
  if (!min) return min.status();
  if (*min > static_cast<uint64_t>(INT64_MAX))
    return Status(Code::kMalformed, "genesis: min_balance must be 0..2^63-1");
  g.min_balance = Money(static_cast<int64_t>(*min));
  WATTLE_RETURN_IF_ERROR(read_balances(j, g));
  if (j.contains("market")) {
    // On a chain that reorgs the market waits as deep as the engine calls
    // final unless it names its own depth (docs/market.md, "Waiting for depth").
    auto m = g.pow ? modules::market_params_from_json_for_reorging_engine(j["market"],
                                                                          g.pow->finality_depth)
                   : modules::market_params_from_json(j["market"]);
    if (!m) return Status(Code::kMalformed, "genesis: " + m.status().message());
    g.market = std::move(*m);
  }
  if (j.contains("certificates")) {
    if (!g.market) return Status(Code::kMalformed, "genesis: certificates need a market section");
    auto c = modules::cert_params_from_json(j["certificates"]);
    if (!c) return Status(Code::kMalformed, "genesis: " + c.status().message());
    g.certificates = std::move(*c);
  }
  if (j.contains("staking")) {
    auto s = modules::staking_params_from_json(j["staking"]);
    if (!s) return Status(Code::kMalformed, "genesis: " + s.status().message());
    g.staking = *s;
    if (g.engine == EngineKind::kPow)
      return Status(Code::kMalformed,
                    "genesis: staking is not available on engine \"pow\" (miners, not "
                    "validators, extend the chain)");
    if (g.engine == EngineKind::kSingle && s->consensus != modules::ConsensusKind::kSingle)
      return Status(Code::kMalformed, "genesis: staking consensus \"" +
                                          std::string(modules::consensus_name(s->consensus)) +
                                          "\" needs engine \"bft\"");
    State empty;
    StateOverlay records(empty);
    Status st = g.params().modules->init_genesis(records);
    if (!st) return Status(Code::kMalformed, "genesis: " + st.message());
  }
  return g;
}

std::string Genesis::to_json() const {
  json j;
  j["chain_id"] = chain_id;
  j["genesis_time_ms"] = genesis_time_ms;
  j["block_interval_ms"] = block_interval_ms;
  j["validators"] = json::array();
  for (const auto& v : validators)
    j["validators"].push_back({{"public_key", v.public_key.hex()}, {"power", v.power}});
  j["balances"] = json::array();
  for (const auto& [addr, amount] : balances)
    j["balances"].push_back({{"address", addr.to_string()}, {"amount", amount.value()}});
  j["min_balance"] = min_balance.value();
  j["engine"] = engine_name(engine);
  if (market) j["market"] = modules::to_json(*market);
  if (certificates) j["certificates"] = modules::to_json(*certificates);
  if (staking) j["staking"] = modules::to_json(*staking);
  if (pow)
    j["pow"] = {{"target_block_ms", pow->target_block_ms},
                {"initial_target", pow->initial_bits},
                {"retarget_blocks", pow->retarget_blocks},
                {"finality_depth", pow->finality_depth}};
  // Never throws: bytes that are not UTF-8 are replaced (from_json then rejects them).
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Hash256 Genesis::hash() const {
  Writer w;
  w.str("wattle/genesis");
  w.str(chain_id);
  w.u64(genesis_time_ms);
  w.u64(block_interval_ms);
  w.u32(static_cast<uint32_t>(validators.size()));
  for (const auto& v : validators) {
    encode(w, v.public_key);
    w.u64(v.power);
  }
  w.u32(static_cast<uint32_t>(balances.size()));
  for (const auto& [addr, amount] : balances) {
    encode(w, addr);
    w.i64(amount.value());
  }
  w.i64(min_balance.value());
  w.u8(static_cast<uint8_t>(engine));
  // Appended only when present, so a genesis without a market keeps its hash.
  if (market) {
    w.str("market");
    modules::encode(w, *market);
  }
  if (certificates) {  // likewise for the certificates section
    w.str("certificates");
    modules::encode(w, *certificates);
  }
  if (staking) {
    w.str("staking");
    modules::encode(w, *staking);
  }
  if (pow) {  // likewise
    w.str("pow");
    w.u64(pow->target_block_ms);
    w.u32(pow->initial_bits);
    w.u32(pow->retarget_blocks);
    w.u32(pow->finality_depth);
  }
  return blake2b256(w.data());
}

State Genesis::initial_state() const {
  State s;
  s.apply(initial_writes());
  return s;
}

StateWrites Genesis::initial_writes() const {
  StateWrites w;
  for (const auto& [addr, amount] : balances)
    w[StateKey::account(addr)] = encode_to_bytes(Account{amount, 0});
  if (staking) {
    // The modules' genesis records (from_json ran them once, so they succeed).
    State empty;
    StateOverlay records(empty);
    WATTLE_ASSERT(params().modules->init_genesis(records).is_ok(), "genesis records");
    for (auto& [key, value] : std::move(records).take_writes()) w[key] = std::move(value);
  }
  return w;
}

Result<TreeUpdate> Genesis::initial_tree() const {
  MapNodes empty;
  return update_tree(empty, Hash256{}, tree_changes(initial_writes()));
}

Block Genesis::block() const {
  Block b;
  b.header.height = 0;
  b.header.prev_hash = hash();
  b.header.time_ms = genesis_time_ms;
  b.header.tx_root = compute_tx_root({});
  // Genesis balances are distinct addresses (from_json checks), so building
  // their tree from nothing cannot fail.
  auto tree = initial_tree();
  b.header.state_root = tree ? tree->root : Hash256{};
  return b;
}

ChainParams Genesis::params(EvidenceChecker evidence_checker) const {
  // The composition of the application: genesis sections -> modules.
  std::optional<modules::StakingSetup> setup;
  if (staking) {
    setup.emplace();
    setup->params = *staking;
    for (const auto& v : validators) setup->genesis_set.push_back({v.public_key, {}, v.power});
  }
  return ChainParams{chain_id,
                     modules::standard_modules(min_balance, market, std::move(evidence_checker),
                                               certificates, setup)};
}

Result<std::vector<PublicKey>> proposer_keys(const Genesis& genesis, const StateReader& committed,
                                             uint64_t height) {
  std::vector<PublicKey> keys;
  if (!genesis.staking || genesis.staking->consensus == modules::ConsensusKind::kSingle)
    return keys;
  auto set = modules::set_at(committed, height);
  if (!set) return set.status();
  for (const auto& e : set->validators) keys.push_back(e.key);
  return keys;
}

}  // namespace wattle::chain
