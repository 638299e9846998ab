#include "modules/certificates/certificates_module.h"

#include "modules/certificates/cert_identity.h"
#include "modules/certificates/cert_issue.h"
#include "modules/certificates/cert_rules.h"
#include "modules/certificates/cert_txs.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

Status inert() {
  return Status(Code::kInvalidArgument,
                "this chain's genesis has no certificates section (or no market)");
}

Result<CertTx> body_of(const Tx& tx) {
  const auto* m = std::get_if<ModuleTx>(&tx.payload);
  if (m == nullptr) return Status(Code::kInvalidArgument, "not a certificates tx");
  return decode_cert_tx(*m);
}

}  // namespace

CertificatesModule::CertificatesModule(std::optional<MarketParams> market,
                                       std::optional<CertParams> params, CertMutation mutation)
    : market_(std::move(market)), params_(std::move(params)), mutation_(mutation) {}

std::vector<uint8_t> CertificatesModule::tx_kinds() const {
  return {kRegisterDeviceKind, kCertTransferKind, kCertCancelKind};
}

std::vector<Namespace> CertificatesModule::namespaces() const {
  return {cert_ns::kDevice, cert_ns::kDeviceIndex, cert_ns::kBundle, cert_ns::kIssue,
          cert_ns::kMatch,  cert_ns::kSlotBundles, cert_ns::kHeld,   cert_ns::kCursor};
}

Status CertificatesModule::check_tx(const Tx& tx) const {
  if (!active()) return inert();
  auto body = body_of(tx);
  return body ? Status::ok() : body.status();
}

Status CertificatesModule::deliver_tx(TxScope& scope) const {
  if (!active()) return inert();
  auto body = body_of(scope.tx);
  if (!body) return body.status();
  const CertRules rules{*market_, *params_, mutation_};
  return apply_cert_tx(scope.state, scope.tx, *body, rules, scope.ctx, scope.events);
}

Status CertificatesModule::end_block(StateOverlay& state, const BlockHeader& header,
                                     std::vector<Event>* events) const {
  if (!active()) return Status::ok();
  const CertRules rules{*market_, *params_, mutation_};
  return cert_end_block(state, rules, header, events);
}

Result<__int128> CertificatesModule::value_delta(const StateReader& base,
                                                 const StateWrites& writes) const {
  if (!active()) return __int128{0};
  return cert_value_delta(base, writes);
}

Result<bool> CertificatesModule::block_due(const StateReader& state, uint64_t time_ms) const {
  if (!active()) return false;
  return cert_block_due(state, *market_, time_ms);
}

}  // namespace wattle::modules
