#include "cluster_sim/community.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster_sim/sim_app.h"
#include "modules/certificates/cert_state.h"
#include "modules/certificates/cert_txs.h"
#include "modules/energy/market_state.h"
#include "modules/records.h"

namespace wattle::cluster_sim::community {

using modules::Bundle;
using modules::BundleList;
using modules::MeterRecord;
namespace cert_keys = modules::cert_keys;
namespace market_keys = modules::market_keys;

namespace {

KeyPair operator_key() {
  return KeyPair::from_label("wattle-sim-operator");
}
Address tax_account() {
  return Address::of(KeyPair::from_label("wattle-sim-tax").public_key());
}

// The nonce the sender's next tx needs on this replica.
uint64_t next_nonce(const chain::Application& app, const Address& a) {
  if (auto pending = app.pending_nonce(a)) return *pending;
  auto acc = app.account(a);
  return acc ? acc->account.nonce : 0;
}

chain::Tx sign(const chain::Application& app, const KeyPair& k, chain::Payload p) {
  return chain::Tx::make_signed(kChainId, k, next_nonce(app, Address::of(k.public_key())),
                                std::move(p));
}

// The operator's setup, one tx per nonce: meters, then devices. None once done.
std::optional<chain::Tx> setup_tx(const chain::Application& app) {
  const uint64_t n = next_nonce(app, Address::of(operator_key().public_key()));
  if (n < kHouseholds)
    return sign(app, operator_key(),
                chain::RegisterMeter{meter_key(static_cast<uint32_t>(n)).public_key(),
                                     household(static_cast<uint32_t>(n))});
  if (n < kHouseholds + kDevices) {
    const auto d = static_cast<uint32_t>(n - kHouseholds);
    return sign(app, operator_key(),
                modules::to_payload(modules::RegisterDevice{meter_key(d).public_key(), household(d),
                                                            modules::Technology::kSolar, 5000}));
  }
  return std::nullopt;
}

// A cumulative reading of a random household's meter for the slot that last
// ended before the replica's next block (CheckTx judges at head time + 1).
Draw reading(const chain::Application& app, Prng& rng) {
  const auto h = static_cast<uint32_t>(rng.below(kHouseholds));
  const uint64_t import_wh = rng.between(0, 400);
  const uint64_t export_wh = h < kDevices ? rng.between(0, 600) : 0;
  const KeyPair meter = meter_key(h);
  auto rec = modules::read_record<MeterRecord>(app.committed_state(),
                                               market_keys::meter(meter.public_key()));
  if (!rec || !*rec) return {std::nullopt, "reading: meter not registered yet"};
  // One reading in flight per meter: the next one's counters build on it.
  if (app.pending_nonce(Address::of(meter.public_key())))
    return {std::nullopt, "reading: one pending"};
  const uint64_t slot = market_params().slot_of(app.head().time_ms + 1);
  if (slot == 0 || slot - 1 < (*rec)->next_slot) return {std::nullopt, "reading: slot read"};
  chain::MeterReading r{slot - 1, Energy((*rec)->import_total.value() + int64_t(import_wh)),
                        Energy((*rec)->export_total.value() + int64_t(export_wh))};
  return {sign(app, meter, r), fmt::format("reading h={} slot={}", h, slot - 1)};
}

// Which certificate tx certificate() makes, by weight out of 10.
enum class CertMove { kTransfer, kTransferTooMuch, kNotHolder, kCancel, kCancelOutsideWindow };
CertMove draw_move(Prng& rng) {
  const uint64_t k = rng.below(10);
  if (k < 4) return CertMove::kTransfer;
  if (k == 4) return CertMove::kTransferTooMuch;
  if (k == 5) return CertMove::kNotHolder;
  if (k < 9) return CertMove::kCancel;
  return CertMove::kCancelOutsideWindow;
}

// A transfer or cancel of a bundle a random household holds.
Draw certificate(const chain::Application& app, Prng& rng) {
  const auto h = static_cast<uint32_t>(rng.below(kHouseholds));
  const CertMove move = draw_move(rng);
  const auto other = static_cast<uint32_t>((h + 1 + rng.below(kHouseholds - 1)) % kHouseholds);
  const chain::StateReader& state = app.committed_state();
  auto held = modules::read_or_default<BundleList>(state, cert_keys::held(household(h)));
  if (!held || held->ids.empty()) return {std::nullopt, "cert: holds none"};
  const uint64_t id = held->ids[rng.below(held->ids.size())];
  auto b = modules::read_record<Bundle>(state, cert_keys::bundle(id));
  if (!b || !*b) return {std::nullopt, "cert: bundle unreadable"};
  const Bundle& bundle = **b;
  const int64_t wh = bundle.wh.value();
  const uint64_t pick = rng.between(1, static_cast<uint64_t>(wh));
  switch (move) {
    case CertMove::kTransfer:
    case CertMove::kTransferTooMuch:
    case CertMove::kNotHolder: {
      const int64_t amount = move == CertMove::kTransferTooMuch ? wh + 1 : int64_t(pick);
      const uint32_t signer = move == CertMove::kNotHolder ? other : h;
      const uint32_t to = move == CertMove::kNotHolder ? h : other;
      return {sign(app, household_key(signer),
                   modules::to_payload(modules::CertTransfer{id, Energy(amount), household(to)})),
              fmt::format("cert-transfer{} bundle={} wh={}",
                          move == CertMove::kTransfer ? "" : "-bad", id, amount)};
    }
    case CertMove::kCancel:
    case CertMove::kCancelOutsideWindow: {
      // Up to the bundle's Wh; above what the claimant still has unmatched
      // it is refused (kAboveConsumption), which the chain must judge.
      const uint64_t slot = move == CertMove::kCancel
                                ? bundle.slot
                                : bundle.slot + cert_params().match_window_slots + 1;
      return {sign(app, household_key(h),
                   modules::to_payload(modules::CertCancel{id, Energy(int64_t(pick)), slot})),
              fmt::format("cert-cancel{} bundle={} wh={} slot={}",
                          move == CertMove::kCancel ? "" : "-bad", id, pick, slot)};
    }
  }
  return {std::nullopt, "cert: none"};
}

}  // namespace

KeyPair household_key(uint32_t h) {
  return KeyPair::from_label(fmt::format("wattle-sim-household-{}", h));
}
KeyPair meter_key(uint32_t h) {
  return KeyPair::from_label(fmt::format("wattle-sim-meter-{}", h));
}
Address household(uint32_t h) {
  return Address::of(household_key(h).public_key());
}

modules::MarketParams market_params() {
  modules::MarketParams m;
  m.params = {{"k", 500'000}};
  m.slot_seconds = 1;
  m.gate_lead_seconds = 0;
  m.settlement_delay_seconds = 1;
  m.max_slots_ahead = 8;
  m.operator_account = Address::of(operator_key().public_key());
  m.tax_account = tax_account();
  m.max_reading_wh_per_slot = 1'000;
  return m;
}

modules::CertParams cert_params() {
  modules::CertParams c;
  c.match_window_slots = 0;
  c.expiry_slots = 4;  // bundles of a slot expire 4 s later: expiry happens within a schedule
  c.reward_per_mwh[static_cast<size_t>(modules::Technology::kSolar)] = kSolarRewardPerMwh;
  return c;
}

void add_to(chain::Genesis& g, int64_t balance, std::vector<Address>& addresses) {
  g.market = market_params();
  g.certificates = cert_params();
  std::vector<Address> funded{g.market->operator_account, g.market->tax_account};
  for (uint32_t h = 0; h < kHouseholds; ++h) funded.push_back(household(h));
  for (const Address& a : funded) g.balances.emplace_back(a, Money(balance));
  addresses.insert(addresses.end(), funded.begin(), funded.end());
  for (uint32_t h = 0; h < kHouseholds; ++h)
    addresses.push_back(Address::of(meter_key(h).public_key()));
}

std::vector<PublicKey> device_meters() {
  std::vector<PublicKey> out;
  for (uint32_t d = 0; d < kDevices; ++d) out.push_back(meter_key(d).public_key());
  return out;
}

std::vector<Address> households() {
  std::vector<Address> out;
  for (uint32_t h = 0; h < kHouseholds; ++h) out.push_back(household(h));
  return out;
}

Draw draw(const chain::Application& app, Prng& rng) {
  if (auto tx = setup_tx(app)) return {std::move(tx), "setup"};
  return rng.percent(50) ? reading(app, rng) : certificate(app, rng);
}

bool is_certificate_tx(const chain::Tx& tx) {
  const auto* m = std::get_if<chain::ModuleTx>(&tx.payload);
  return m && (m->kind == modules::kCertTransferKind || m->kind == modules::kCertCancelKind);
}

}  // namespace wattle::cluster_sim::community
