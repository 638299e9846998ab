// The energy market's GET routes (docs/market.md), kept apart from api.cpp so the
// market and the core API evolve independently:
//   GET /v1/market/params
//   GET /v1/market/slots/{slot}[?page=P][&limit=L][&market=NAME]   a summary
//       and one page of the book and the trades (rpc/slot_pages.h; L 1..1000,
//       default 100); with market=NAME, one level of the genesis market tree
//       (rpc/market_json.h, slot_level_json; NAME as given, not
//       percent-decoded)
//   GET /v1/accounts/{addr}/orders
//   GET /v1/accounts/{addr}/bills/{slot}
// Bad input: a slot that is not a decimal uint64, or past the last slot
// whose times fit in uint64 milliseconds (MarketParams::max_slot) -> 400
// invalid_slot; a bad address -> 400 invalid_address; a bad, unknown or
// repeated query parameter -> 400 invalid_argument; a chain without a market
// -> 404 no_market; a market=NAME the genesis tree does not declare (or no
// tree) -> 404 unknown_market; an absent bill -> 404 not_found; another method -> 405;
// a slot page over the client's query budget -> 429 rate_limited.
#pragma once

#include <optional>
#include <string_view>

#include "rpc/api.h"
#include "rpc/rate_limiter.h"
#include "rpc/slot_pages.h"

namespace wattle::rpc {

// What the slot route needs besides the chain: the shared page cache and
// the per-client budget it charges (SlotPages::Page::cost). Null: no cache
// (every request builds the view) or no limit.
struct MarketRouteContext {
  SlotPages* pages = nullptr;
  RateLimiter* limiter = nullptr;
  std::string_view client;
};

// The response if `path` is a market route, else nullopt.
std::optional<ApiResponse> route_market(ChainService& chain, std::string_view method,
                                        std::string_view path, std::string_view query = {},
                                        const MarketRouteContext& context = {});

}  // namespace wattle::rpc
