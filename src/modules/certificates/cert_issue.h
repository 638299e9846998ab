// The certificates module's end-block hook (docs/certificates.md,
// "Issuance" and "Expiry"): issuance at settlement, certificates moved
// with the energy, rewards, expiry.
//
// Promise: in the first block whose time >= settle(N) (the market's
// settlement time, market_params.h) slot N is issued: every device
// registered by then whose meter's account has a metered export in N gets
// one issuance of exactly that many Wh, recorded once per (device, slot), so
// no later block issues (device, N) again; bundles of slot N - expiry_slots
// still active expire. Slots are issued in order, at most
// kMaxIssueSlotsPerBlock per block (block_due asks for the next block when
// more are due). Pure function of the overlay, the header and the params;
// fails only on storage errors or int64 overflow of the minted total.
#pragma once

#include <vector>

#include "chain/block.h"
#include "chain/events.h"
#include "chain/state.h"
#include "modules/certificates/cert_rules.h"

namespace wattle::modules {

inline constexpr uint64_t kMaxIssueSlotsPerBlock = 96;

Status cert_end_block(chain::StateOverlay& state, const CertRules& rules,
                      const chain::BlockHeader& header, std::vector<chain::Event>* events);

// True when a block at `time_ms` has a slot to issue.
Result<bool> cert_block_due(const chain::StateReader& state, const MarketParams& m,
                            uint64_t time_ms);

}  // namespace wattle::modules
