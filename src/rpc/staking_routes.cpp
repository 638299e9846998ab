#include "rpc/staking_routes.h"

#include "rpc/query.h"

namespace wattle::rpc {

namespace {

ApiResponse answer(const Result<nlohmann::json>& r) {
  if (!r)
    return error_response(error_http_status(r.status().code()), code_name(r.status().code()),
                          r.status().message());
  ApiResponse out;
  out.body = r->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

}  // namespace

ApiResponse get_validators(ChainService& chain, std::string_view query) {
  Query q;
  if (auto err = Query::parse(query, {"height"}, "height 0..2^64-2, once", q))
    return std::move(*err);
  std::optional<ApiResponse> err;
  // UINT64_MAX stands for "absent": the head.
  const auto height = q.uint("height", 0, UINT64_MAX - 1, UINT64_MAX, err);
  if (err) return std::move(*err);
  return answer(
      chain.validators(*height == UINT64_MAX ? std::nullopt : std::optional<uint64_t>(*height)));
}

ApiResponse get_stake(ChainService& chain, std::string_view address) {
  auto a = Address::parse(address);
  if (!a) return error_response(400, "invalid_address", a.status().message());
  return answer(chain.stake(*a));
}

}  // namespace wattle::rpc
