#include "market/mechanisms/stable.h"

#include <algorithm>
#include <bit>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "market/clearing/clearing_builder.h"

namespace wattle::market {

namespace {

constexpr int64_t kMillionths = 1'000'000;

// floor(sqrt(v)), digit by digit from the highest even bit of v.
uint64_t isqrt(uint64_t v) {
  if (v == 0) return 0;
  uint64_t r = 0, bit = uint64_t{1} << ((std::bit_width(v) - 1) & ~1);
  while (bit != 0) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

struct Matcher {
  const Book& book;
  StableWeights w;
  bool buyers_propose = true;
  size_t list_len = 64;
  int64_t refills = 4;
  std::vector<uint32_t> id_rank;  // per order: rank of its id among all ids

  const Order& at(uint32_t i) const { return book.orders[i]; }
  // The receiver's part of a proposer's score that does not depend on the proposer.
  __int128 base(uint32_t r) const {
    const Order& o = at(r);
    if (buyers_propose)
      return static_cast<__int128>(w.price) * o.price.value() +
             static_cast<__int128>(w.green) * (100 - o.green_pct.value_or(0));
    return -static_cast<__int128>(w.price) * o.price.value();
  }
  bool price_ok(uint32_t p, uint32_t r) const {
    return buyers_propose ? at(p).price >= at(r).price : at(r).price >= at(p).price;
  }
  bool same_owner(uint32_t p, uint32_t r) const {
    return !at(p).owner.empty() && at(p).owner == at(r).owner;
  }
  // One owner's orders never trade with each other (book.h).
  bool acceptable(uint32_t p, uint32_t r) const { return price_ok(p, r) && !same_owner(p, r); }
};

// Uniform grid over the located receivers, about 4 per cell.
struct Grid {
  int64_t x0 = 0, y0 = 0, cell = 1, nx = 0, ny = 0;
  std::vector<std::vector<uint32_t>> cells;  // row-major, each in id-rank order

  Grid(const Matcher& m, const std::vector<uint32_t>& receivers_by_id) {
    std::vector<uint32_t> located;
    for (uint32_t r : receivers_by_id)
      if (m.at(r).location) located.push_back(r);
    if (located.empty()) return;
    int64_t x1 = m.at(located[0]).location->x, y1 = m.at(located[0]).location->y;
    x0 = x1;
    y0 = y1;
    for (uint32_t r : located) {
      const Location& l = *m.at(r).location;
      x0 = std::min(x0, l.x), x1 = std::max(x1, l.x);
      y0 = std::min(y0, l.y), y1 = std::max(y1, l.y);
    }
    const int64_t wdt = x1 - x0 + 1, hgt = y1 - y0 + 1;
    const int64_t target = std::max<int64_t>(1, static_cast<int64_t>(located.size()) / 4);
    // Smallest cell side giving at most `target` cells.
    int64_t lo = 1, hi = std::max(wdt, hgt);
    while (lo < hi) {
      const int64_t c = lo + (hi - lo) / 2;
      const __int128 n = static_cast<__int128>((wdt + c - 1) / c) * ((hgt + c - 1) / c);
      if (n <= target)
        hi = c;
      else
        lo = c + 1;
    }
    cell = lo;
    nx = (wdt + cell - 1) / cell;
    ny = (hgt + cell - 1) / cell;
    cells.resize(static_cast<size_t>(nx * ny));
    for (uint32_t r : located) {
      const Location& l = *m.at(r).location;
      cells[static_cast<size_t>((l.y - y0) / cell * nx + (l.x - x0) / cell)].push_back(r);
    }
  }

  // The up to `want` nearest acceptable receivers of p (squared distance,
  // then id rank), examining at most `budget` receivers, rings outward from
  // p's cell.
  std::vector<uint32_t> nearest(const Matcher& m, uint32_t p, size_t want, size_t budget) const {
    std::vector<std::tuple<int64_t, uint32_t, uint32_t>> heap;  // max-heap
    if (cells.empty() || !m.at(p).location) return {};
    const Location& pl = *m.at(p).location;
    const int64_t cx = std::clamp<int64_t>((pl.x - x0) / cell, 0, nx - 1);
    const int64_t cy = std::clamp<int64_t>((pl.y - y0) / cell, 0, ny - 1);
    size_t examined = 0;
    auto visit = [&](int64_t x, int64_t y) {
      if (x < 0 || y < 0 || x >= nx || y >= ny) return;
      for (uint32_t r : cells[static_cast<size_t>(y * nx + x)]) {
        if (examined++ >= budget) return;
        if (!m.acceptable(p, r)) continue;
        const Location& rl = *m.at(r).location;
        const int64_t dx = rl.x - pl.x, dy = rl.y - pl.y;  // squared: no square root needed
        heap.emplace_back(dx * dx + dy * dy, m.id_rank[r], r);
        std::push_heap(heap.begin(), heap.end());
        if (heap.size() > want) {
          std::pop_heap(heap.begin(), heap.end());
          heap.pop_back();
        }
      }
    };
    const int64_t rings = std::max(nx, ny);
    for (int64_t k = 0; k <= rings && examined < budget; ++k) {
      // Every point of ring k is at least (k - 1) cells away from p.
      const int64_t gap = (k - 1) * cell;
      if (heap.size() == want && k > 0 && gap * gap > std::get<0>(heap.front())) break;
      if (k == 0) {
        visit(cx, cy);
        continue;
      }
      for (int64_t d = -k; d <= k; ++d) visit(cx + d, cy - k), visit(cx + d, cy + k);
      for (int64_t d = -k + 1; d <= k - 1; ++d) visit(cx - k, cy + d), visit(cx + k, cy + d);
    }
    std::vector<uint32_t> out;
    for (const auto& e : heap) out.push_back(std::get<2>(e));
    return out;
  }
};

// Each proposer's bounded preference list, best first (see stable.h).
std::vector<std::vector<uint32_t>> build_lists(const Matcher& m,
                                               const std::vector<uint32_t>& proposers,
                                               const std::vector<uint32_t>& receivers) {
  std::vector<std::vector<uint32_t>> lists(proposers.size());
  // Sweep: proposers from the least to the most accommodating limit, so the
  // acceptable receivers only grow; the set orders them by base score.
  auto looser = [&](uint32_t a, uint32_t b) {  // a accepts fewer receivers than b
    if (m.at(a).price != m.at(b).price)
      return m.buyers_propose ? m.at(a).price < m.at(b).price : m.at(a).price > m.at(b).price;
    return m.id_rank[a] < m.id_rank[b];
  };
  std::vector<size_t> by_limit(proposers.size());
  for (size_t k = 0; k < by_limit.size(); ++k) by_limit[k] = k;
  std::sort(by_limit.begin(), by_limit.end(),
            [&](size_t a, size_t b) { return looser(proposers[a], proposers[b]); });
  std::vector<uint32_t> recv = receivers;
  std::sort(recv.begin(), recv.end(), [&](uint32_t a, uint32_t b) {
    if (m.at(a).price != m.at(b).price)
      return m.buyers_propose ? m.at(a).price < m.at(b).price : m.at(a).price > m.at(b).price;
    return m.id_rank[a] < m.id_rank[b];
  });
  std::set<std::tuple<__int128, uint32_t, uint32_t>> open;  // (base, id rank, index)
  size_t next = 0;
  const bool by_distance = m.w.distance > 0;
  const Grid grid = by_distance ? Grid(m, receivers) : Grid(m, {});
  for (size_t k : by_limit) {
    const uint32_t p = proposers[k];
    while (next < recv.size() && m.price_ok(p, recv[next])) {
      open.emplace(m.base(recv[next]), m.id_rank[recv[next]], recv[next]);
      ++next;
    }
    std::vector<uint32_t> cand;
    for (auto it = open.begin(); it != open.end() && cand.size() < m.list_len; ++it)
      if (!m.same_owner(p, std::get<2>(*it))) cand.push_back(std::get<2>(*it));
    if (by_distance) {
      const std::vector<uint32_t> near = grid.nearest(m, p, m.list_len, 8 * m.list_len);
      cand.insert(cand.end(), near.begin(), near.end());
    }
    std::vector<std::tuple<__int128, uint32_t, uint32_t>> scored;
    for (uint32_t r : cand)
      scored.emplace_back(preference_score(m.at(p), m.at(r), m.w), m.id_rank[r], r);
    std::sort(scored.begin(), scored.end());
    scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
    if (scored.size() > m.list_len) scored.resize(m.list_len);
    for (const auto& s : scored) lists[k].push_back(std::get<2>(s));
  }
  return lists;
}

// Further candidates for a proposer that has used up its list, in chunks of
// kChunk x list_len receivers walked in base-score order from the proposer's
// cursor (each chunk counts as one refill): the first list_len acceptable
// receivers whose (score, id rank) comes after `after`, best first by full
// score. With w_distance = 0 the score is the base score, so successive
// refills continue the exact preference order. Advances `cursor`.
constexpr size_t kChunk = 16;

std::vector<uint32_t> fetch_more(const Matcher& m, uint32_t p, const std::vector<uint32_t>& by_base,
                                 std::pair<__int128, uint32_t> after, size_t& cursor,
                                 int64_t& refills_left) {
  std::vector<std::tuple<__int128, uint32_t, uint32_t>> found;
  while (found.empty() && refills_left > 0 && cursor < by_base.size()) {
    --refills_left;
    const size_t end = std::min(by_base.size(), cursor + kChunk * m.list_len);
    for (; cursor < end && found.size() < m.list_len; ++cursor) {
      const uint32_t r = by_base[cursor];
      if (!m.acceptable(p, r)) continue;
      const __int128 score = preference_score(m.at(p), m.at(r), m.w);
      if (std::pair(score, m.id_rank[r]) <= after) continue;
      found.emplace_back(score, m.id_rank[r], r);
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<uint32_t> out;
  for (const auto& f : found) out.push_back(std::get<2>(f));
  return out;
}

}  // namespace

int64_t distance_m(const Order& a, const Order& b) {
  if (!a.location || !b.location) return 0;
  const uint64_t dx = static_cast<uint64_t>(std::abs(a.location->x - b.location->x));
  const uint64_t dy = static_cast<uint64_t>(std::abs(a.location->y - b.location->y));
  return static_cast<int64_t>(isqrt(dx * dx + dy * dy));
}

__int128 preference_score(const Order& self, const Order& other, const StableWeights& w) {
  const __int128 dist =
      w.distance == 0 ? 0 : static_cast<__int128>(w.distance) * distance_m(self, other);
  if (self.side == Side::kBuy)
    return static_cast<__int128>(w.price) * other.price.value() + dist +
           static_cast<__int128>(w.green) * (100 - other.green_pct.value_or(0));
  return -static_cast<__int128>(w.price) * other.price.value() + dist;
}

namespace {

// Ranks every order by id into m.id_rank and splits them, in id order, into
// proposers and receivers.
void rank_and_split(Matcher& m, std::vector<uint32_t>& proposers,
                    std::vector<uint32_t>& receivers) {
  const Book& book = m.book;
  const uint32_t n = static_cast<uint32_t>(book.orders.size());
  std::vector<uint32_t> by_id(n);
  for (uint32_t i = 0; i < n; ++i) by_id[i] = i;
  std::sort(by_id.begin(), by_id.end(),
            [&](uint32_t a, uint32_t b) { return book.orders[a].id < book.orders[b].id; });
  m.id_rank.resize(n);
  for (uint32_t r = 0; r < n; ++r) m.id_rank[by_id[r]] = r;
  const Side proposing = m.buyers_propose ? Side::kBuy : Side::kSell;
  for (uint32_t i : by_id) (book.orders[i].side == proposing ? proposers : receivers).push_back(i);
}

// Receivers by base score, for fetching further candidates (fetch_more).
std::vector<uint32_t> receivers_by_base(const Matcher& m, const std::vector<uint32_t>& receivers) {
  std::vector<uint32_t> by_base = receivers;
  std::sort(by_base.begin(), by_base.end(), [&](uint32_t a, uint32_t b) {
    const __int128 x = m.base(a), y = m.base(b);
    return x != y ? x < y : m.id_rank[a] < m.id_rank[b];
  });
  return by_base;
}

// Deferred acceptance with quantities. held[r]: the offers r keeps, keyed
// by r's score of the proposer (worst last), each (proposer index, Wh).
class Acceptance {
 public:
  using Key = std::pair<__int128, uint32_t>;
  using Held = std::vector<std::map<Key, std::pair<size_t, int64_t>>>;

  Acceptance(const Matcher& m, const std::vector<uint32_t>& proposers,
             std::vector<std::vector<uint32_t>> lists, std::vector<uint32_t> by_base)
      : m_(m),
        book_(m.book),
        proposers_(proposers),
        lists_(std::move(lists)),
        by_base_(std::move(by_base)),
        held_(book_.orders.size()),
        held_wh_(book_.orders.size(), 0),
        rem_(proposers.size()),
        ptr_(proposers.size(), 0),
        queued_(proposers.size(), true),
        exhausted_(proposers.size(), false),
        cursor_(proposers.size(), SIZE_MAX),
        refills_left_(proposers.size(), m.refills) {}

  // Every proposer proposes until it placed all its energy or ran out of
  // candidates; returns what each receiver holds at the end.
  Held run() {
    for (size_t p = 0; p < proposers_.size(); ++p) {
      rem_[p] = book_.orders[proposers_[p]].energy.value();
      queue_.push_back(p);
    }
    while (!queue_.empty()) {
      const size_t p = queue_.front();
      queue_.pop_front();
      queued_[p] = false;
      propose(p);
    }
    return std::move(held_);
  }

 private:
  // p offers its remaining energy down its list.
  void propose(size_t p) {
    while (rem_[p] > 0 && (ptr_[p] < lists_[p].size() || refill(p))) {
      const uint32_t r = lists_[p][ptr_[p]];
      const Key key{preference_score(book_.orders[r], book_.orders[proposers_[p]], m_.w),
                    m_.id_rank[proposers_[p]]};
      // p may already hold energy at r (r never rejected it) and now offers
      // more, after an earlier receiver rejected some: the offers merge.
      held_[r].try_emplace(key, p, 0).first->second.second += rem_[p];
      held_wh_[r] += rem_[p];
      rem_[p] = 0;
      reject_excess(r, p);
    }
  }

  // r rejects Wh from its least preferred offers until it holds no more than
  // its order's energy; each rejected proposer other than p queues again.
  void reject_excess(uint32_t r, size_t p) {
    const int64_t cap = book_.orders[r].energy.value();
    while (held_wh_[r] > cap) {
      auto worst = std::prev(held_[r].end());
      const size_t q = worst->second.first;
      const int64_t cut = std::min(held_wh_[r] - cap, worst->second.second);
      worst->second.second -= cut;
      held_wh_[r] -= cut;
      rem_[q] += cut;
      if (worst->second.second == 0) held_[r].erase(worst);
      if (ptr_[q] < lists_[q].size() && lists_[q][ptr_[q]] == r) ++ptr_[q];  // r rejected q
      if (q != p && !queued_[q]) {
        queued_[q] = true;
        queue_.push_back(q);
      }
    }
  }

  // A proposer still short of energy at the end of its list fetches the next
  // list_len candidates after its last one, replacing the list (bounded memory).
  bool refill(size_t p) {
    if (exhausted_[p]) return false;
    if (lists_[p].empty()) {
      exhausted_[p] = true;
      return false;
    }
    const uint32_t last = lists_[p].back();
    const std::pair<__int128, uint32_t> after{
        preference_score(book_.orders[proposers_[p]], book_.orders[last], m_.w), m_.id_rank[last]};
    if (cursor_[p] == SIZE_MAX) {
      // Start where the base score reaches the last candidate's: receivers
      // before it cannot come later in an exact (distance-free) order.
      cursor_[p] = static_cast<size_t>(
          std::lower_bound(by_base_.begin(), by_base_.end(), after,
                           [&](uint32_t r, const std::pair<__int128, uint32_t>& key) {
                             return std::pair(m_.base(r), m_.id_rank[r]) < key;
                           }) -
          by_base_.begin());
    }
    lists_[p] = fetch_more(m_, proposers_[p], by_base_, after, cursor_[p], refills_left_[p]);
    ptr_[p] = 0;
    if (lists_[p].empty()) exhausted_[p] = true;
    return !lists_[p].empty();
  }

  const Matcher& m_;
  const Book& book_;
  const std::vector<uint32_t>& proposers_;
  std::vector<std::vector<uint32_t>> lists_;
  std::vector<uint32_t> by_base_;
  Held held_;
  std::vector<int64_t> held_wh_;
  std::vector<int64_t> rem_;
  std::vector<size_t> ptr_;
  std::vector<bool> queued_;
  std::deque<size_t> queue_;
  std::vector<bool> exhausted_;
  std::vector<size_t> cursor_;  // into by_base_; set at first refill
  std::vector<int64_t> refills_left_;
};

// Each held offer as a trade at the pair's price, sp + k * (bp - sp), in id
// order of buyer then seller.
Result<std::vector<Trade>> price_pairs(const Matcher& m, const std::vector<uint32_t>& proposers,
                                       const std::vector<uint32_t>& receivers,
                                       const Acceptance::Held& held, int64_t k) {
  const Book& book = m.book;
  std::vector<Trade> trades;
  for (uint32_t r : receivers)
    for (const auto& [key, offer] : held[r]) {
      const uint32_t p = proposers[offer.first];
      const uint32_t b = m.buyers_propose ? p : r, s = m.buyers_propose ? r : p;
      const Price bp = book.orders[b].price, sp = book.orders[s].price;
      const auto gap = mul_div_floor(bp.value() - sp.value(), k, kMillionths);
      if (!gap) return Status(Code::kOverflow, "pair price overflows");
      const Price price(sp.value() + *gap);
      trades.push_back(Trade{b, s, Energy(offer.second), price, price});
    }
  std::sort(trades.begin(), trades.end(), [&](const Trade& x, const Trade& y) {
    return std::pair(m.id_rank[x.buy], m.id_rank[x.sell]) <
           std::pair(m.id_rank[y.buy], m.id_rank[y.sell]);
  });
  return trades;
}

}  // namespace

Result<Clearing> clear_stable(const Book& book, const Params& params) {
  const StableWeights defaults;
  Matcher m{book,
            {params.get("w_price", defaults.price), params.get("w_distance", defaults.distance),
             params.get("w_green", defaults.green)},
            params.get("proposer", 0) == 0,
            static_cast<size_t>(std::max<int64_t>(1, params.get("list_len", 64))),
            std::max<int64_t>(0, params.get("refills", 4)),
            {}};
  const int64_t k = params.get("k", 500'000);
  if (k < 0 || k > kMillionths) return Status(Code::kInvalidArgument, "k must be in 0..1000000");
  if (m.w.price < 0 || m.w.distance < 0 || m.w.green < 0)
    return Status(Code::kInvalidArgument, "weights must be >= 0");

  std::vector<uint32_t> proposers, receivers;  // in id order
  rank_and_split(m, proposers, receivers);
  // Memory bound: every proposer holds at most list_len candidates at a time.
  if (static_cast<__int128>(m.list_len) * proposers.size() > kMaxListEntries)
    return Status(Code::kInvalidArgument, "parameter \"list_len\" = " + std::to_string(m.list_len) +
                                              ": " + std::to_string(proposers.size()) +
                                              " proposers' lists would pass the bound of " +
                                              std::to_string(kMaxListEntries) + " entries");
  std::vector<std::vector<uint32_t>> lists = build_lists(m, proposers, receivers);
  Acceptance da(m, proposers, std::move(lists), receivers_by_base(m, receivers));
  auto trades = price_pairs(m, proposers, receivers, da.run(), k);
  if (!trades) return trades.status();
  return make_clearing("stable", book, std::move(*trades), std::nullopt);
}

}  // namespace wattle::market
