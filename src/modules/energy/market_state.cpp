#include "modules/energy/market_state.h"
#include "market/hierarchy/market_tree.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

constexpr uint32_t kMaxBook = kMaxOrdersPerSlot;
constexpr uint32_t kMaxTrades = 4 * kMaxOrdersPerSlot;
// Tag of the market-tree trailer of SlotRecord and Bill (absent on a flat
// market, so its records keep their bytes).
constexpr uint8_t kLevelsTrailer = 1;
constexpr uint32_t kMaxCursorSlots = 1u << 20;

void put_be(Bytes& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Quantities that can never be negative: a negative one is corruption.
template <typename Q>
Status get_nonneg(Reader& r, Q& q) {
  int64_t v = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(v));
  if (v < 0) return Status(Code::kMalformed, "negative quantity in a market record");
  q = Q(v);
  return Status::ok();
}
template <typename Q>
Status get_any(Reader& r, Q& q) {
  int64_t v = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(v));
  q = Q(v);
  return Status::ok();
}
template <typename Q>
void put(Writer& w, Q q) {
  w.i64(q.value());
}

Status get_side(Reader& r, market::Side& s) {
  return r.enumeration(s, static_cast<uint8_t>(market::Side::kSell));
}

Status get_ascending(Reader& r, std::vector<uint64_t>& v) {
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxCursorSlots, 8));
  v.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    WATTLE_RETURN_IF_ERROR(r.u64(v[i]));
    if (i > 0 && v[i] <= v[i - 1]) return Status(Code::kMalformed, "slots not ascending");
  }
  return Status::ok();
}
void put_slots(Writer& w, const std::vector<uint64_t>& v) {
  w.u32(static_cast<uint32_t>(v.size()));
  for (uint64_t s : v) w.u64(s);
}

// A clearing price that may be absent (a market with no trade).
void put_price_opt(Writer& w, const std::optional<Price>& p) {
  w.boolean(p.has_value());
  if (p) put(w, *p);
}
Status get_price_opt(Reader& r, std::optional<Price>& out) {
  bool has = false;
  WATTLE_RETURN_IF_ERROR(r.boolean(has));
  out.reset();
  if (!has) return Status::ok();
  Price p;
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, p));
  out = p;
  return Status::ok();
}

}  // namespace

const char* slot_status_name(SlotStatus s) {
  switch (s) {
    case SlotStatus::kOpen:
      return "open";
    case SlotStatus::kClosed:
      return "closed";
    case SlotStatus::kSettled:
      return "settled";
  }
  return "open";
}

namespace market_keys {
StateKey order(const Hash256& id) {
  return {Namespace::kOrder, Bytes(id.bytes.begin(), id.bytes.end())};
}
StateKey account(const Address& a) {
  return {Namespace::kEscrow, Bytes(a.bytes.begin(), a.bytes.end())};
}
StateKey meter(const PublicKey& k) {
  return {Namespace::kMeter, Bytes(k.bytes.begin(), k.bytes.end())};
}
StateKey slot(uint64_t slot) {
  StateKey k{Namespace::kSlot, {}};
  put_be(k.id, slot, 8);
  return k;
}
StateKey slot_order(uint64_t slot, uint32_t seq) {
  StateKey k{Namespace::kSlotOrder, {}};
  put_be(k.id, slot, 8);
  put_be(k.id, seq, 4);
  return k;
}
StateKey bill(const Address& a, uint64_t slot) {
  StateKey k{Namespace::kBill, Bytes(a.bytes.begin(), a.bytes.end())};
  put_be(k.id, slot, 8);
  return k;
}
StateKey reading(const Address& a, uint64_t slot) {
  StateKey k{Namespace::kReading, Bytes(a.bytes.begin(), a.bytes.end())};
  put_be(k.id, slot, 8);
  return k;
}
StateKey cursor() {
  return {Namespace::kMarket, {}};
}
StateKey depth_wait(uint64_t slot) {
  StateKey k{Namespace::kMarket, {}};
  put_be(k.id, slot, 8);
  return k;
}
}  // namespace market_keys

void encode(Writer& w, const OrderRecord& v) {
  encode(w, v.owner);
  w.u64(v.slot);
  w.u32(v.seq);
  w.u8(static_cast<uint8_t>(v.side));
  put(w, v.energy);
  put(w, v.price);
  w.u64(v.height);
  w.u32(v.index);
  put(w, v.escrow);
}
Status decode(Reader& r, OrderRecord& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.owner));
  WATTLE_RETURN_IF_ERROR(r.u64(v.slot));
  WATTLE_RETURN_IF_ERROR(r.u32(v.seq));
  WATTLE_RETURN_IF_ERROR(get_side(r, v.side));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.energy));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.price));
  WATTLE_RETURN_IF_ERROR(r.u64(v.height));
  WATTLE_RETURN_IF_ERROR(r.u32(v.index));
  return get_nonneg(r, v.escrow);
}

