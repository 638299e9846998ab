#include "modules/energy/sealed_orders.h"
#include "modules/energy/market_membership.h"

#include <algorithm>

#include "core/assert.h"
#include "modules/energy/market_hooks.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/market_state.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

Status get_money(Reader& r, Money& m) {
  int64_t v = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(v));
  if (v < 0) return Status(Code::kMalformed, "negative amount in a sealed-order record");
  m = Money(v);
  return Status::ok();
}

// Decodes exactly one T from a ModuleTx body.
template <typename T, typename F>
Result<T> decode_body(ByteView body, F&& decode_fields) {
  Reader r(body);
  T v;
  WATTLE_RETURN_IF_ERROR(decode_fields(r, v));
  WATTLE_RETURN_IF_ERROR(r.finish());
  return v;
}

Status sealed_order(StateOverlay& state, const Tx& tx, const SealedOrder& o, Account& sender,
                    const MarketParams& m, const BlockContext& ctx) {
  const Address from = tx.sender_address();
  auto ma = read_or_default<MarketAccount>(state, market_keys::account(from));
  if (!ma) return ma.status();
  WATTLE_RETURN_IF_ERROR(check_new_order(m, ctx, o.slot, *ma));
  WATTLE_RETURN_IF_ERROR(require_leaf(state, m, from));
  auto held = Money(m.seal_deposit).checked_add(o.escrow_bound);
  if (!held) return Status(Code::kOverflow, "deposit plus escrow bound overflows");
  if (sender.balance < *held)
    return Status(Code::kInsufficientFunds,
                  "seal deposit " + std::to_string(m.seal_deposit) + " plus escrow bound " +
                      std::to_string(o.escrow_bound.value()) + " exceeds the balance " +
                      std::to_string(sender.balance.value()));
  auto escrow_total = ma->escrow.checked_add(*held);
  if (!escrow_total) return Status(Code::kOverflow, "escrow overflows");
  auto window = read_or_default<SealWindow>(state, sealed_keys::window(o.slot));
  if (!window) return window.status();
  if (window->next_seq >= kMaxOrdersPerSlot)
    return Status(Code::kTooLarge, "slot holds the maximum number of sealed orders");
  // The slot must still take orders; this lists it in the cursor so its gate runs.
  auto slot = slot_for_orders(state, o.slot);
  if (!slot) return slot.status();
  const Hash256 id = hash_of(ctx, tx);
  SealedRecord rec{
      from,           o.slot,     window->next_seq, o.commitment, Money(m.seal_deposit),
      o.escrow_bound, ctx.height, ctx.tx_index,     false};
  state.put(sealed_keys::sealed(id), encode_to_bytes(rec));
  state.put(sealed_keys::index(o.slot, window->next_seq), Bytes(id.bytes.begin(), id.bytes.end()));
  window->next_seq += 1;
  state.put(sealed_keys::window(o.slot), encode_to_bytes(*window));
  ma->escrow = *escrow_total;
  ma->open_orders.push_back(id);
  put_market_account(state, from, *ma);
  sender.balance = *sender.balance.checked_sub(*held);  // held <= balance
  return Status::ok();
}

// kRevealWindow unless block `ctx` may carry reveals for `slot`: its gate has
// passed and its window (opened by the gate block) has blocks left.
Status check_reveal_window(const MarketParams& m, const BlockContext& ctx, uint64_t slot,
                           const SealWindow& w) {
  if (w.open_height == 0) {
    // In execution the gate block's begin_block opens the window before any
    // tx runs, so this is CheckTx ahead of the gate block.
    const auto gate = m.gate_ms(slot);
    if (!gate || ctx.time_ms < *gate)
      return Status(Code::kRevealWindow, "slot " + std::to_string(slot) +
                                             " is before its gate closure: reveals open at " +
                                             std::to_string(gate.value_or(0)) + " ms");
    return Status::ok();
  }
  if (ctx.height >= w.open_height + m.reveal_blocks)
    return Status(Code::kRevealWindow, "the reveal window of slot " + std::to_string(slot) +
                                           " ended at height " +
                                           std::to_string(w.open_height + m.reveal_blocks));
  return Status::ok();
}

