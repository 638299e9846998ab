// The energy market's GET routes (docs/market.md), kept apart from api.cpp so the
// market and the core API evolve independently:
//   GET /v1/market/params
//   GET /v1/market/slots/{slot}
//   GET /v1/accounts/{addr}/orders
//   GET /v1/accounts/{addr}/bills/{slot}
// Bad input: a slot that is not a decimal uint64 -> 400 invalid_slot; a bad
// address -> 400 invalid_address; a chain without a market -> 404 no_market;
// an absent bill -> 404 not_found; another method -> 405.
#pragma once

#include <optional>
#include <string_view>

#include "rpc/api.h"

namespace wattle::rpc {

// The response if `path` is a market route, else nullopt.
std::optional<ApiResponse> route_market(ChainService& chain, std::string_view method,
                                        std::string_view path);

}  // namespace wattle::rpc
