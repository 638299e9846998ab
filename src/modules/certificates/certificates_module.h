// The certificates module (docs/certificates.md): granular energy
// certificates issued per market slot from metered export, moved with the
// energy, transferred, cancelled against the holder's metered import, and
// incentive tokens minted per MWh issued.
//
// Owns tx kinds 40..42 (cert_txs.h) and namespaces 40..47 (cert_state.h).
// Its rules are cert_rules.h, its end-block hook cert_issue.h (it must come
// after the energy module in the set, so a slot is settled before it is
// issued), its conservation term and no-double-counting check
// cert_identity.h, its queries cert_queries.h.
//
// On a chain whose genesis has no certificates section (or no market) the
// module is in the set but inert: its txs are refused with
// kInvalidArgument and its hooks do nothing. Immutable; thread-safe.
#pragma once

#include <optional>

#include "chain/module.h"
#include "modules/certificates/cert_ledger.h"
#include "modules/certificates/cert_params.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {

class CertificatesModule final : public chain::Module {
 public:
  CertificatesModule(std::optional<MarketParams> market, std::optional<CertParams> params,
                     CertMutation mutation = CertMutation::kNone);

  std::string_view name() const override { return "certificates"; }
  std::vector<uint8_t> tx_kinds() const override;
  std::vector<chain::Namespace> namespaces() const override;
  Status check_tx(const chain::Tx& tx) const override;
  Status deliver_tx(chain::TxScope& scope) const override;
  Status end_block(chain::StateOverlay& state, const chain::BlockHeader& header,
                   std::vector<chain::Event>* events) const override;
  Result<__int128> value_delta(const chain::StateReader& base,
                               const chain::StateWrites& writes) const override;
  Result<bool> block_due(const chain::StateReader& state, uint64_t time_ms) const override;

  // The genesis certificates section; null when the module is inert.
  const CertParams* params() const { return active() ? &*params_ : nullptr; }

 private:
  bool active() const { return market_ && params_; }

  const std::optional<MarketParams> market_;
  const std::optional<CertParams> params_;
  const CertMutation mutation_;
};

}  // namespace wattle::modules
