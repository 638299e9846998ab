#include "modules/certificates/cert_issue.h"

#include <map>

#include "market/settlement/certificate_split.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/metered_slot.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

// Per seller, what each buyer bought from it in the slot (buyers sorted:
// the allocation order is deterministic).
using Sales = std::map<Address, std::map<Address, int64_t>>;

Result<Sales> sales_of(const StateOverlay& state, uint64_t slot) {
  auto list = slot_sales(state, slot);
  if (!list) return list.status();
  Sales out;
  for (const SlotSale& s : *list)
    if (s.seller != s.buyer) out[s.seller][s.buyer] += s.energy.value();
  return out;
}

// floor(wh * reward_per_mwh / 10^6): SolarCoin's rule, per Wh issued.
Result<Money> reward_for(const CertParams& p, Technology t, int64_t wh) {
  const __int128 r =
      static_cast<__int128>(wh) * p.reward_per_mwh[static_cast<size_t>(t)] / 1'000'000;
  if (r > INT64_MAX) return Status(Code::kOverflow, "reward leaves the int64 range");
  return Money(static_cast<int64_t>(r));
}

// Mints `reward` to `account` (a credit: it repays market debt first) and
// counts it in the cursor's minted total, the module's supply term.
Status mint(StateOverlay& state, CertCursor& cursor, const Address& account, Money reward) {
  if (reward.value() == 0) return Status::ok();
  auto minted = cursor.minted.checked_add(reward);
  if (!minted) return Status(Code::kOverflow, "minted reward total leaves the int64 range");
  cursor.minted = *minted;
  auto left = repay_debt(state, account, reward);
  if (!left) return left.status();
  auto acct = state.account(account);
  if (!acct) return acct.status();
  auto balance = acct->balance.checked_add(*left);
  if (!balance) return Status(Code::kOverflow, "reward overflows the producer's balance");
  acct->balance = *balance;
  state.put(account, *acct);
  return Status::ok();
}

struct Issuer {
  StateOverlay& state;
  const CertRules& rules;
  CertCursor& cursor;
  uint64_t slot;
  const Sales& sales;
  uint32_t bundles = 0;
  std::vector<uint64_t> ids;  // the slot's new bundles, listed once at the end

  // One device's issuance of `wh` Wh: buyers' shares, then the producer's rest.
  Status issue(const PublicKey& meter, const DeviceRecord& dev, int64_t wh) {
    Bundle b{meter,       dev.technology,        slot, cursor.next_cert_id, Energy(0),
             dev.account, BundleStatus::kActive, 0};
    const uint64_t first = cursor.next_cert_id;
    int64_t rest = wh;
    if (rules.params.bundle_with_trades) {
      if (auto it = sales.find(dev.account); it != sales.end()) {
        std::vector<int64_t> bought;
        for (const auto& [buyer, e] : it->second) bought.push_back(e);
        const std::vector<int64_t> shares = market::split_with_sales(wh, bought);
        size_t i = 0;
        for (const auto& [buyer, e] : it->second) {
          const int64_t share = shares[i++];
          if (share == 0) continue;
          auto room = can_hold(state, buyer);
          if (!room) return room.status();
          if (!*room) continue;  // the buyer's list is full: the share stays
          WATTLE_RETURN_IF_ERROR(put_run(b, buyer, share, kMaxHeldBundles));
          rest -= share;
        }
      }
    }
    if (rest > 0) WATTLE_RETURN_IF_ERROR(put_run(b, dev.account, rest, kMaxProducerHeld));
    auto reward = reward_for(rules.params, dev.technology, wh);
    if (!reward) return reward.status();
    WATTLE_RETURN_IF_ERROR(mint(state, cursor, dev.account, *reward));
    state.put(cert_keys::issue(meter, slot),
              encode_to_bytes(IssueRecord{Energy(wh), first, *reward}));
    return Status::ok();
  }