void encode(Writer& w, const MarketAccount& v) {
  put(w, v.escrow);
  put(w, v.debt);
  w.boolean(v.meter.has_value());
  if (v.meter) encode(w, *v.meter);
  w.u32(static_cast<uint32_t>(v.open_orders.size()));
  for (const Hash256& h : v.open_orders) encode(w, h);
}
Status decode(Reader& r, MarketAccount& v) {
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.escrow));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.debt));
  bool has = false;
  WATTLE_RETURN_IF_ERROR(r.boolean(has));
  v.meter.reset();
  if (has) {
    PublicKey k;
    WATTLE_RETURN_IF_ERROR(decode(r, k));
    v.meter = k;
  }
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxOpenOrdersPerAccount, 32));
  v.open_orders.resize(n);
  for (Hash256& h : v.open_orders) WATTLE_RETURN_IF_ERROR(decode(r, h));
  return Status::ok();
}

void encode(Writer& w, const MeterRecord& v) {
  encode(w, v.account);
  w.u64(v.next_slot);
  put(w, v.import_total);
  put(w, v.export_total);
}
Status decode(Reader& r, MeterRecord& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.account));
  WATTLE_RETURN_IF_ERROR(r.u64(v.next_slot));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.import_total));
  return get_nonneg(r, v.export_total);
}

void encode(Writer& w, const ReadingRecord& v) {
  put(w, v.import_wh);
  put(w, v.export_wh);
}
Status decode(Reader& r, ReadingRecord& v) {
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.import_wh));
  return get_nonneg(r, v.export_wh);
}

void encode(Writer& w, const BookEntry& v) {
  encode(w, v.id);
  encode(w, v.owner);
  w.u8(static_cast<uint8_t>(v.side));
  put(w, v.energy);
  put(w, v.price);
  w.u64(v.height);
  w.u32(v.index);
  put(w, v.escrow);
  put(w, v.filled);
  put(w, v.amount);
}
Status decode(Reader& r, BookEntry& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.id));
  WATTLE_RETURN_IF_ERROR(decode(r, v.owner));
  WATTLE_RETURN_IF_ERROR(get_side(r, v.side));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.energy));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.price));
  WATTLE_RETURN_IF_ERROR(r.u64(v.height));
  WATTLE_RETURN_IF_ERROR(r.u32(v.index));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.escrow));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.filled));
  return get_nonneg(r, v.amount);
}

void encode(Writer& w, const SlotTrade& v) {
  w.u32(v.buy);
  w.u32(v.sell);
  put(w, v.energy);
  put(w, v.buy_price);
  put(w, v.sell_price);
}
Status decode(Reader& r, SlotTrade& v) {
  WATTLE_RETURN_IF_ERROR(r.u32(v.buy));
  WATTLE_RETURN_IF_ERROR(r.u32(v.sell));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.energy));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.buy_price));
  return get_nonneg(r, v.sell_price);
}

void encode(Writer& w, const LevelFeeRecord& v) {
  w.u32(v.market);
  put(w, v.amount);
}
Status decode(Reader& r, LevelFeeRecord& v) {
  WATTLE_RETURN_IF_ERROR(r.u32(v.market));
  return get_nonneg(r, v.amount);
}

void encode(Writer& w, const SlotLevel& v) {
  put_price_opt(w, v.clearing_price);
  put(w, v.offered);
  put(w, v.traded);
  put(w, v.passed_up);
  put(w, v.surplus);
  put(w, v.grid_net);
}
Status decode(Reader& r, SlotLevel& v) {
  WATTLE_RETURN_IF_ERROR(get_price_opt(r, v.clearing_price));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.offered));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.traded));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.passed_up));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.surplus));
  return get_any(r, v.grid_net);
}

