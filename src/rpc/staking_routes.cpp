#include "rpc/staking_routes.h"

#include "rpc/query.h"

namespace wattle::rpc {

ApiResponse get_validators(ChainService& chain, std::string_view query) {
  Query q;
  if (auto err = Query::parse(query, {"height"}, "height 0..2^64-2, once", q))
    return std::move(*err);
  std::optional<ApiResponse> err;
  // UINT64_MAX stands for "absent": the head.
  const auto height = q.uint("height", 0, UINT64_MAX - 1, UINT64_MAX, err);
  if (err) return std::move(*err);
  return json_response(
      chain.validators(*height == UINT64_MAX ? std::nullopt : std::optional<uint64_t>(*height)));
}

ApiResponse get_validator_changes(ChainService& chain, std::string_view query) {
  Query q;
  if (auto err = Query::parse(query, {}, "no parameters", q)) return std::move(*err);
  return json_response(chain.validator_changes());
}

ApiResponse get_stake(ChainService& chain, std::string_view address) {
  auto a = Address::parse(address);
  if (!a) return error_response(400, "invalid_address", a.status().message());
  return json_response(chain.stake(*a));
}

}  // namespace wattle::rpc
