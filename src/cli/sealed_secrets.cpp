#include "cli/sealed_secrets.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "node/home.h"

namespace wattle::cli {

namespace {

using nlohmann::json;

constexpr size_t kMaxFileBytes = 1 << 20;

Status bad(const std::string& why) {
  return Status(Code::kMalformed, "sealed-order secrets: " + why);
}

Result<SealedSecret> from_json(const json& e) {
  if (!e.is_object()) return bad("an entry is not an object");
  SealedSecret s;
  try {
    s.order = e.at("order").get<std::string>();
    s.slot = e.at("slot").get<uint64_t>();
    const std::string side = e.at("side").get<std::string>();
    if (side != "buy" && side != "sell") return bad("side must be buy or sell");
    s.side = side == "buy" ? market::Side::kBuy : market::Side::kSell;
    s.energy_wh = e.at("energy_wh").get<int64_t>();
    s.price = e.at("price").get<int64_t>();
    s.revealed = e.at("revealed").get<bool>();
    auto salt = from_hex(e.at("salt").get<std::string>());
    if (!salt || salt->size() != s.salt.size()) return bad("salt must be 64 hex digits");
    std::copy(salt->begin(), salt->end(), s.salt.begin());
  } catch (const json::exception& ex) {
    return bad(ex.what());
  }
  return s;
}

}  // namespace

std::string sealed_secrets_path(const std::string& key_file) {
  return key_file + ".sealed.json";
}

Result<std::vector<SealedSecret>> read_sealed_secrets(const std::string& key_file) {
  auto text = node::read_home_file(sealed_secrets_path(key_file), kMaxFileBytes);
  if (!text && text.status().code() == Code::kNotFound) return std::vector<SealedSecret>{};
  if (!text) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("orders") || !j["orders"].is_array())
    return bad("not {\"orders\": [...]}");
  if (j["orders"].size() > kMaxSealedSecrets) return bad("too many entries");
  std::vector<SealedSecret> out;
  for (const json& e : j["orders"]) {
    auto s = from_json(e);
    if (!s) return s.status();
    out.push_back(std::move(*s));
  }
  return out;
}

Status write_sealed_secrets(const std::string& key_file, const std::vector<SealedSecret>& all) {
  if (all.size() > kMaxSealedSecrets)
    return Status(Code::kTooLarge, "sealed-order secrets: more than " +
                                       std::to_string(kMaxSealedSecrets) +
                                       " entries; remove revealed ones");
  json orders = json::array();
  for (const SealedSecret& s : all)
    orders.push_back({{"order", s.order},
                      {"slot", s.slot},
                      {"side", s.side == market::Side::kBuy ? "buy" : "sell"},
                      {"energy_wh", s.energy_wh},
                      {"price", s.price},
                      {"salt", to_hex(ByteView(s.salt.data(), s.salt.size()))},
                      {"revealed", s.revealed}});
  return node::write_home_file(sealed_secrets_path(key_file),
                               json{{"orders", orders}}.dump(2) + "\n", 0600, true);
}

modules::Salt random_salt() {
  modules::Salt s;
  randombytes_buf(s.data(), s.size());
  return s;
}

Result<modules::RevealOrder> reveal_of(const SealedSecret& s) {
  auto id = Hash256::from_hex(s.order);
  if (!id)
    return Status(Code::kInvalidArgument, "a sealed order of slot " + std::to_string(s.slot) +
                                              " has no order id (its submission did not finish)");
  return modules::RevealOrder{*id, s.slot, s.side, Energy(s.energy_wh), Price(s.price), s.salt};
}

}  // namespace wattle::cli
