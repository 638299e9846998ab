#include "market/mechanisms/peers.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <span>

#include "market/clearing/clearing_builder.h"
#include "market/mechanisms/muda.h"

namespace wattle::market {

namespace {

bool same_owner(const Order& a, const Order& b) {
  return !a.owner.empty() && a.owner == b.owner;
}

// Indices of one side, ordered by `better` price first, then time, then index.
std::vector<uint32_t> ranked(const Book& book, Side side) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < book.orders.size(); ++i)
    if (book.orders[i].side == side) v.push_back(i);
  const bool desc = side == Side::kBuy;
  std::stable_sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
    const Order &x = book.orders[a], &y = book.orders[b];
    if (x.price != y.price) return desc ? x.price > y.price : x.price < y.price;
    return x.time < y.time;
  });
  return v;
}

// gsy-framework's order of bids (utils.py, sort_list_of_dicts_by_attribute
// with reverse_order=True: reversed(sorted(bids, key=rate))): Python's sort is
// stable, so reversing it ranks by rate descending and, among equal rates,
// the later arrival first (time descending, then position descending).
std::vector<uint32_t> gsy_bids(const Book& book) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < book.orders.size(); ++i)
    if (book.orders[i].side == Side::kBuy) v.push_back(i);
  std::sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
    const Order &x = book.orders[a], &y = book.orders[b];
    if (x.price != y.price) return x.price > y.price;
    if (x.time != y.time) return x.time > y.time;
    return a > b;
  });
  return v;
}

std::vector<uint32_t> by_time(const Book& book, Side side) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < book.orders.size(); ++i)
    if (book.orders[i].side == side) v.push_back(i);
  std::stable_sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
    return book.orders[a].time < book.orders[b].time;
  });
  return v;
}

// Buyer b takes from `sells` (best first) while they cross; `pay_offer`
// chooses the price: the offer's (pay-as-offer) or the bid (pay-as-bid).
void take(const Book& book, uint32_t b, std::span<const uint32_t> sells, std::vector<int64_t>& left,
          bool pay_offer, std::vector<Trade>& trades) {
  const Order& bo = book.orders[b];
  for (uint32_t s : sells) {
    if (left[b] == 0) return;
    const Order& so = book.orders[s];
    if (so.price > bo.price) return;  // sorted: no cheaper offer follows
    if (left[s] == 0 || same_owner(bo, so)) continue;
    const int64_t q = std::min(left[b], left[s]);
    const Price p = pay_offer ? so.price : bo.price;
    trades.push_back(Trade{b, s, Energy(q), p, p});
    left[b] -= q;
    left[s] -= q;
  }
}

std::vector<int64_t> energies(const Book& book) {
  std::vector<int64_t> left(book.orders.size());
  for (size_t i = 0; i < left.size(); ++i) left[i] = book.orders[i].energy.value();
  return left;
}

}  // namespace

Result<Clearing> clear_pay_as_offer(const Book& book, const Params& /*params*/) {
  std::vector<int64_t> left = energies(book);
  const std::vector<uint32_t> sells = ranked(book, Side::kSell);
  std::vector<Trade> trades;
  // Exhausted offers are skipped by `first`, so a run costs O(trades) plus
  // the offers a buyer skips for their owner.
  size_t first = 0;
  for (uint32_t b : by_time(book, Side::kBuy)) {
    while (first < sells.size() && left[sells[first]] == 0) ++first;
    const Order& bo = book.orders[b];
    for (size_t k = first; k < sells.size() && left[b] > 0; ++k) {
      const uint32_t s = sells[k];
      const Order& so = book.orders[s];
      if (so.price > bo.price) break;
      if (left[s] == 0 || same_owner(bo, so)) continue;
      const int64_t q = std::min(left[b], left[s]);
      trades.push_back(Trade{b, s, Energy(q), so.price, so.price});
      left[b] -= q;
      left[s] -= q;
    }
  }
  return make_clearing("pay-as-offer", book, std::move(trades), std::nullopt);
}

