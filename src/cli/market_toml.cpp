#include "cli/market_toml.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/toml_text.h"

namespace wattle::cli {

namespace {

using nlohmann::json;

// The TOML values the market and certificates keys can hold (integers,
// strings, booleans, tables, the [[markets]] array of tables) as JSON, so the
// one strict reader of genesis checks them.
Result<json> to_json(const toml::node& n, const std::string& key) {
  if (auto i = n.as_integer()) return json(i->get());
  if (auto b = n.as_boolean()) return json(b->get());
  if (auto s = n.as_string()) return json(s->get());
  if (auto a = n.as_array()) {
    json out = json::array();
    for (size_t i = 0; i < a->size(); ++i) {
      auto j = to_json(*a->get(i), key + "[" + std::to_string(i) + "]");
      if (!j) return j;
      out.push_back(std::move(*j));
    }
    return out;
  }
  if (auto t = n.as_table()) {
    json out = json::object();
    for (const auto& [k, v] : *t) {
      const std::string sub = key.empty() ? std::string(k.str()) : key + "." + std::string(k.str());
      auto j = to_json(v, sub);
      if (!j) return j;
      out[std::string(k.str())] = *j;
    }
    return out;
  }
  return Status(Code::kInvalidArgument,
                "\"" + key + "\" must be an integer, a boolean, a string or a table");
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kIoError, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "origin:line:col" of the [[markets]] entry `fault` names: its key's value
// when the entry has that key, else the entry's table.
std::string position(const toml::table& root, const std::string& origin,
                     const market::TreeFault& fault) {
  const toml::array* markets = root["markets"].as_array();
  if (!markets || fault.market >= markets->size()) return origin;
  const toml::node* at = markets->get(fault.market);
  if (const toml::table* t = at->as_table(); t && !fault.key.empty())
    if (const toml::node* v = t->get(fault.key)) at = v;
  const toml::source_position p = at->source().begin;
  return origin + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

}  // namespace

Result<modules::MarketParams> parse_market_toml(const std::string& text,
                                                const std::string& origin) {
  auto root = parse_toml(text, origin);
  if (!root) return root.status();
  auto j = to_json(*root, "");
  if (!j) return j.status();
  market::TreeFault fault{UINT32_MAX, ""};
  auto m = modules::market_params_from_json(*j, &fault);
  if (!m) {
    const std::string where = fault.market == UINT32_MAX ? origin : position(*root, origin, fault);
    return Status(m.status().code(), where + ": " + m.status().message());
  }
  return m;
}

Result<modules::MarketParams> read_market_toml(const std::string& path) {
  auto text = read_text(path);
  if (!text) return text.status();
  return parse_market_toml(*text, path);
}

Result<modules::CertParams> read_certificates_toml(const std::string& path) {
  auto text = read_text(path);
  if (!text) return text.status();
  auto root = parse_toml(*text, path);
  if (!root) return root.status();
  auto j = to_json(*root, "");
  if (!j) return j.status();
  auto c = modules::cert_params_from_json(*j);
  if (!c) return Status(c.status().code(), path + ": " + c.status().message());
  return c;
}

}  // namespace wattle::cli