void encode(Writer& w, const SlotRecord& v) {
  w.u8(static_cast<uint8_t>(v.status));
  w.u32(v.next_seq);
  w.u32(v.live);
  encode(w, v.seed_block);
  put_price_opt(w, v.clearing_price);
  w.u32(static_cast<uint32_t>(v.book.size()));
  for (const BookEntry& e : v.book) encode(w, e);
  w.u32(static_cast<uint32_t>(v.trades.size()));
  for (const SlotTrade& t : v.trades) encode(w, t);
  put(w, v.surplus);
  put(w, v.grid_net);
  if (v.levels.empty()) return;  // flat: today's bytes
  w.u8(kLevelsTrailer);
  w.u32(static_cast<uint32_t>(v.levels.size()));
  for (const SlotLevel& l : v.levels) encode(w, l);
  for (const SlotTrade& t : v.trades) {
    w.u32(t.market);
    w.u32(static_cast<uint32_t>(t.fees.size()));
    for (const LevelFeeRecord& f : t.fees) encode(w, f);
  }
}
Status decode(Reader& r, SlotRecord& v) {
  WATTLE_RETURN_IF_ERROR(r.enumeration(v.status, static_cast<uint8_t>(SlotStatus::kSettled)));
  WATTLE_RETURN_IF_ERROR(r.u32(v.next_seq));
  WATTLE_RETURN_IF_ERROR(r.u32(v.live));
  WATTLE_RETURN_IF_ERROR(decode(r, v.seed_block));
  WATTLE_RETURN_IF_ERROR(get_price_opt(r, v.clearing_price));
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxBook, 100));
  v.book.resize(n);
  for (BookEntry& e : v.book) WATTLE_RETURN_IF_ERROR(decode(r, e));
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxTrades, 32));
  v.trades.resize(n);
  for (SlotTrade& t : v.trades) WATTLE_RETURN_IF_ERROR(decode(r, t));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.surplus));
  WATTLE_RETURN_IF_ERROR(get_any(r, v.grid_net));
  v.levels.clear();
  if (r.remaining() == 0) return Status::ok();
  uint8_t tag = 0;
  WATTLE_RETURN_IF_ERROR(r.u8(tag));
  if (tag != kLevelsTrailer) return Status(Code::kMalformed, "unknown slot record trailer");
  WATTLE_RETURN_IF_ERROR(r.count(n, market::kMaxMarkets, 8));
  if (n == 0) return Status(Code::kMalformed, "slot levels trailer with no level");
  v.levels.resize(n);
  for (SlotLevel& l : v.levels) WATTLE_RETURN_IF_ERROR(decode(r, l));
  for (SlotTrade& t : v.trades) {
    WATTLE_RETURN_IF_ERROR(r.u32(t.market));
    WATTLE_RETURN_IF_ERROR(r.count(n, market::kMaxMarkets, 12));
    t.fees.resize(n);
    for (LevelFeeRecord& f : t.fees) WATTLE_RETURN_IF_ERROR(decode(r, f));
    if (t.market >= v.levels.size()) return Status(Code::kMalformed, "trade of an unknown level");
    for (const LevelFeeRecord& f : t.fees)
      if (f.market >= v.levels.size()) return Status(Code::kMalformed, "fee of an unknown level");
  }
  return Status::ok();
}

void encode(Writer& w, const Bill& v) {
  for (Energy e : {v.bought, v.sold, v.import_wh, v.export_wh}) put(w, e);
  w.i64(v.deviation_wh);
  for (Money m : {v.p2p_paid, v.p2p_received, v.grid_paid, v.grid_received, v.grid_fee, v.tax})
    put(w, m);
  put(w, v.net);
  w.boolean(v.reading_posted);
  put(w, v.debt_added);
  if (v.grid_fees.empty()) return;  // flat: today's bytes
  w.u8(kLevelsTrailer);
  w.u32(static_cast<uint32_t>(v.grid_fees.size()));
  for (const LevelFeeRecord& f : v.grid_fees) encode(w, f);
}
Status decode(Reader& r, Bill& v) {
  for (Energy* e : {&v.bought, &v.sold, &v.import_wh, &v.export_wh})
    WATTLE_RETURN_IF_ERROR(get_nonneg(r, *e));
  WATTLE_RETURN_IF_ERROR(r.i64(v.deviation_wh));
  for (Money* m :
       {&v.p2p_paid, &v.p2p_received, &v.grid_paid, &v.grid_received, &v.grid_fee, &v.tax})
    WATTLE_RETURN_IF_ERROR(get_nonneg(r, *m));
  WATTLE_RETURN_IF_ERROR(get_any(r, v.net));
  WATTLE_RETURN_IF_ERROR(r.boolean(v.reading_posted));
  WATTLE_RETURN_IF_ERROR(get_nonneg(r, v.debt_added));
  v.grid_fees.clear();
  if (r.remaining() == 0) return Status::ok();
  uint8_t tag = 0;
  WATTLE_RETURN_IF_ERROR(r.u8(tag));
  if (tag != kLevelsTrailer) return Status(Code::kMalformed, "unknown bill trailer");
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, market::kMaxMarkets, 12));
  if (n == 0) return Status(Code::kMalformed, "bill grid fees trailer with no fee");
  v.grid_fees.resize(n);
  for (size_t i = 0; i < n; ++i) {
    LevelFeeRecord& f = v.grid_fees[i];
    WATTLE_RETURN_IF_ERROR(decode(r, f));
    // One encoding: each level once, ascending, with a fee.
    if (f.amount.value() == 0 || (i > 0 && f.market <= v.grid_fees[i - 1].market))
      return Status(Code::kMalformed, "bill grid fees not ascending by level or zero");
  }
  return Status::ok();
}

void put_market_account(StateOverlay& state, const Address& a, const MarketAccount& ma) {
  if (ma.empty()) {
    state.erase(market_keys::account(a));
  } else {
    state.put(market_keys::account(a), encode_to_bytes(ma));
  }
}

void encode(Writer& w, const MarketCursor& v) {
  put_slots(w, v.open_slots);
  put_slots(w, v.closed_slots);
}
Status decode(Reader& r, MarketCursor& v) {
  WATTLE_RETURN_IF_ERROR(get_ascending(r, v.open_slots));
  return get_ascending(r, v.closed_slots);
}

}  // namespace wattle::modules
