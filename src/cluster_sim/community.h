// Community: the energy community a whole-replica schedule's chain serves
// (docs/consensus.md, "Whole replicas"), beside the funded accounts of the
// transfers: an operator, a tax account and kHouseholds households with
// meters, the first kDevices of them with a registered PV device, on a
// market of 1-second slots with a certificates section (docs/certificates.md).
//
// draw() is its workload: the operator's setup txs (meters, then devices)
// until they are all committed or pending, then meter readings (cumulative,
// for the slot that last ended) and certificate transfers and cancels of
// bundles the households hold: some valid, some meant to be refused (more
// Wh than held, someone else's bundle, a claim outside the match window or
// above the claimant's import).
//
// Promises: draw() reads only the replica's committed state and mempool and
// draws only from the schedule's Prng, so a schedule still replays from its
// seed; every tx it returns is well-formed and signed; whether the chain
// admits it is the chain's call. Integer-only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/application.h"
#include "chain/genesis.h"
#include "cluster_sim/prng.h"
#include "core/keys.h"

namespace wattle::cluster_sim::community {

inline constexpr uint32_t kHouseholds = 4;
inline constexpr uint32_t kDevices = 3;  // households 0..kDevices-1 have PV
// Micro-units per MWh minted to a PV producer at issuance (a micro-unit per mWh).
inline constexpr int64_t kSolarRewardPerMwh = 1'000'000;

KeyPair household_key(uint32_t h);
KeyPair meter_key(uint32_t h);
Address household(uint32_t h);

// The market (1-second slots, readings and settlement 1 s after a slot ends)
// and certificates (same-slot matching, rewards for solar) sections.
modules::MarketParams market_params();
modules::CertParams cert_params();

// Adds both sections to `g` and funds the operator, the tax account and the
// households with `balance` each. `addresses` gains every account the
// community's txs touch (those and the meters'), for the conservation check.
void add_to(chain::Genesis& g, int64_t balance, std::vector<Address>& addresses);

// The state keys an independent check of the certificate records enumerates:
// the PV devices' meter keys and the households.
std::vector<PublicKey> device_meters();
std::vector<Address> households();

struct Draw {
  std::optional<chain::Tx> tx;  // none: nothing to send now (the reason in `what`)
  std::string what;             // for the trace: "reading", "cert-transfer", ...
};
Draw draw(const chain::Application& app, Prng& rng);

// Whether a committed tx is a certificate transfer or cancel.
bool is_certificate_tx(const chain::Tx& tx);

}  // namespace wattle::cluster_sim::community
