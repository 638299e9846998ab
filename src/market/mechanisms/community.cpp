#include "market/mechanisms/community.h"

#include <algorithm>

#include "market/clearing/clearing_builder.h"
#include "market/clearing/owner_netting.h"
#include "market/clearing/sequence.h"

namespace wattle::market {

namespace {

struct Tariffs {
  int64_t buy = 0;   // λb
  int64_t sell = 0;  // λs
};

Result<Tariffs> tariffs(const Params& params) {
  // The registry fills absent keys with the spec's default, kMissingTariff
  // (-1, below the accepted range), so both spellings of "absent" are caught.
  for (const char* key : {"grid_buy", "grid_sell"})
    if (params.get(key, kMissingTariff) < 0)
      return Status(Code::kInvalidArgument, std::string("missing required parameter ") + key);
  Tariffs t{params.get("grid_buy", 0), params.get("grid_sell", 0)};
  if (t.buy < t.sell)
    return Status(Code::kInvalidArgument, "grid_buy (" + std::to_string(t.buy) +
                                              ") must be >= grid_sell (" + std::to_string(t.sell) +
                                              ")");
  return t;
}

using u128 = unsigned __int128;

// floor or ceil of a * b / c exactly, a * b < 2^256, 0 < c < 2^127, for a
// result known to fit int64 (an amount bounded by the book's totals). The
// 256-bit path is only taken when a * b leaves 128 bits.
int64_t mul_div_wide(u128 a, u128 b, u128 c, Rounding r) {
  u128 p;
  if (!__builtin_mul_overflow(a, b, &p)) {
    u128 q = p / c;
    if (r == Rounding::kUp && p % c != 0) ++q;
    return static_cast<int64_t>(q);
  }
  const u128 mask = ~uint64_t{0};
  const u128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
  const u128 lo_lo = a0 * b0, mid1 = a0 * b1, mid2 = a1 * b0, hi_hi = a1 * b1;
  const u128 mid = (lo_lo >> 64) + (mid1 & mask) + (mid2 & mask);
  const u128 lo = (lo_lo & mask) | (mid << 64);
  const u128 hi = hi_hi + (mid1 >> 64) + (mid2 >> 64) + (mid >> 64);
  // Long division of hi:lo by c, bit by bit (remainder < c < 2^127 never overflows).
  u128 rem = 0, q = 0;
  for (int bit = 255; bit >= 0; --bit) {
    const u128 word = bit >= 128 ? hi : lo;
    rem = (rem << 1) | ((word >> (bit & 127)) & 1);
    q <<= 1;
    if (rem >= c) {
      rem -= c;
      q |= 1;
    }
  }
  if (r == Rounding::kUp && rem != 0) ++q;
  return static_cast<int64_t>(q);
}

// An exact price per kWh, a * b / den (so formulas with three factors stay
// exact); an amount for e Wh is a * e * b / (den * 1000), rounded once.
struct ExactPrice {
  u128 a = 0, b = 1, den = 1;
  int64_t amount(int64_t e, Rounding r) const {
    return mul_div_wide(a * static_cast<u128>(e), b, den * kWhPerKwh, r);
  }
};

// The slot's households after netting: each owner's buys and sells cancel
// (energy it both uses and produces stays at home and is neither traded nor
// billed), taken from its orders in ascending id order (owner_netting.h).
// `energy[i]` is what order i brings to the community.
struct Netted {
  std::vector<int64_t> energy;
  std::vector<uint32_t> buyers, sellers;  // ascending id, energy > 0
  int64_t demand = 0, supply = 0;         // D, G
};

Netted net_households(const Book& book) {
  Netted h;
  const uint32_t n = static_cast<uint32_t>(book.orders.size());
  h.energy.resize(n);
  std::vector<uint32_t> by_id(n);
  for (uint32_t i = 0; i < n; ++i) {
    by_id[i] = i;
    h.energy[i] = book.orders[i].energy.value();
  }
  NettingScratch scratch;
  net_owners(book, h.energy, scratch);
  std::sort(by_id.begin(), by_id.end(),
            [&](uint32_t a, uint32_t b) { return book.orders[a].id < book.orders[b].id; });
  for (uint32_t i : by_id) {
    if (h.energy[i] == 0) continue;
    const bool buy = book.orders[i].side == Side::kBuy;
    (buy ? h.buyers : h.sellers).push_back(i);
    (buy ? h.demand : h.supply) += h.energy[i];
  }
  return h;
}

// Each household's whole-Wh share of `amount` (<= the side's total) in
// proportion to its energy: floor, then +1 Wh to the largest remainders
// (ties: ascending id, the order of `idx`).
std::vector<Quota> pro_rata(const Netted& h, const std::vector<uint32_t>& idx, int64_t total,
                            int64_t amount) {
  std::vector<Quota> q;
  std::vector<int64_t> rem;
  int64_t given = 0;
  for (uint32_t i : idx) {
    const __int128 num = static_cast<__int128>(h.energy[i]) * amount;
    q.push_back({i, static_cast<int64_t>(num / total)});
    rem.push_back(static_cast<int64_t>(num % total));
    given += q.back().wh;
  }
  std::vector<size_t> order(q.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rem[a] > rem[b]; });
  for (size_t k = 0; given < amount; ++k, ++given) q[order[k]].wh += 1;
  return q;
}

std::vector<Quota> in_full(const Netted& h, const std::vector<uint32_t>& idx) {
  std::vector<Quota> q;
  for (uint32_t i : idx) q.push_back({i, h.energy[i]});
  return q;
}

// The Trade rows of community.h (the energy flows: exchange at (buy_price,
// sell_price), the imbalance with the grid at the tariffs), then every fill's
// amount replaced by its formula price x its energy, rounded once (buyers up,
// sellers down); the rest is surplus.
Result<Clearing> settle(std::string name, const Book& book, const Netted& h, const Tariffs& t,
                        const ExactPrice& pb, const ExactPrice& ps, Price buy_price,
                        Price sell_price, std::optional<Price> clearing_price) {
  const int64_t exchanged = std::min(h.demand, h.supply);
  const std::vector<Quota> qb =
      h.demand > h.supply ? pro_rata(h, h.buyers, h.demand, exchanged) : in_full(h, h.buyers);
  const std::vector<Quota> qs =
      h.supply > h.demand ? pro_rata(h, h.sellers, h.supply, exchanged) : in_full(h, h.sellers);
  std::vector<Trade> trades;
  pair_in_sequence(qb, qs, buy_price, sell_price, trades);
  for (const Quota& q : qb) {
    const int64_t rest = h.energy[q.order] - q.wh;
    if (rest > 0) trades.push_back(Trade{q.order, kGrid, Energy(rest), Price(t.buy), Price(t.buy)});
  }
  for (const Quota& q : qs) {
    const int64_t rest = h.energy[q.order] - q.wh;
    if (rest > 0)
      trades.push_back(Trade{kGrid, q.order, Energy(rest), Price(t.sell), Price(t.sell)});
  }
  Result<Clearing> c = make_clearing(std::move(name), book, std::move(trades), clearing_price);
  if (!c) return c;
  __int128 buyers = 0, sellers = 0;
  for (Fill& f : c->fills) {
    const bool buy = book.orders[f.order].side == Side::kBuy;
    f.amount =
        Money((buy ? pb : ps).amount(f.energy.value(), buy ? Rounding::kUp : Rounding::kDown));
    (buy ? buyers : sellers) += f.amount.value();
  }
  const __int128 surplus = buyers - sellers - c->totals.grid_net.value();
  if (surplus < 0) return Status(Code::kInternal, "community pricing: negative surplus");
  c->totals.buyers_pay = Money(static_cast<int64_t>(buyers));
  c->totals.sellers_get = Money(static_cast<int64_t>(sellers));
  c->totals.surplus = Money(static_cast<int64_t>(surplus));
  return c;
}

}  // namespace

