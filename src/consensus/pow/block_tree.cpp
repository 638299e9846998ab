#include "consensus/pow/block_tree.h"

#include <algorithm>

#include "consensus/pow/target.h"

namespace wattle::consensus::pow {

BlockTree::BlockTree(const PowParams& params, const PowBlock& genesis, PowMutation mutation)
    : params_(params), mutation_(mutation) {
  TreeEntry& g = insert(genesis.header, nullptr);
  g.has_body = g.connectable = true;
  g.body = genesis.body;
  genesis_ = best_ = best_header_ = &g;
}

const TreeEntry* BlockTree::find(const Hash256& hash) const {
  auto it = entries_.find(hash);
  return it == entries_.end() ? nullptr : it->second.get();
}

TreeEntry& BlockTree::insert(const PowHeader& h, const TreeEntry* parent) {
  auto e = std::make_unique<TreeEntry>();
  e->header = h;
  e->hash = h.hash();
  e->parent = parent;
  const U256 work = block_work(decode_compact(h.bits).value_or(U256::max()));
  e->chainwork = parent ? parent->chainwork.saturating_add(work) : work;
  e->seen = next_seen_++;
  e->invalid = parent && parent->invalid;
  TreeEntry& ref = *e;
  entries_.emplace(ref.hash, std::move(e));
  if (parent) children_.emplace(parent->hash, &ref);
  if (best_header_ && !ref.invalid && ref.chainwork > best_header_->chainwork) best_header_ = &ref;
  return ref;
}

std::optional<Refusal> BlockTree::check(const PowHeader& h, uint64_t now_ms) const {
  const Hash256 hash = h.hash();
  if (find(hash)) return Refusal::kDuplicate;
  const TreeEntry* parent = find(h.prev);
  if (!parent) return Refusal::kUnknownParent;
  if (parent->invalid) return Refusal::kInvalidBlock;
  if (h.height != parent->header.height + 1) return Refusal::kBadHeight;
  if (h.bits != next_bits(*parent)) return Refusal::kBadBits;
  auto target = decode_compact(h.bits);
  if (!target || !meets_target(hash, *target)) return Refusal::kHighHash;
  if (h.time_ms <= median_time_past(*parent)) return Refusal::kTimeTooOld;
  if (h.time_ms > now_ms + params_.max_future_ms) return Refusal::kTimeTooNew;
  return std::nullopt;
}

std::optional<Refusal> BlockTree::add_header(const PowHeader& h, uint64_t now_ms, uint32_t source) {
  if (auto r = check(h, now_ms)) return r;
  insert(h, find(h.prev)).source = source;
  return std::nullopt;
}

void BlockTree::add_body(const Hash256& hash, Bytes body) {
  auto it = entries_.find(hash);
  if (it == entries_.end() || it->second->has_body) return;
  TreeEntry& e = *it->second;
  e.has_body = true;
  e.body = std::move(body);
  if (!e.parent || !e.parent->connectable) return;
  // The new body may complete a run of descendants that already had theirs.
  std::vector<TreeEntry*> todo{&e};
  while (!todo.empty()) {
    TreeEntry* cur = todo.back();
    todo.pop_back();
    cur->connectable = true;
    consider(*cur);
    auto [lo, hi] = children_.equal_range(cur->hash);
    for (auto c = lo; c != hi; ++c)
      if (c->second->has_body && !c->second->connectable) todo.push_back(c->second);
  }
}

// Strictly more work replaces the best; equal work keeps the one seen first,
// which the current best is (it was chosen when it arrived, or by rechoose_best).
void BlockTree::consider(const TreeEntry& e) {
  if (mutation_ == PowMutation::kNoReorg && e.parent != best_) return;
  if (e.connectable && !e.invalid && e.chainwork > best_->chainwork) best_ = &e;
}

void BlockTree::mark_invalid(const Hash256& hash) {
  auto it = entries_.find(hash);
  if (it == entries_.end() || it->second.get() == genesis_) return;
  std::vector<TreeEntry*> todo{it->second.get()};
  while (!todo.empty()) {
    TreeEntry* cur = todo.back();
    todo.pop_back();
    cur->invalid = true;
    auto [lo, hi] = children_.equal_range(cur->hash);
    for (auto c = lo; c != hi; ++c) todo.push_back(c->second);
  }
  if (best_->invalid || best_header_->invalid) rechoose_best();
}

void BlockTree::rechoose_best() {
  best_ = best_header_ = genesis_;
  auto better = [](const TreeEntry& e, const TreeEntry* than) {
    return e.chainwork > than->chainwork || (e.chainwork == than->chainwork && e.seen < than->seen);
  };
  for (const auto& [hash, e] : entries_) {
    if (e->invalid) continue;
    if (better(*e, best_header_)) best_header_ = e.get();
    if (e->connectable && better(*e, best_)) best_ = e.get();
  }
}

uint32_t BlockTree::next_bits(const TreeEntry& parent) const {
  const uint64_t height = parent.header.height + 1;
  const uint32_t n = params_.retarget_blocks;
  if (height % n != 0) return parent.header.bits;
  // The window is blocks height-n .. height-1: n-1 intervals between its
  // first and last timestamps (Bitcoin measures n-1 intervals against n; we
  // compare like with like).
  const TreeEntry* first = ancestor(parent, height - n);
  const uint64_t actual = parent.header.time_ms > first->header.time_ms
                              ? parent.header.time_ms - first->header.time_ms
                              : 0;
  return retarget(parent.header.bits, actual, params_.target_block_ms * (n - 1), params_);
}

uint64_t BlockTree::median_time_past(const TreeEntry& e) const {
  std::vector<uint64_t> times;
  for (const TreeEntry* cur = &e; cur && times.size() < params_.mtp_window; cur = cur->parent)
    times.push_back(cur->header.time_ms);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

const TreeEntry* BlockTree::ancestor(const TreeEntry& e, uint64_t height) const {
  const TreeEntry* cur = &e;
  while (cur && cur->header.height > height) cur = cur->parent;
  return cur;
}

const TreeEntry& BlockTree::fork_point(const TreeEntry& a, const TreeEntry& b) const {
  const TreeEntry* x = ancestor(a, std::min(a.header.height, b.header.height));
  const TreeEntry* y = ancestor(b, std::min(a.header.height, b.header.height));
  while (x != y) {
    x = x->parent;
    y = y->parent;
  }
  return *x;
}

std::vector<Hash256> BlockTree::locator() const {
  std::vector<Hash256> out;
  uint64_t step = 1;
  const TreeEntry* cur = best_;
  while (cur) {
    out.push_back(cur->hash);
    if (out.size() >= 10) step *= 2;
    const uint64_t h = cur->header.height;
    cur = h == 0 ? nullptr : ancestor(*cur, h > step ? h - step : 0);
  }
  return out;
}

bool BlockTree::on_best_chain(const TreeEntry& e) const {
  return ancestor(*best_, e.header.height) == &e;
}

}  // namespace wattle::consensus::pow