  // The next `wh` ids of this issuance as a bundle held by `owner`.
  Status put_run(Bundle& b, const Address& owner, int64_t wh, uint32_t limit) {
    b.owner = owner;
    b.wh = Energy(wh);
    b.first_id = cursor.next_cert_id;
    auto id = add_bundle(state, cursor, b, limit, &ids);
    if (!id) return id.status();
    cursor.next_cert_id += static_cast<uint64_t>(wh);
    ++bundles;
    return Status::ok();
  }
};

Status issue_slot(StateOverlay& state, const CertRules& rules, CertCursor& cursor, uint64_t slot,
                  uint64_t height, std::vector<Event>* events) {
  auto sales = sales_of(state, slot);
  if (!sales) return sales.status();
  Issuer issuer{state, rules, cursor, slot, *sales};
  for (uint32_t seq = 0; seq < cursor.devices; ++seq) {
    auto raw = state.read(cert_keys::device_index(seq));
    if (!raw) return raw.status();
    PublicKey meter;
    if (!*raw || (*raw)->size() != meter.bytes.size())
      return Status(Code::kCorruption, "bad device index entry");
    std::copy((*raw)->begin(), (*raw)->end(), meter.bytes.begin());
    auto dev = read_record<DeviceRecord>(state, cert_keys::device(meter));
    if (!dev) return dev.status();
    if (!*dev) return Status(Code::kCorruption, "device index names a missing device");
    if ((*dev)->from_slot > slot) continue;
    auto reading = slot_reading(state, (*dev)->account, slot);
    if (!reading) return reading.status();
    if (reading->export_wh.value() <= 0) continue;
    auto done = state.read(cert_keys::issue(meter, slot));
    if (!done) return done.status();
    if (*done) continue;  // issued once, never again
    WATTLE_RETURN_IF_ERROR(issuer.issue(meter, **dev, reading->export_wh.value()));
  }
  WATTLE_RETURN_IF_ERROR(list_in_slot(state, slot, issuer.ids));
  if (events && issuer.bundles > 0) {
    Event e;
    e.kind = Event::Kind::kCertificatesIssued;
    e.height = height;
    e.index = issuer.bundles;
    e.slot = slot;
    events->push_back(e);
  }
  return Status::ok();
}

// Bundles of slot `slot` still active become expired; the slot's index goes.
Status expire_slot(StateOverlay& state, uint64_t slot) {
  const StateKey key = cert_keys::slot_bundles(slot);
  auto list = read_record<BundleList>(state, key);
  if (!list) return list.status();
  if (!*list) return Status::ok();
  for (uint64_t id : (*list)->ids) {
    auto b = read_bundle(state, id);
    if (!b) return b.status();
    if (b->status != BundleStatus::kActive) continue;
    WATTLE_RETURN_IF_ERROR(release(state, b->owner, id));
    b->status = BundleStatus::kExpired;
    put_bundle(state, id, *b);
  }
  state.erase(key);
  return Status::ok();
}

}  // namespace

Status cert_end_block(StateOverlay& state, const CertRules& rules, const BlockHeader& header,
                      std::vector<Event>* events) {
  auto cursor = read_cursor(state);
  if (!cursor) return cursor.status();
  CertCursor c = std::move(*cursor);
  if (c.devices == 0) return Status::ok();
  uint64_t done = 0;
  while (done < kMaxIssueSlotsPerBlock && header.time_ms >= rules.market.settle_ms(c.issue_slot)) {
    WATTLE_RETURN_IF_ERROR(issue_slot(state, rules, c, c.issue_slot, header.height, events));
    if (c.issue_slot >= rules.params.expiry_slots)
      WATTLE_RETURN_IF_ERROR(expire_slot(state, c.issue_slot - rules.params.expiry_slots));
    ++c.issue_slot;
    ++done;
  }
  if (done > 0) state.put(cert_keys::cursor(), encode_to_bytes(c));
  return Status::ok();
}

Result<bool> cert_block_due(const StateReader& state, const MarketParams& m, uint64_t time_ms) {
  auto cursor = read_cursor(state);
  if (!cursor) return cursor.status();
  return cursor->devices > 0 && time_ms >= m.settle_ms(cursor->issue_slot);
}

}  // namespace wattle::modules
