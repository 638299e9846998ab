#include "rpc/certificate_routes.h"

#include "rpc/query.h"

namespace wattle::rpc {

namespace {

ApiResponse invalid(const std::string& message) {
  return error_response(400, "invalid_argument", message);
}

// from/to (both or neither) or slot (= from = to) into `r`.
std::optional<ApiResponse> parse_range(std::string_view query, bool required,
                                       CertificateRequest& r) {
  Query q;
  if (auto err = Query::parse(query, {"from", "to", "slot"},
                              "from=S1&to=S2 (decimal slots) or slot=S, each once", q))
    return err;
  std::optional<ApiResponse> err;
  auto value = [&](std::string_view key) -> std::optional<uint64_t> {
    if (!q.get(key)) return std::nullopt;
    return q.uint(key, 0, UINT64_MAX, 0, err);
  };
  const auto slot = value("slot");
  const auto from = value("from");
  const auto to = value("to");
  if (err) return err;
  if (slot && (from || to)) return invalid("give slot or from and to, not both");
  if (slot) {
    r.from = r.to = slot;
  } else if (from.has_value() != to.has_value()) {
    return invalid("give both from and to");
  } else {
    r.from = from;
    r.to = to;
  }
  if (required && !r.from) return invalid("this route needs from and to (or slot)");
  return std::nullopt;
}

}  // namespace

ApiResponse certificate_route(ChainService& chain, CertificateRoute route, std::string_view param,
                              std::string_view query) {
  CertificateRequest r;
  switch (route) {
    case CertificateRoute::kParams:
      r.kind = CertificateRequest::Kind::kParams;
      break;
    case CertificateRoute::kBundle: {
      r.kind = CertificateRequest::Kind::kBundle;
      auto id = parse_decimal(param, 0, UINT64_MAX);
      if (!id) return invalid("bundle id must be a decimal integer");
      r.bundle = *id;
      break;
    }
    case CertificateRoute::kDevice: {
      r.kind = CertificateRequest::Kind::kDevice;
      auto meter = PublicKey::from_hex(param);
      if (!meter) return invalid("meter: " + meter.status().message());
      r.meter = *meter;
      break;
    }
    case CertificateRoute::kHoldings:
    case CertificateRoute::kMatching: {
      const bool matching = route == CertificateRoute::kMatching;
      r.kind = matching ? CertificateRequest::Kind::kMatching : CertificateRequest::Kind::kHoldings;
      auto address = Address::parse(param);
      if (!address) return error_response(400, "invalid_address", address.status().message());
      r.address = *address;
      if (auto err = parse_range(query, matching, r)) return std::move(*err);
      break;
    }
  }
  if (route != CertificateRoute::kHoldings && route != CertificateRoute::kMatching &&
      !query.empty())
    return invalid("this route takes no query parameters");
  return json_response(chain.certificates(r));
}

}  // namespace wattle::rpc
