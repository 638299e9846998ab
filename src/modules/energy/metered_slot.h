// What the energy market knows about one settled slot, as a narrow typed
// read API for modules that build on metering (certificates,
// docs/certificates.md): which account a meter key belongs to, an account's
// metered interval in a slot, and the slot's peer-to-peer sales.
//
// Read-only; works over any reader with read(key) (StateReader,
// StateOverlay). kCorruption for a record that does not decode.
#pragma once

#include <optional>
#include <vector>

#include "modules/energy/market_state.h"

namespace wattle::modules {

// The account a registered meter key reports for; nullopt when unregistered.
template <typename R>
Result<std::optional<Address>> meter_account(const R& state, const PublicKey& meter) {
  auto rec = read_record<MeterRecord>(state, market_keys::meter(meter));
  if (!rec) return rec.status();
  if (!*rec) return std::optional<Address>();
  return std::optional<Address>((*rec)->account);
}

// The account's metered interval in `slot` (import and export Wh); zeros
// when no reading names the slot.
template <typename R>
Result<ReadingRecord> slot_reading(const R& state, const Address& account, uint64_t slot) {
  return read_or_default<ReadingRecord>(state, market_keys::reading(account, slot));
}

// One peer-to-peer trade of a cleared slot: seller and buyer accounts (never
// the grid) and the energy the clearing moved between them.
struct SlotSale {
  Address seller;
  Address buyer;
  Energy energy;
};

// The slot's trades between two households, in clearing order; empty for a
// slot with no record or no such trade.
template <typename R>
Result<std::vector<SlotSale>> slot_sales(const R& state, uint64_t slot) {
  auto rec = read_record<SlotRecord>(state, market_keys::slot(slot));
  if (!rec) return rec.status();
  std::vector<SlotSale> out;
  if (!*rec) return out;
  const SlotRecord& s = **rec;
  for (const SlotTrade& t : s.trades) {
    if (t.buy == market::kGrid || t.sell == market::kGrid) continue;
    if (t.buy >= s.book.size() || t.sell >= s.book.size())
      return Status(Code::kCorruption, "slot trade names an order outside its book");
    out.push_back(SlotSale{s.book[t.sell].owner, s.book[t.buy].owner, t.energy});
  }
  return out;
}

}  // namespace wattle::modules