Status reveal_order(StateOverlay& state, const Tx& tx, const RevealOrder& r, Account& sender,
                    const MarketParams& m, const BlockContext& ctx, std::vector<Event>* events) {
  const Address from = tx.sender_address();
  auto found = read_record<SealedRecord>(state, sealed_keys::sealed(r.order_id));
  if (!found) return found.status();
  auto window = read_record<SealWindow>(state, sealed_keys::window(r.slot));
  if (!window) return window.status();
  if (!found->has_value()) {
    // Records of a slot go when its window ends: a reveal for a slot past its
    // gate that has no window left came too late.
    const auto gate = m.gate_ms(r.slot);
    if (!window->has_value() && gate && ctx.time_ms >= *gate)
      return Status(Code::kRevealWindow, "slot " + std::to_string(r.slot) +
                                             " has no reveal window open (it has cleared)");
    return Status(Code::kNotFound, "no sealed order " + r.order_id.hex());
  }
  SealedRecord rec = **found;
  if (rec.owner != from)
    return Status(Code::kUnauthorized,
                  "sealed order " + r.order_id.hex() + " belongs to another account");
  if (rec.slot != r.slot)
    return Status(Code::kRevealMismatch,
                  "sealed order " + r.order_id.hex() + " is for slot " + std::to_string(rec.slot));
  if (rec.revealed)
    return Status(Code::kDuplicate, "sealed order " + r.order_id.hex() + " is already revealed");
  WATTLE_ASSERT(window->has_value(), "a sealed order without its slot's window");
  WATTLE_RETURN_IF_ERROR(check_reveal_window(m, ctx, r.slot, **window));
  if (sealed_commitment(from, r.slot, r.side, r.energy, r.price, r.salt) != rec.commitment)
    return Status(Code::kRevealMismatch,
                  "fields and salt do not hash to the commitment of " + r.order_id.hex());
  auto escrow =
      r.side == market::Side::kBuy ? buy_escrow(m, r.energy, r.price) : sell_escrow(m, r.energy);
  if (!escrow) return escrow.status();
  if (*escrow > rec.bound)
    return Status(Code::kRevealMismatch, "the order's escrow " + std::to_string(escrow->value()) +
                                             " exceeds its sealed bound " +
                                             std::to_string(rec.bound.value()));
  auto ma = read_or_default<MarketAccount>(state, market_keys::account(from));
  if (!ma) return ma.status();
  // What returns: the deposit and the bound's unused part.
  const Money back(rec.deposit.value() + rec.bound.value() - escrow->value());
  auto balance = sender.balance.checked_add(back);
  if (!balance) return Status(Code::kOverflow, "balance would overflow");
  WATTLE_RETURN_IF_ERROR(add_to_book(
      state, r.order_id,
      OrderRecord{from, r.slot, 0, r.side, r.energy, r.price, rec.height, rec.index, *escrow}));
  rec.revealed = true;
  state.put(sealed_keys::sealed(r.order_id), encode_to_bytes(rec));
  WATTLE_ASSERT(ma->escrow >= back, "account escrow below its sealed order's");
  ma->escrow = Money(ma->escrow.value() - back.value());
  put_market_account(state, from, *ma);
  sender.balance = *balance;
  if (events) events->push_back(order_placed_event(ctx, r.order_id, r.slot));
  return Status::ok();
}

// The end of a slot's window: every seal record goes; an order not revealed
// forfeits its deposit to the operator, and its bound returns to its owner.
Status close_window(StateOverlay& state, const MarketParams& m, uint64_t slot,
                    const SealWindow& w) {
  __int128 forfeited = 0;
  for (uint32_t seq = 0; seq < w.next_seq; ++seq) {
    const StateKey key = sealed_keys::index(slot, seq);
    auto raw = state.read(key);
    if (!raw) return raw.status();
    Hash256 id;
    if (!*raw || (*raw)->size() != id.bytes.size())
      return Status(Code::kCorruption, "bad seal index entry");
    std::copy((*raw)->begin(), (*raw)->end(), id.bytes.begin());
    state.erase(key);
    auto rec = read_record<SealedRecord>(state, sealed_keys::sealed(id));
    if (!rec) return rec.status();
    if (!rec->has_value()) return Status(Code::kCorruption, "seal index names a missing record");
    state.erase(sealed_keys::sealed(id));
    const SealedRecord& s = **rec;
    if (s.revealed) continue;
    const Money held(s.deposit.value() + s.bound.value());
    auto debt = settle_delta(state, s.owner, -static_cast<__int128>(s.deposit.value()), held, {id});
    if (!debt) return debt.status();
    WATTLE_ASSERT(debt->value() == 0, "a forfeit created debt");
    forfeited += s.deposit.value();
  }
  state.erase(sealed_keys::window(slot));
  if (forfeited == 0) return Status::ok();
  return settle_delta(state, m.operator_account, forfeited, Money(0), {}).status();
}

}  // namespace