Result<Clearing> clear_preferred(const Book& book, const Params& /*params*/) {
  std::vector<int64_t> left = energies(book);
  std::vector<Trade> trades;
  const std::vector<uint32_t> buys = ranked(book, Side::kBuy);
  const std::vector<uint32_t> sells = ranked(book, Side::kSell);
  // Stage 1: partners. Orders of each owner, best price first.
  std::map<std::string, std::vector<uint32_t>> buys_of, sells_of;
  for (uint32_t b : buys)
    if (!book.orders[b].owner.empty()) buys_of[book.orders[b].owner].push_back(b);
  for (uint32_t s : sells)
    if (!book.orders[s].owner.empty()) sells_of[book.orders[s].owner].push_back(s);
  std::vector<size_t> rank(book.orders.size(), 0);  // place in its side's price ranking
  for (size_t r = 0; r < buys.size(); ++r) rank[buys[r]] = r;
  for (size_t r = 0; r < sells.size(); ++r) rank[sells[r]] = r;
  std::vector<uint32_t> all(book.orders.size());
  std::iota(all.begin(), all.end(), 0u);
  std::stable_sort(all.begin(), all.end(), [&](uint32_t a, uint32_t b) {
    return book.orders[a].time < book.orders[b].time;
  });
  for (uint32_t i : all) {
    const Order& o = book.orders[i];
    if (o.partners.empty() || left[i] == 0) continue;
    // The partners' crossing orders on the other side, best price first.
    std::vector<uint32_t> cand;
    auto& of = o.side == Side::kBuy ? sells_of : buys_of;
    for (const std::string& p : o.partners)
      if (auto it = of.find(p); it != of.end())
        cand.insert(cand.end(), it->second.begin(), it->second.end());
    std::sort(cand.begin(), cand.end(), [&](uint32_t a, uint32_t b) { return rank[a] < rank[b]; });
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    for (uint32_t c : cand) {
      if (left[i] == 0) break;
      const uint32_t b = o.side == Side::kBuy ? i : c, s = o.side == Side::kBuy ? c : i;
      if (left[c] == 0 || book.orders[b].price < book.orders[s].price) continue;
      const int64_t q = std::min(left[b], left[s]);
      trades.push_back(Trade{b, s, Energy(q), book.orders[b].price, book.orders[b].price});
      left[b] -= q;
      left[s] -= q;
    }
  }
  // Stage 2: green requirements, against fully green offers, cheapest first.
  std::vector<uint32_t> green;
  for (uint32_t s : sells)
    if (book.orders[s].green_pct.value_or(0) == 100) green.push_back(s);
  for (uint32_t b : by_time(book, Side::kBuy))
    if (book.orders[b].require_green) take(book, b, green, left, false, trades);
  // Stage 3: everything left, pay-as-bid in merit order.
  size_t j = 0;
  for (uint32_t b : buys) {
    while (j < sells.size() && left[sells[j]] == 0) ++j;
    if (j == sells.size()) break;
    if (left[b] == 0) continue;
    take(book, b, std::span<const uint32_t>(sells).subspan(j), left, false, trades);
  }
  return make_clearing("preferred", book, std::move(trades), std::nullopt);
}

std::optional<GsyClearing> gsy_clearing_point(const Book& book) {
  const std::vector<uint32_t> bids = gsy_bids(book);
  const std::vector<uint32_t> offers = ranked(book, Side::kSell);
  if (bids.empty() || offers.empty()) return std::nullopt;
  // D(r) for each distinct bid rate, ascending; S(r) via a pointer into offers.
  std::vector<std::pair<int64_t, int64_t>> demand;  // (rate, D(rate)), rates descending
  int64_t cum = 0;
  for (uint32_t b : bids) {
    cum += book.orders[b].energy.value();
    const int64_t r = book.orders[b].price.value();
    if (!demand.empty() && demand.back().first == r)
      demand.back().second = cum;
    else
      demand.emplace_back(r, cum);
  }
  std::reverse(demand.begin(), demand.end());
  size_t k = 0;
  int64_t supply = 0;
  bool any_offer = false;
  std::optional<GsyClearing> fallback;
  for (const auto& [rate, d] : demand) {
    while (k < offers.size() && book.orders[offers[k]].price.value() <= rate)
      supply += book.orders[offers[k++]].energy.value();
    any_offer = any_offer || k > 0;
    if (k == 0) continue;  // no offer at or below this bid rate
    if (supply >= d) return GsyClearing{Price(rate), Energy(d)};
    fallback = GsyClearing{Price(rate), Energy(supply)};  // the last one appended wins
  }
  (void)any_offer;
  return fallback;
}

