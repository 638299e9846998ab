// The certificates module's GET routes (docs/certificates.md, "HTTP"):
//   GET /v1/certificates/params
//   GET /v1/certificates/bundles/{id}
//   GET /v1/certificates/devices/{meter}             meter public key, 64 hex
//   GET /v1/certificates/holdings/{address}[?from=S1&to=S2 | ?slot=S]
//   GET /v1/accounts/{address}/matching?from=S1&to=S2
// Bad input: a bad address -> 400 invalid_address; a bad id, meter key or
// query parameter, a reversed range or one over a month of slots, a chain
// without a certificates section -> 400 invalid_argument; an unknown bundle
// or device -> 404 not_found.
#pragma once

#include <string_view>

#include "rpc/api.h"
#include "rpc/chain_service.h"

namespace wattle::rpc {

enum class CertificateRoute { kParams, kBundle, kDevice, kHoldings, kMatching };

// `param` is the route's one path parameter (empty for kParams).
ApiResponse certificate_route(ChainService& chain, CertificateRoute route, std::string_view param,
                              std::string_view query);

}  // namespace wattle::rpc
