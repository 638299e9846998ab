#include "modules/certificates/cert_rules.h"

#include "modules/energy/metered_slot.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

Status register_device(StateOverlay& state, const Tx& tx, const RegisterDevice& d,
                       const CertRules& rules, const BlockContext& ctx) {
  if (tx.sender_address() != rules.market.operator_account)
    return Status(Code::kUnauthorized, "only the operator registers devices");
  auto account = meter_account(state, d.meter);
  if (!account) return account.status();
  if (!*account) return Status(Code::kUnknownMeter, "no meter registered with this key");
  if (**account != d.account)
    return Status(Code::kInvalidArgument,
                  "device account must be its meter's account " + (*account)->to_string());
  const StateKey key = cert_keys::device(d.meter);
  auto existing = state.read(key);
  if (!existing) return existing.status();
  if (*existing) return Status(Code::kDuplicate, "a device is already registered on this meter");
  auto cursor = read_cursor(state);
  if (!cursor) return cursor.status();
  if (cursor->devices >= kMaxDevices) return Status(Code::kTooLarge, "device registry full");
  const uint64_t from = rules.market.slot_of(ctx.time_ms);
  // The first device starts the issuance cursor; later ones start at or
  // after it (a slot is issued only once it settled, after its block time).
  if (cursor->devices == 0) cursor->issue_slot = from;
  state.put(key, encode_to_bytes(DeviceRecord{d.account, d.technology, d.capacity_w, from}));
  state.put(cert_keys::device_index(cursor->devices),
            Bytes(d.meter.bytes.begin(), d.meter.bytes.end()));
  ++cursor->devices;
  state.put(cert_keys::cursor(), encode_to_bytes(*cursor));
  return Status::ok();
}

// The bundle `id` if `sender` may move `wh` of it.
Result<Bundle> movable(const StateOverlay& state, uint64_t id, Energy wh, const Address& sender) {
  auto b = read_bundle(state, id);
  if (!b) return b.status();
  if (b->owner != sender)
    return Status(Code::kUnauthorized, "the sender does not hold this bundle");
  if (b->status != BundleStatus::kActive)
    return Status(Code::kBundleInactive,
                  std::string("the bundle is ") + bundle_status_name(b->status));
  if (wh > b->wh)
    return Status(Code::kNotEnoughCertificates,
                  "the bundle holds " + std::to_string(b->wh.value()) + " Wh");
  return b;
}

// Splits the first `wh` of bundle `id` off into a new bundle `part` (owner,
// status set by the caller); the source keeps the rest of its id range.
Status split(StateOverlay& state, uint64_t id, Bundle source, Bundle part, const CertRules& rules) {
  auto cursor = read_cursor(state);
  if (!cursor) return cursor.status();
  part.first_id = source.first_id;
  auto added = add_bundle(state, *cursor, part);
  if (!added) return added.status();
  if (rules.mutation != CertMutation::kSplitKeepsSource) {
    source.first_id += static_cast<uint64_t>(part.wh.value());
    source.wh = Energy(source.wh.value() - part.wh.value());
  }
  put_bundle(state, id, source);
  state.put(cert_keys::cursor(), encode_to_bytes(*cursor));
  return Status::ok();
}

Status transfer(StateOverlay& state, const Tx& tx, const CertTransfer& t, const CertRules& rules) {
  const Address sender = tx.sender_address();
  if (t.to == sender) return Status(Code::kInvalidArgument, "transfer to the sender itself");
  auto b = movable(state, t.bundle, t.wh, sender);
  if (!b) return b.status();
  auto room = can_hold(state, t.to);
  if (!room) return room.status();
  if (!*room) return Status(Code::kTooLarge, "the recipient holds too many bundles");
  if (t.wh == b->wh) {  // the whole bundle changes hands
    WATTLE_RETURN_IF_ERROR(release(state, sender, t.bundle));
    WATTLE_RETURN_IF_ERROR(hold(state, t.to, t.bundle));
    b->owner = t.to;
    put_bundle(state, t.bundle, *b);
    return Status::ok();
  }
  Bundle part = *b;
  part.wh = t.wh;
  part.owner = t.to;
  return split(state, t.bundle, *b, part, rules);
}

