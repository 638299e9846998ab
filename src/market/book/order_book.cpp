#include "market/book/order_book.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace wattle::market {

namespace {
constexpr int kBid = static_cast<int>(Side::kBuy);
constexpr int kAsk = static_cast<int>(Side::kSell);
}  // namespace

OrderBook::OrderBook(PriceLadder ladder, uint32_t max_refs)
    : ladder_(std::move(ladder)), max_refs_(max_refs) {
  for (int s = 0; s < 2; ++s) {
    levels_[s].assign(ladder_.size(), Level{});
    occupied_[s] = LevelSet(ladder_.size());
  }
}

uint32_t OrderBook::alloc_node() {
  if (free_ != kNil) {
    uint32_t n = free_;
    free_ = nodes_[n].next;
    return n;
  }
  nodes_.push_back(Node{});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void OrderBook::free_node(uint32_t n) {
  slot_of_[nodes_[n].ref] = kNil;
  nodes_[n].next = free_;
  free_ = n;
  --live_;
}

void OrderBook::append(uint32_t n) {
  Node& node = nodes_[n];
  const int s = static_cast<int>(node.side);
  Level& lv = levels_[s][node.level];
  node.prev = lv.tail;
  node.next = kNil;
  if (lv.tail == kNil) {
    lv.head = n;
    occupied_[s].set(node.level);
    uint32_t& best = best_[s];
    if (best == kNil || (s == kBid ? node.level > best : node.level < best)) best = node.level;
  } else {
    nodes_[lv.tail].next = n;
  }
  lv.tail = n;
  slot_of_[node.ref] = n;
  ++live_;
}

void OrderBook::unlink(uint32_t n) {
  const Node& node = nodes_[n];
  const int s = static_cast<int>(node.side);
  Level& lv = levels_[s][node.level];
  (node.prev == kNil ? lv.head : nodes_[node.prev].next) = node.next;
  (node.next == kNil ? lv.tail : nodes_[node.next].prev) = node.prev;
  if (lv.head != kNil) return;
  occupied_[s].reset(node.level);
  if (best_[s] == node.level)
    best_[s] = s == kBid ? occupied_[s].prev_at_or_below(node.level)
                         : occupied_[s].next_at_or_above(node.level);
}

Status OrderBook::add(uint32_t ref, Side side, Price limit, Energy energy,
                      std::vector<Trade>* trades) {
  if (energy.value() <= 0) return Status(Code::kInvalidArgument, "order energy must be > 0");
  if (ref >= max_refs_)
    return Status(Code::kInvalidArgument, "order ref " + std::to_string(ref) + " over the maximum");
  auto level = ladder_.level_of(limit);
  if (!level)
    return Status(Code::kInvalidArgument,
                  "price " + std::to_string(limit.value()) + " is not on the book's price ladder");
  if (resting(ref))
    return Status(Code::kDuplicate, "order ref " + std::to_string(ref) + " resting");
  if (ref >= slot_of_.size()) slot_of_.resize(std::max<size_t>(ref + 1, slot_of_.size() * 2), kNil);

  const int s = static_cast<int>(side);
  const int other = 1 - s;
  int64_t left = energy.value();
  // Cross while the best opposite level is at or better than our limit.
  while (left > 0) {
    const uint32_t best = best_[other];
    if (best == kNil || (s == kBid ? best > *level : best < *level)) break;
    const uint32_t n = levels_[other][best].head;
    Node& resting_node = nodes_[n];
    const int64_t q = std::min(left, resting_node.remaining);
    const Price p = ladder_.price_at(best);
    if (s == kBid)
      trades->push_back(Trade{ref, resting_node.ref, Energy(q), p, p});
    else
      trades->push_back(Trade{resting_node.ref, ref, Energy(q), p, p});
    left -= q;
    resting_node.remaining -= q;
    if (resting_node.remaining == 0) {
      unlink(n);
      free_node(n);
    }
  }
  if (left > 0) {
    const uint32_t n = alloc_node();
    nodes_[n] = Node{left, ref, *level, kNil, kNil, side};
    append(n);
  }
  assert(best_[kBid] == kNil || best_[kAsk] == kNil || best_[kBid] < best_[kAsk]);
  return Status::ok();
}

Status OrderBook::cancel(uint32_t ref) {
  if (!resting(ref))
    return Status(Code::kNotFound, "order ref " + std::to_string(ref) + " is not resting");
  const uint32_t n = slot_of_[ref];
  unlink(n);
  free_node(n);
  return Status::ok();
}

Energy OrderBook::remaining(uint32_t ref) const {
  return resting(ref) ? Energy(nodes_[slot_of_[ref]].remaining) : Energy(0);
}

std::optional<Price> OrderBook::best_bid() const {
  if (best_[kBid] == kNil) return std::nullopt;
  return ladder_.price_at(best_[kBid]);
}

std::optional<Price> OrderBook::best_ask() const {
  if (best_[kAsk] == kNil) return std::nullopt;
  return ladder_.price_at(best_[kAsk]);
}

std::vector<OrderBook::Resting> OrderBook::snapshot(Side side) const {
  std::vector<Resting> out;
  const int s = static_cast<int>(side);
  uint32_t lvl = best_[s];
  while (lvl != kNil) {
    for (uint32_t n = levels_[s][lvl].head; n != kNil; n = nodes_[n].next)
      out.push_back(
          Resting{nodes_[n].ref, side, ladder_.price_at(lvl), Energy(nodes_[n].remaining)});
    if (s == kBid) {
      lvl = lvl == 0 ? kNil : occupied_[s].prev_at_or_below(lvl - 1);
    } else {
      lvl = occupied_[s].next_at_or_above(lvl + 1);
    }
  }
  return out;
}

}  // namespace wattle::market