Hash256 sealed_commitment(const Address& owner, uint64_t slot, market::Side side, Energy energy,
                          Price price, const Salt& salt) {
  Writer w;
  w.str("wattle/sealed-order");
  w.u64(slot);
  w.u8(static_cast<uint8_t>(side));
  w.i64(energy.value());
  w.i64(price.value());
  encode(w, owner);
  w.fixed(salt);
  return blake2b256(w.data());
}

ModuleTx to_module_tx(const SealedOrder& s) {
  Writer w;
  w.u64(s.slot);
  encode(w, s.commitment);
  w.i64(s.escrow_bound.value());
  return ModuleTx{kSealedOrderKind, std::move(w).take()};
}

ModuleTx to_module_tx(const RevealOrder& r) {
  Writer w;
  encode(w, r.order_id);
  w.u64(r.slot);
  w.u8(static_cast<uint8_t>(r.side));
  w.i64(r.energy.value());
  w.i64(r.price.value());
  w.fixed(r.salt);
  return ModuleTx{kRevealOrderKind, std::move(w).take()};
}

Result<SealedOrder> decode_sealed_order(ByteView body) {
  return decode_body<SealedOrder>(body, [](Reader& r, SealedOrder& s) -> Status {
    WATTLE_RETURN_IF_ERROR(r.u64(s.slot));
    WATTLE_RETURN_IF_ERROR(decode(r, s.commitment));
    int64_t bound = 0;
    WATTLE_RETURN_IF_ERROR(r.i64(bound));
    if (bound < 0) return Status(Code::kInvalidArgument, "escrow bound must be >= 0");
    s.escrow_bound = Money(bound);
    return Status::ok();
  });
}

Result<RevealOrder> decode_reveal_order(ByteView body) {
  return decode_body<RevealOrder>(body, [](Reader& r, RevealOrder& o) -> Status {
    WATTLE_RETURN_IF_ERROR(decode(r, o.order_id));
    WATTLE_RETURN_IF_ERROR(r.u64(o.slot));
    WATTLE_RETURN_IF_ERROR(r.enumeration(o.side, static_cast<uint8_t>(market::Side::kSell)));
    int64_t e = 0, p = 0;
    WATTLE_RETURN_IF_ERROR(r.i64(e));
    WATTLE_RETURN_IF_ERROR(r.i64(p));
    WATTLE_RETURN_IF_ERROR(r.fixed(o.salt));
    const market::BookLimits limits;
    if (e <= 0 || e > limits.max_energy_wh)
      return Status(Code::kInvalidArgument,
                    "energy_wh must be 1.." + std::to_string(limits.max_energy_wh));
    if (p < 0 || p > limits.max_price)
      return Status(Code::kInvalidArgument, "price must be 0.." + std::to_string(limits.max_price));
    o.energy = Energy(e);
    o.price = Price(p);
    return Status::ok();
  });
}

void encode(Writer& w, const SealedRecord& v) {
  encode(w, v.owner);
  w.u64(v.slot);
  w.u32(v.seq);
  encode(w, v.commitment);
  w.i64(v.deposit.value());
  w.i64(v.bound.value());
  w.u64(v.height);
  w.u32(v.index);
  w.boolean(v.revealed);
}
Status decode(Reader& r, SealedRecord& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.owner));
  WATTLE_RETURN_IF_ERROR(r.u64(v.slot));
  WATTLE_RETURN_IF_ERROR(r.u32(v.seq));
  WATTLE_RETURN_IF_ERROR(decode(r, v.commitment));
  WATTLE_RETURN_IF_ERROR(get_money(r, v.deposit));
  WATTLE_RETURN_IF_ERROR(get_money(r, v.bound));
  WATTLE_RETURN_IF_ERROR(r.u64(v.height));
  WATTLE_RETURN_IF_ERROR(r.u32(v.index));
  return r.boolean(v.revealed);
}

