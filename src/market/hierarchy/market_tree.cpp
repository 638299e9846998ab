#include "market/hierarchy/market_tree.h"

#include <algorithm>
#include <numeric>

#include "market/registry.h"

namespace wattle::market {

namespace {

// The error of market `index`'s `key`, recorded in `fault` when asked for.
Status bad(const MarketTree& tree, uint32_t index, const std::string& key, const std::string& why,
           TreeFault* fault) {
  if (fault) *fault = TreeFault{index, key};
  return Status(Code::kInvalidArgument,
                "markets[" + tree.nodes[index].name + "]: \"" + key + "\" " + why);
}

// Markets from `m` up to the root, `m` first.
std::vector<uint32_t> path_up(const MarketTree& tree, uint32_t m) {
  std::vector<uint32_t> path{m};
  while (auto p = tree.parent_of(path.back())) path.push_back(*p);
  return path;
}

// Fees of the markets of `path` before `stop` (all of them when `stop` is
// not on it), `energy` crossing each.
void add_fees(const MarketTree& tree, const std::vector<uint32_t>& path,
              std::optional<uint32_t> stop, Energy energy, std::vector<LevelFee>& out) {
  for (uint32_t m : path) {
    if (stop && m == *stop) return;
    const __int128 fee =
        (static_cast<__int128>(energy.value()) * tree.nodes[m].grid_fee + 999) / 1000;
    if (fee > 0) out.push_back(LevelFee{m, Money(static_cast<int64_t>(fee))});
  }
}

}  // namespace

std::optional<uint32_t> MarketTree::find(const std::string& name) const {
  for (uint32_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == name) return i;
  return std::nullopt;
}

std::optional<uint32_t> MarketTree::parent_of(uint32_t market) const {
  if (nodes[market].parent.empty()) return std::nullopt;
  return find(nodes[market].parent);
}

bool MarketTree::is_leaf(uint32_t market) const {
  for (const MarketNode& n : nodes)
    if (n.parent == nodes[market].name) return false;
  return true;
}

Status validate(const MarketTree& tree, TreeFault* fault) {
  if (tree.nodes.empty()) return Status(Code::kInvalidArgument, "markets: none declared");
  if (tree.nodes.size() > kMaxMarkets)
    return Status(Code::kInvalidArgument,
                  "markets: more than " + std::to_string(kMaxMarkets) + " declared");
  size_t roots = 0;
  for (uint32_t i = 0; i < tree.nodes.size(); ++i) {
    const MarketNode& n = tree.nodes[i];
    if (n.name.empty() || n.name.size() > 64)
      return bad(tree, i, "name", "must have 1..64 characters", fault);
    if (tree.find(n.name) != i) return bad(tree, i, "name", "is declared twice", fault);
    if (n.parent.empty()) {
      if (++roots > 1)
        return bad(tree, i, "parent", "is missing: a second root (one market has none)", fault);
    } else if (!tree.find(n.parent)) {
      return bad(tree, i, "parent", "names an unknown market \"" + n.parent + "\"", fault);
    }
    if (n.grid_fee < 0 || n.grid_fee > kMaxTariff)
      return bad(tree, i, "grid_fee", "must be 0.." + std::to_string(kMaxTariff), fault);
    if (Status st = clear(n.mechanism, Book{}, n.params).status(); !st)
      return bad(tree, i, find_mechanism(n.mechanism) ? "params" : "mechanism",
                 "refused by the market library: " + st.message(), fault);
  }
  if (roots == 0)
    return Status(Code::kInvalidArgument, "markets: no root (every market has a parent)");
  for (uint32_t i = 0; i < tree.nodes.size(); ++i) {
    uint32_t at = i;
    for (size_t steps = 0; tree.parent_of(at); ++steps) {
      if (steps > tree.nodes.size()) return bad(tree, i, "parent", "forms a cycle", fault);
      at = *tree.parent_of(at);
    }
  }
  return Status::ok();
}

Result<TreeClearing> clear_tree(const MarketTree& tree, const Book& book,
                                const std::vector<uint32_t>& leaf_of) {
  const size_t n_markets = tree.nodes.size();
  if (leaf_of.size() != book.orders.size())
    return Status(Code::kInvalidArgument, "one market per order is needed");
  for (uint32_t m : leaf_of)
    if (m >= n_markets || !tree.is_leaf(m))
      return Status(Code::kInvalidArgument, "an order's market is not a leaf of the tree");
  std::vector<std::vector<uint32_t>> paths(n_markets);
  for (uint32_t m = 0; m < n_markets; ++m) paths[m] = path_up(tree, m);
  // Deepest first: a market clears after every child.
  std::vector<uint32_t> order(n_markets);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return paths[a].size() > paths[b].size(); });

  TreeClearing out;
  out.markets.resize(n_markets);
  std::vector<int64_t> left(book.orders.size());  // energy not yet matched
  std::vector<int64_t> amount(book.orders.size(), 0);
  for (size_t i = 0; i < left.size(); ++i) left[i] = book.orders[i].energy.value();
  // Orders in each market's book: a leaf's own, then what children pass up.
  std::vector<std::vector<uint32_t>> members(n_markets);
  for (uint32_t i = 0; i < leaf_of.size(); ++i) members[leaf_of[i]].push_back(i);
  __int128 fees_total = 0;
  for (uint32_t m : order) {
    std::vector<uint32_t>& in = members[m];
    std::sort(in.begin(), in.end());  // placement order, as one flat book would hold them
    MarketLevel& level = out.markets[m];
    Book sub;
    for (uint32_t i : in) {
      Order o = book.orders[i];
      o.energy = Energy(left[i]);
      level.offered = Energy(level.offered.value() + left[i]);
      sub.orders.push_back(std::move(o));
    }
    if (!sub.orders.empty()) {
      if (auto c = clear(tree.nodes[m].mechanism, sub, tree.nodes[m].params); c) {
        level.clearing_price = c->clearing_price;
        level.traded = c->totals.energy;
        level.surplus = c->totals.surplus;
        level.grid_net = c->totals.grid_net;
        for (const Fill& f : c->fills) {
          left[in[f.order]] -= f.energy.value();
          amount[in[f.order]] += f.amount.value();
        }
        for (const Trade& t : c->trades) {
          TreeTrade tt{t, m, {}};
          tt.trade.buy = t.buy == kGrid ? kGrid : in[t.buy];
          tt.trade.sell = t.sell == kGrid ? kGrid : in[t.sell];
          const std::optional<uint32_t> stop =
              t.buy == kGrid || t.sell == kGrid ? std::nullopt : std::optional<uint32_t>(m);
          if (tt.trade.buy != kGrid)
            add_fees(tree, paths[leaf_of[tt.trade.buy]], stop, t.energy, tt.fees);
          if (tt.trade.sell != kGrid)
            add_fees(tree, paths[leaf_of[tt.trade.sell]], stop, t.energy, tt.fees);
          for (const LevelFee& f : tt.fees) fees_total += f.amount.value();
          out.trades.push_back(std::move(tt));
        }
      }
    }
    const auto parent = tree.parent_of(m);
    for (uint32_t i : in) {
      if (left[i] <= 0) continue;
      if (!parent) continue;
      level.passed_up = Energy(level.passed_up.value() + left[i]);
      members[*parent].push_back(i);
    }
  }
  for (uint32_t i = 0; i < book.orders.size(); ++i) {
    const int64_t filled = book.orders[i].energy.value() - left[i];
    if (filled > 0) out.fills.push_back(Fill{i, Energy(filled), Money(amount[i])});
  }
  out.fees_total = Money(static_cast<int64_t>(fees_total));
  return out;
}

}  // namespace wattle::market
