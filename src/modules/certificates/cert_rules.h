// The certificates module's tx rules (docs/certificates.md, "Transactions"):
// the stateful checks and effects of RegisterDevice, CertTransfer and
// CertCancel.
//
// Shared by CheckTx and execution (the module runs apply_cert_tx for both).
// Promise: on error the overlay is unchanged (every check precedes the first
// write; the executor rolls back anyway) and the error carries a stable code:
//   RegisterDevice: kUnauthorized (not the operator), kUnknownMeter,
//     kInvalidArgument (account is not the meter's), kDuplicate, kTooLarge;
//   transfer / cancel: kNotFound (no bundle), kUnauthorized (not the
//     holder), kBundleInactive, kNotEnoughCertificates, kTooLarge;
//     transfer: kInvalidArgument (to self);
//     cancel: kOutsideMatchWindow, kAboveConsumption.
#pragma once

#include <vector>

#include "chain/block_context.h"
#include "chain/events.h"
#include "chain/state.h"
#include "chain/tx.h"
#include "modules/certificates/cert_ledger.h"
#include "modules/certificates/cert_params.h"
#include "modules/certificates/cert_txs.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {

// What the rules and hooks read besides the state: both genesis sections
// and the mutation tests may switch on.
struct CertRules {
  const MarketParams& market;
  const CertParams& params;
  CertMutation mutation = CertMutation::kNone;
};

Status apply_cert_tx(chain::StateOverlay& state, const chain::Tx& tx, const CertTx& body,
                     const CertRules& rules, const chain::BlockContext& ctx,
                     std::vector<chain::Event>* events);

}  // namespace wattle::modules