void encode(Writer& w, const SealWindow& v) {
  w.u32(v.next_seq);
  w.u64(v.open_height);
}
Status decode(Reader& r, SealWindow& v) {
  WATTLE_RETURN_IF_ERROR(r.u32(v.next_seq));
  return r.u64(v.open_height);
}

namespace sealed_keys {
StateKey sealed(const Hash256& id) {
  return {kSealedNamespace, Bytes(id.bytes.begin(), id.bytes.end())};
}
// The market's slot keys, under the seal namespaces: one layout for both.
StateKey window(uint64_t slot) {
  StateKey k = market_keys::slot(slot);
  k.ns = kSealWindowNamespace;
  return k;
}
StateKey index(uint64_t slot, uint32_t seq) {
  StateKey k = market_keys::slot_order(slot, seq);
  k.ns = kSealIndexNamespace;
  return k;
}
}  // namespace sealed_keys

Status apply_sealed_tx(StateOverlay& state, const Tx& tx, Account& sender, const MarketParams& m,
                       const BlockContext& ctx, std::vector<Event>* events) {
  const auto* mod = std::get_if<ModuleTx>(&tx.payload);
  if (mod == nullptr) return Status(Code::kInternal, "not a sealed-order tx");
  if (mod->kind == kSealedOrderKind) {
    auto o = decode_sealed_order(mod->body);
    if (!o) return o.status();
    return sealed_order(state, tx, *o, sender, m, ctx);
  }
  if (mod->kind == kRevealOrderKind) {
    auto r = decode_reveal_order(mod->body);
    if (!r) return r.status();
    return reveal_order(state, tx, *r, sender, m, ctx, events);
  }
  return Status(Code::kInternal, "not a sealed-order tx kind");
}

Result<std::optional<SealedSummary>> sealed_summary(const StateReader& state, uint64_t slot) {
  auto window = read_record<SealWindow>(state, sealed_keys::window(slot));
  if (!window) return window.status();
  if (!window->has_value()) return std::optional<SealedSummary>();
  SealedSummary s{(*window)->next_seq, 0, (*window)->open_height};
  for (uint32_t seq = 0; seq < s.orders; ++seq) {
    auto raw = state.read(sealed_keys::index(slot, seq));
    if (!raw) return raw.status();
    Hash256 id;
    if (!*raw || (*raw)->size() != id.bytes.size())
      return Status(Code::kCorruption, "bad seal index entry");
    std::copy((*raw)->begin(), (*raw)->end(), id.bytes.begin());
    auto rec = read_record<SealedRecord>(state, sealed_keys::sealed(id));
    if (!rec) return rec.status();
    if (!rec->has_value()) return Status(Code::kCorruption, "seal index names a missing record");
    s.revealed += (*rec)->revealed ? 1 : 0;
  }
  return std::optional<SealedSummary>(s);
}

Result<std::vector<std::pair<Hash256, SealedRecord>>> sealed_orders_of(
    const StateReader& state, const std::vector<Hash256>& ids) {
  std::vector<std::pair<Hash256, SealedRecord>> out;
  for (const Hash256& id : ids) {
    auto rec = read_record<SealedRecord>(state, sealed_keys::sealed(id));
    if (!rec) return rec.status();
    if (rec->has_value()) out.emplace_back(id, **rec);
  }
  return out;
}

Result<bool> sealed_gate(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                         uint64_t slot) {
  auto window = read_record<SealWindow>(state, sealed_keys::window(slot));
  if (!window) return window.status();
  if (!window->has_value()) return true;  // no sealed order: clears at its gate as always
  SealWindow w = **window;
  if (w.open_height == 0) {
    w.open_height = header.height;
    state.put(sealed_keys::window(slot), encode_to_bytes(w));
    return false;
  }
  if (header.height < w.open_height + m.reveal_blocks) return false;
  WATTLE_RETURN_IF_ERROR(close_window(state, m, slot, w));
  return true;
}

}  // namespace wattle::modules