Status cancel(StateOverlay& state, const Tx& tx, const CertCancel& c, const CertRules& rules) {
  const Address sender = tx.sender_address();
  auto b = movable(state, c.bundle, c.wh, sender);
  if (!b) return b.status();
  const uint64_t gap = c.slot > b->slot ? c.slot - b->slot : b->slot - c.slot;
  if (gap > rules.params.match_window_slots)
    return Status(Code::kOutsideMatchWindow, "slot " + std::to_string(c.slot) + " is " +
                                                 std::to_string(gap) +
                                                 " slots from the bundle's; the window is " +
                                                 std::to_string(rules.params.match_window_slots));
  auto reading = slot_reading(state, sender, c.slot);
  if (!reading) return reading.status();
  const StateKey match_key = cert_keys::match(sender, c.slot);
  auto match = read_or_default<MatchRecord>(state, match_key);
  if (!match) return match.status();
  const int64_t open = reading->import_wh.value() - match->matched.value();
  if (c.wh.value() > open)
    return Status(Code::kAboveConsumption, "the sender's unmatched metered import in slot " +
                                               std::to_string(c.slot) + " is " +
                                               std::to_string(open) + " Wh");
  if (match->bundles.size() >= kMaxClaimsPerSlot)
    return Status(Code::kTooLarge, "too many claims against this slot");
  uint64_t cancelled_id = c.bundle;
  if (c.wh == b->wh) {
    WATTLE_RETURN_IF_ERROR(release(state, sender, c.bundle));
    b->status = BundleStatus::kCancelled;
    b->claim_slot = c.slot;
    put_bundle(state, c.bundle, *b);
  } else {
    auto cursor = read_cursor(state);
    if (!cursor) return cursor.status();
    cancelled_id = cursor->next_bundle;
    Bundle part = *b;
    part.wh = c.wh;
    part.status = BundleStatus::kCancelled;
    part.claim_slot = c.slot;
    WATTLE_RETURN_IF_ERROR(split(state, c.bundle, *b, part, rules));
  }
  match->matched = Energy(match->matched.value() + c.wh.value());
  match->bundles.push_back(cancelled_id);
  state.put(match_key, encode_to_bytes(*match));
  return Status::ok();
}

void report(std::vector<Event>* events, Event::Kind kind, const Tx& tx, const BlockContext& ctx,
            uint64_t slot) {
  if (!events) return;
  Event e;
  e.kind = kind;
  e.height = ctx.height;
  e.hash = hash_of(ctx, tx);
  e.index = ctx.tx_index;
  e.slot = slot;
  events->push_back(e);
}

}  // namespace

Status apply_cert_tx(StateOverlay& state, const Tx& tx, const CertTx& body, const CertRules& rules,
                     const BlockContext& ctx, std::vector<Event>* events) {
  if (const auto* d = std::get_if<RegisterDevice>(&body))
    return register_device(state, tx, *d, rules, ctx);
  if (const auto* t = std::get_if<CertTransfer>(&body)) {
    auto b = read_bundle(state, t->bundle);
    if (!b) return b.status();
    WATTLE_RETURN_IF_ERROR(transfer(state, tx, *t, rules));
    report(events, Event::Kind::kCertificateTransferred, tx, ctx, b->slot);
    return Status::ok();
  }
  const auto& c = std::get<CertCancel>(body);
  WATTLE_RETURN_IF_ERROR(cancel(state, tx, c, rules));
  report(events, Event::Kind::kCertificateCancelled, tx, ctx, c.slot);
  return Status::ok();
}

}  // namespace wattle::modules
