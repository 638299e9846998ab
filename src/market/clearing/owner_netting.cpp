#include "market/clearing/owner_netting.h"

#include <algorithm>
#include <bit>
#include <span>
#include <string_view>

namespace wattle::market {

namespace {

// FNV-1a folded to 32 bits; never 0 (0 marks an empty slot). A collision
// only adds candidates to the exact pass.
uint32_t owner_hash(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  const uint32_t f = static_cast<uint32_t>(h ^ (h >> 32));
  return f == 0 ? 1 : f;
}

uint8_t side_bit(const Order& o) {
  return o.side == Side::kBuy ? 1 : 2;
}

// The slot of `h` in the open-addressing table (linear probing).
size_t slot_of(const std::vector<uint32_t>& slots, uint32_t h) {
  const size_t mask = slots.size() - 1;
  size_t k = h & mask;
  while (slots[k] != 0 && slots[k] != h) k = (k + 1) & mask;
  return k;
}

// Nets one owner's orders `group` (ascending id): the smaller side's total is
// taken from each side in id order.
void net_group(const Book& book, std::span<const uint32_t> group, std::vector<int64_t>& energy) {
  int64_t total[2] = {0, 0};
  for (uint32_t i : group) total[book.orders[i].side == Side::kSell] += energy[i];
  int64_t cut[2] = {std::min(total[0], total[1]), std::min(total[0], total[1])};
  for (uint32_t i : group) {
    int64_t& c = cut[book.orders[i].side == Side::kSell];
    const int64_t take = std::min(c, energy[i]);
    energy[i] -= take;
    c -= take;
  }
}

}  // namespace

bool net_owners(const Book& book, std::vector<int64_t>& energy, NettingScratch& scratch) {
  const size_t n = book.orders.size();
  size_t owned = 0;
  for (size_t i = 0; i < n; ++i) owned += energy[i] > 0 && !book.orders[i].owner.empty();
  if (owned < 2) return false;  // books without owners pay one pass
  scratch.slots.assign(std::bit_ceil(std::max<size_t>(16, 2 * owned)), 0);
  scratch.sides.assign(scratch.slots.size(), 0);
  bool any_both = false;
  for (size_t i = 0; i < n; ++i) {
    const Order& o = book.orders[i];
    if (energy[i] <= 0 || o.owner.empty()) continue;
    const uint32_t h = owner_hash(o.owner);
    const size_t k = slot_of(scratch.slots, h);
    scratch.slots[k] = h;
    scratch.sides[k] |= side_bit(o);
    any_both = any_both || scratch.sides[k] == 3;
  }
  if (!any_both) return false;  // the common case: no owner on both sides
  std::vector<uint32_t>& both = scratch.both;
  both.clear();
  for (uint32_t i = 0; i < n; ++i) {
    const Order& o = book.orders[i];
    if (energy[i] <= 0 || o.owner.empty()) continue;
    if (scratch.sides[slot_of(scratch.slots, owner_hash(o.owner))] == 3) both.push_back(i);
  }
  // Exact names from here: a hash collision only adds candidates.
  std::sort(both.begin(), both.end(), [&](uint32_t a, uint32_t b) {
    const Order &x = book.orders[a], &y = book.orders[b];
    return x.owner != y.owner ? x.owner < y.owner : x.id < y.id;
  });
  bool netted = false;
  for (size_t lo = 0; lo < both.size();) {
    size_t hi = lo + 1;
    while (hi < both.size() && book.orders[both[hi]].owner == book.orders[both[lo]].owner) ++hi;
    int64_t before = 0, after = 0;
    for (size_t k = lo; k < hi; ++k) before += energy[both[k]];
    net_group(book, std::span<const uint32_t>(both).subspan(lo, hi - lo), energy);
    for (size_t k = lo; k < hi; ++k) after += energy[both[k]];
    netted = netted || after != before;
    lo = hi;
  }
  return netted;
}

}  // namespace wattle::market