std::vector<Trade> gsy_sweep(const Book& book, std::span<const uint32_t> bids,
                             std::span<const uint32_t> offers, Energy energy, Price rate) {
  std::vector<Trade> trades;
  int64_t need = energy.value();
  size_t j = 0;
  int64_t offer_left = offers.empty() ? 0 : book.orders[offers[0]].energy.value();
  for (uint32_t b : bids) {
    int64_t bid_left = book.orders[b].energy.value();
    while (bid_left > 0 && need > 0 && j < offers.size()) {
      const int64_t q = std::min(bid_left, offer_left);
      trades.push_back(Trade{b, offers[j], Energy(q), rate, rate});
      bid_left -= q;
      offer_left -= q;
      need -= q;
      if (offer_left == 0 && ++j < offers.size())
        offer_left = book.orders[offers[j]].energy.value();
    }
    if (need <= 0 || j == offers.size()) break;
  }
  return trades;
}

Result<Clearing> clear_pay_as_clear_gsy(const Book& book, const Params& /*params*/) {
  const std::optional<GsyClearing> c = gsy_clearing_point(book);
  if (!c || c->energy.value() == 0)
    return make_clearing("pay-as-clear-gsy", book, {}, std::nullopt);
  const std::vector<uint32_t> bids = gsy_bids(book);
  const std::vector<uint32_t> offers = ranked(book, Side::kSell);
  return make_clearing("pay-as-clear-gsy", book, gsy_sweep(book, bids, offers, c->energy, c->rate),
                       c->rate);
}

Result<Clearing> clear_random_pairs(const Book& book, const Params& params) {
  const uint64_t seed = static_cast<uint64_t>(params.get("seed", 0));
  const int64_t rounds = params.get("rounds", 10);
  std::vector<int64_t> left = energies(book);
  // Each side in id order, so the draws do not depend on the book's line order.
  auto by_id = [&](Side side) {
    std::vector<uint32_t> v;
    for (uint32_t i = 0; i < book.orders.size(); ++i)
      if (book.orders[i].side == side) v.push_back(i);
    std::sort(v.begin(), v.end(),
              [&](uint32_t a, uint32_t b) { return book.orders[a].id < book.orders[b].id; });
    return v;
  };
  std::vector<uint32_t> buyers = by_id(Side::kBuy), sellers = by_id(Side::kSell);
  std::vector<Trade> trades;
  for (int64_t round = 0; round < rounds; ++round) {
    std::erase_if(buyers, [&](uint32_t i) { return left[i] == 0; });
    std::erase_if(sellers, [&](uint32_t i) { return left[i] == 0; });
    if (buyers.empty() || sellers.empty()) break;
    uint64_t state = seed ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(round + 1));
    auto shuffle = [&](std::vector<uint32_t>& v) {  // Fisher-Yates
      for (size_t k = v.size(); k > 1; --k) std::swap(v[k - 1], v[splitmix64_next(state) % k]);
    };
    shuffle(buyers);
    shuffle(sellers);
    for (size_t k = 0; k < std::min(buyers.size(), sellers.size()); ++k) {
      const uint32_t b = buyers[k], s = sellers[k];
      const Order &bo = book.orders[b], &so = book.orders[s];
      if (bo.price < so.price || same_owner(bo, so)) continue;
      const int64_t sum = bo.price.value() + so.price.value();  // both <= 1e12: no overflow
      const int64_t q = std::min(left[b], left[s]);
      trades.push_back(Trade{b, s, Energy(q), Price(sum - sum / 2), Price(sum / 2)});
      left[b] -= q;
      left[s] -= q;
    }
    // Restore id order so the next round's shuffle starts from a canonical list.
    std::sort(buyers.begin(), buyers.end(),
              [&](uint32_t a, uint32_t c) { return book.orders[a].id < book.orders[c].id; });
    std::sort(sellers.begin(), sellers.end(),
              [&](uint32_t a, uint32_t c) { return book.orders[a].id < book.orders[c].id; });
  }
  return make_clearing("random-pairs", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
