#include "cli/market_toml.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/toml_text.h"

namespace wattle::cli {

namespace {

using nlohmann::json;

// The TOML values the market keys can hold (integers, strings, one table of
// integers) as JSON, so the one strict reader of genesis checks them.
Result<json> to_json(const toml::node& n, const std::string& key) {
  if (auto i = n.as_integer()) return json(i->get());
  if (auto s = n.as_string()) return json(s->get());
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
                "market: \"" + key + "\" must be an integer, a string or a table");
}

}  // namespace

Result<modules::MarketParams> parse_market_toml(const std::string& text,
                                                const std::string& origin) {
  auto root = parse_toml(text, origin);
  if (!root) return root.status();
  auto j = to_json(*root, "");
  if (!j) return j.status();
  auto m = modules::market_params_from_json(*j);
  if (!m) return Status(m.status().code(), origin + ": " + m.status().message());
  return m;
}

Result<modules::MarketParams> read_market_toml(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kIoError, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_market_toml(ss.str(), path);
}

}  // namespace wattle::cli