Result<Clearing> clear_mmr(const Book& book, const Params& params) {
  auto t = tariffs(params);
  if (!t) return t.status();
  const Netted h = net_households(book);
  const u128 g = static_cast<u128>(h.supply), d = static_cast<u128>(h.demand);
  const u128 lb = static_cast<u128>(t->buy), ls = static_cast<u128>(t->sell);
  // P = (λb + λs) / 2 on exchanged energy, the tariff on the imbalance.
  ExactPrice pb{lb + ls, 1, 2}, ps{lb + ls, 1, 2};
  if (h.supply < h.demand)  // buyers: (P·G + λb·(D − G)) / D
    pb = ExactPrice{(lb + ls) * g + 2 * lb * (d - g), 1, 2 * d};
  if (h.supply > h.demand)  // sellers: (P·D + λs·(G − D)) / G
    ps = ExactPrice{(lb + ls) * d + 2 * ls * (g - d), 1, 2 * g};
  const int64_t sum = t->buy + t->sell;
  return settle("mmr", book, h, *t, pb, ps, Price(sum - sum / 2), Price(sum / 2), Price(sum / 2));
}

Result<Clearing> clear_sdr(const Book& book, const Params& params) {
  auto t = tariffs(params);
  if (!t) return t.status();
  const Netted h = net_households(book);
  const int64_t g = h.supply, d = h.demand;
  const u128 lb = static_cast<u128>(t->buy), ls = static_cast<u128>(t->sell);
  int64_t ps_down = t->sell, ps_up = t->sell;  // SDR > 1 (or no demand): Ps = Pb = λs
  ExactPrice pb{ls, 1, 1}, ps{ls, 1, 1};
  if (g <= d && d > 0) {
    // Ps = λs·λb / ((λb − λs)·G/D + λs) = λs·λb·D / den, den = (λb − λs)·G + λs·D;
    // Pb = (Ps·G + λb·(D − G)) / D = λb·(λs·D² + (λb − λs)·G·(D − G)) / (D·den).
    const u128 gu = static_cast<u128>(g), du = static_cast<u128>(d);
    const u128 den = (lb - ls) * gu + ls * du;
    if (den == 0) {
      // λs = 0 and G = 0 (or λb = λs = 0): the community imports everything,
      // Pb = λb. Ps, the limit of λs·λb / λs as λs -> 0, is λb too (no seller
      // is paid it); with λb = 0 both are 0.
      ps = pb = ExactPrice{lb, 1, 1};
      ps_down = ps_up = t->buy;
    } else {
      ps = ExactPrice{ls * lb, du, den};
      pb = ExactPrice{lb, ls * du * du + (lb - ls) * gu * (du - gu), du * den};
      ps_down = ps.amount(kWhPerKwh, Rounding::kDown);
      ps_up = ps.amount(kWhPerKwh, Rounding::kUp);
    }
  }
  return settle("sdr", book, h, *t, pb, ps, Price(ps_up), Price(ps_down), Price(ps_down));
}

Result<Clearing> clear_bill_sharing(const Book& book, const Params& params) {
  auto t = tariffs(params);
  if (!t) return t.status();
  const Netted h = net_households(book);
  const u128 g = static_cast<u128>(h.supply), d = static_cast<u128>(h.demand);
  // Energy exchanged inside the community is free; only the grid is paid:
  // buyers share λb·(D − G) by demand, sellers λs·(G − D) by supply.
  ExactPrice pb{0, 1, 1}, ps{0, 1, 1};
  if (d > g) pb = ExactPrice{static_cast<u128>(t->buy) * (d - g), 1, d};
  if (g > d) ps = ExactPrice{static_cast<u128>(t->sell) * (g - d), 1, g};
  return settle("bill-sharing", book, h, *t, pb, ps, Price(0), Price(0), std::nullopt);
}

}  // namespace wattle::market
