// JSON views of the certificates module (docs/certificates.md, "Queries";
// docs/rpc.md): what GET /v1/certificates/... and
// /v1/accounts/{address}/matching answer, built from the module's typed
// queries (modules/certificates/cert_queries.h) over an application's
// committed state.
//
// Errors: kInvalidArgument on a chain without a certificates section or for
// a bad range, kNotFound for an unknown bundle or device.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "chain/application.h"
#include "core/address.h"
#include "core/keys.h"
#include "modules/certificates/cert_queries.h"

namespace wattle::rpc {

// One certificates query, as the routes parse it.
struct CertificateRequest {
  enum class Kind { kParams, kBundle, kDevice, kHoldings, kMatching };
  Kind kind = Kind::kParams;
  uint64_t bundle = 0;  // kBundle
  PublicKey meter;      // kDevice
  Address address;      // kHoldings, kMatching
  // kHoldings: optional (absent: the active bundles of every slot);
  // kMatching: required.
  std::optional<uint64_t> from, to;
};

Result<nlohmann::json> certificate_json(const chain::Application& app,
                                        const CertificateRequest& request);

// The views themselves, from the module's typed records (also what tests
// feed a fake ChainService).
nlohmann::json bundle_json(uint64_t id, const modules::Bundle& b);
nlohmann::json device_json(const PublicKey& meter, const modules::DeviceRecord& d);
// `range`: the [from, to] the holdings were asked for, if any.
nlohmann::json holdings_json(const Address& a, const std::vector<modules::BundleView>& bundles,
                             std::optional<std::pair<uint64_t, uint64_t>> range);
nlohmann::json matching_json(const Address& a, uint64_t from, uint64_t to,
                             const modules::Matching& m);

}  // namespace wattle::rpc
