// Helpers for the certificates tests: a market genesis with a certificates
// section, tx builders for the module's payloads, and readers of its
// records over a test chain (ledger/market_test_util.h's MarketChain, which
// checks the supply identity after every block).
#pragma once

#include <gtest/gtest.h>

#include "ledger/market_test_util.h"
#include "modules/certificates/cert_queries.h"
#include "modules/certificates/cert_txs.h"

namespace wattle::chain::testing {

inline Genesis cert_genesis(int n, const CertParams& c = {}) {
  Genesis g = market_genesis(n, 50'000'000, 1'000'000'000);
  g.certificates = c;
  return g;
}

inline Payload register_device(int house, Technology t = Technology::kSolar,
                               uint64_t capacity_w = 5000) {
  return to_payload(RegisterDevice{meter_key(house).public_key(), user_addr(house), t, capacity_w});
}
inline Payload cert_transfer(uint64_t bundle, int64_t wh, const Address& to) {
  return to_payload(CertTransfer{bundle, Energy(wh), to});
}
inline Payload cert_cancel(uint64_t bundle, int64_t wh, uint64_t slot) {
  return to_payload(CertCancel{bundle, Energy(wh), slot});
}

// A time inside `slot`, and the first time its settlement (and issuance) is due.
inline uint64_t in_slot(const MarketChain& c, uint64_t slot, uint64_t offset_s = 1) {
  return c.market().slot_start_ms(slot) + offset_s * 1000;
}
inline uint64_t after_slot(const MarketChain& c, uint64_t slot) {
  return c.market().slot_end_ms(slot) + 1000;
}
inline uint64_t settle(const MarketChain& c, uint64_t slot) {
  return c.market().settle_ms(slot);
}

inline std::optional<IssueRecord> issued(const MarketChain& c, int house, uint64_t slot) {
  return read_record<IssueRecord>(c.state(), cert_keys::issue(meter_key(house).public_key(), slot))
      .value();
}
inline CertCursor cert_cursor(const MarketChain& c) {
  return read_or_default<CertCursor>(c.state(), cert_keys::cursor()).value();
}
// The active bundles `a` holds (any slot), in id order.
inline std::vector<BundleView> holdings(const MarketChain& c, const Address& a) {
  auto ids = read_or_default<BundleList>(c.state(), cert_keys::held(a)).value().ids;
  std::sort(ids.begin(), ids.end());
  std::vector<BundleView> out;
  for (uint64_t id : ids) out.push_back({id, certificate_bundle(c.state(), id).value().value()});
  return out;
}
inline int64_t held_wh(const MarketChain& c, const Address& a) {
  int64_t wh = 0;
  for (const auto& v : holdings(c, a)) wh += v.bundle.wh.value();
  return wh;
}
inline Bundle bundle(const MarketChain& c, uint64_t id) {
  return certificate_bundle(c.state(), id).value().value();
}

}  // namespace wattle::chain::testing
