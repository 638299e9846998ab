#include "rpc/market_routes.h"

#include <charconv>

#include "modules/energy/market_params.h"
#include "rpc/query.h"

namespace wattle::rpc {

namespace {

std::string echo(std::string_view s) {
  constexpr size_t kMax = 64;
  return s.size() <= kMax ? std::string(s) : std::string(s.substr(0, kMax)) + "...";
}

std::optional<uint64_t> parse_slot(std::string_view text) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;  // one spelling per number
  return v;
}

ApiResponse bad_slot(std::string_view text) {
  return error_response(400, "invalid_slot",
                        "slot must be a decimal integer 0..2^64-1, got \"" + echo(text) + "\"");
}

// 400 invalid_slot if `slot` is past the chain's last slot whose gate and
// settlement times fit in uint64 ms (their JSON would wrap); nullopt if it is
// fine or the chain has no (readable) market params, which the route itself
// then reports.
std::optional<ApiResponse> beyond_last_slot(ChainService& chain, uint64_t slot) {
  auto pj = chain.market_params();
  if (!pj) return std::nullopt;
  auto params = modules::market_params_from_json(*pj);
  if (!params || slot <= params->max_slot()) return std::nullopt;
  return error_response(400, "invalid_slot",
                        "slot " + std::to_string(slot) + " is past the last slot " +
                            std::to_string(params->max_slot()) + " whose times fit in uint64 ms");
}

// 404 unknown_market when the genesis declares no market tree or none named
// `name`; nullopt when it does, or the chain has no market (the route then
// reports no_market).
std::optional<ApiResponse> unknown_market(ChainService& chain, const std::string& name) {
  auto pj = chain.market_params();
  if (!pj) return std::nullopt;
  auto params = modules::market_params_from_json(*pj);
  if (!params || params->markets.find(name)) return std::nullopt;
  return error_response(
      404, "unknown_market",
      params->markets.nodes.empty()
          ? "this chain's genesis declares no market tree (market=" + echo(name) + ")"
          : "no market named \"" + echo(name) + "\" in the genesis tree");
}

ApiResponse slot_page(ChainService& chain, uint64_t slot, std::string_view query,
                      const MarketRouteContext& ctx) {
  Query q;
  if (auto err = Query::parse(query, {"page", "limit", "market"},
                              "page>=0, limit 1.." + std::to_string(Api::kMaxBlockPage) +
                                  ", market=NAME (a market of the genesis tree), each once",
                              q))
    return std::move(*err);
  const std::string market(q.get("market").value_or(""));
  if (q.get("market")) {
    if (auto unknown = unknown_market(chain, market)) return std::move(*unknown);
  }
  std::optional<ApiResponse> err;
  const auto page = q.uint("page", 0, UINT32_MAX, 0, err);
  const auto limit = q.uint("limit", 1, Api::kMaxBlockPage, Api::kDefaultBlockPage, err);
  if (err) return std::move(*err);
  if (auto beyond = beyond_last_slot(chain, slot)) return std::move(*beyond);
  SlotPages uncached;
  auto p = (ctx.pages ? *ctx.pages : uncached).page(chain, slot, *page, *limit, market);
  if (!p) return json_response(p.status());
  if (ctx.limiter && !ctx.limiter->try_take(ctx.client, p->cost))
    return error_response(429, "rate_limited",
                          "too many market queries from this client; retry later (this page "
                          "costs " +
                              std::to_string(p->cost) + " units)");
  return json_response(std::move(p->body));
}

// Splits "a/b/c" into its segments.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {  // "a/" is {"a", ""}: an empty segment is still one
    const size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

}  // namespace

std::optional<ApiResponse> route_market(ChainService& chain, std::string_view method,
                                        std::string_view path, std::string_view query,
                                        const MarketRouteContext& context) {
  std::optional<ApiResponse> out;
  auto get = [&](auto&& fn) {
    if (method == "GET") return fn();
    ApiResponse r =
        error_response(405, "method_not_allowed",
                       echo(method) + " is not allowed on " + echo(path) + " (allowed: GET)");
    r.allow = "GET";
    return r;
  };
  if (path == "/v1/market/params") return get([&] { return json_response(chain.market_params()); });
  if (path.starts_with("/v1/market/slots/")) {
    const std::string_view text = path.substr(std::string_view("/v1/market/slots/").size());
    return get([&] {
      auto slot = parse_slot(text);
      return slot ? slot_page(chain, *slot, query, context) : bad_slot(text);
    });
  }
  if (!path.starts_with("/v1/accounts/")) return std::nullopt;
  const auto seg = segments(path.substr(std::string_view("/v1/accounts/").size()));
  const bool orders = seg.size() == 2 && seg[1] == "orders";
  const bool bill = seg.size() == 3 && seg[1] == "bills";
  if (!orders && !bill) return std::nullopt;
  return get([&] {
    auto address = Address::parse(seg[0]);
    if (!address) return error_response(400, "invalid_address", address.status().message());
    if (orders) return json_response(chain.account_orders(*address));
    auto slot = parse_slot(seg[2]);
    if (!slot) return bad_slot(seg[2]);
    if (auto beyond = beyond_last_slot(chain, *slot)) return std::move(*beyond);
    return json_response(chain.account_bill(*address, *slot));
  });
}

}  // namespace wattle::rpc
