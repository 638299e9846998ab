#include "chain/state_tree.h"

#include <algorithm>
#include <cstring>

namespace wattle::chain {

Hash256 TreeNode::hash() const {
  uint8_t buf[65];
  buf[0] = static_cast<uint8_t>(kind);
  std::memcpy(buf + 1, a.bytes.data(), 32);
  std::memcpy(buf + 33, b.bytes.data(), 32);
  return blake2b256(ByteView(buf, sizeof buf));
}

void encode(Writer& w, const TreeNode& n) {
  w.u8(static_cast<uint8_t>(n.kind));
  encode(w, n.a);
  encode(w, n.b);
}

Status decode(Reader& r, TreeNode& n) {
  WATTLE_RETURN_IF_ERROR(r.enumeration(n.kind, static_cast<uint8_t>(TreeNode::Kind::kInternal)));
  WATTLE_RETURN_IF_ERROR(decode(r, n.a));
  return decode(r, n.b);
}

Result<TreeNode> MapNodes::node(const Hash256& hash) const {
  auto it = nodes.find(hash);
  if (it == nodes.end())
    return Status(Code::kCorruption, "state tree node " + hash.hex() + " missing");
  return it->second;
}

Result<TreeNode> HashNodes::node(const Hash256& hash) const {
  auto it = nodes_.find(hash);
  if (it == nodes_.end())
    return Status(Code::kCorruption, "state tree node " + hash.hex() + " missing");
  return it->second;
}

void HashNodes::apply(const TreeUpdate& update) {
  for (const Hash256& h : update.removed) nodes_.erase(h);
  for (const auto& [h, n] : update.added) nodes_.emplace(h, n);
}

namespace {

using Item = std::pair<Hash256, Hash256>;  // path, value hash
using Change = std::pair<Hash256, std::optional<Hash256>>;

// A subtree after an update: its hash and what it is. kUnknown is an
// untouched subtree whose kind is only read when a collapse needs it.
struct Sub {
  enum Kind { kEmpty, kLeaf, kInternal, kUnknown } kind = kEmpty;
  Hash256 hash;
};

class Updater {
 public:
  Updater(const NodeReader& nodes, TreeUpdate& out) : nodes_(nodes), out_(out) {}

  Result<Sub> update(const Hash256& hash, size_t depth, const Change* b, const Change* e) {
    if (b == e) return Sub{hash.is_zero() ? Sub::kEmpty : Sub::kUnknown, hash};
    if (depth >= kMaxProofDepth) return Status(Code::kInternal, "state tree deeper than 256 bits");
    std::vector<Item> items;
    if (hash.is_zero()) {
      for (const Change* c = b; c != e; ++c)
        if (c->second) items.emplace_back(c->first, *c->second);
      return build(depth, items.data(), items.data() + items.size());
    }
    auto n = nodes_.node(hash);
    if (!n) return n.status();
    removed_.push_back(hash);
    if (n->kind == TreeNode::Kind::kLeaf) {
      // Merge the existing leaf into the changes (a change to its path wins).
      bool overridden = false;
      for (const Change* c = b; c != e; ++c) {
        if (c->first == n->a) overridden = true;
        if (c->second) items.emplace_back(c->first, *c->second);
      }
      if (!overridden) {
        Item leaf{n->a, n->b};
        items.insert(std::lower_bound(items.begin(), items.end(), leaf), leaf);
      }
      return build(depth, items.data(), items.data() + items.size());
    }
    const Change* mid =
        std::partition_point(b, e, [&](const Change& c) { return path_bit(c.first, depth) == 0; });
    auto l = update(n->a, depth + 1, b, mid);
    if (!l) return l.status();
    auto r = update(n->b, depth + 1, mid, e);
    if (!r) return r.status();
    return join(*l, *r);
  }

  // The canonical subtree of `items` (sorted, distinct paths) at `depth`.
  Result<Sub> build(size_t depth, const Item* b, const Item* e) {
    if (b == e) return Sub{};
    if (e - b == 1) return add(TreeNode{TreeNode::Kind::kLeaf, b->first, b->second}, Sub::kLeaf);
    if (depth >= kMaxProofDepth) return Status(Code::kInternal, "duplicate path in state tree");
    const Item* mid =
        std::partition_point(b, e, [&](const Item& i) { return path_bit(i.first, depth) == 0; });
    auto l = build(depth + 1, b, mid);
    if (!l) return l.status();
    auto r = build(depth + 1, mid, e);
    if (!r) return r.status();
    return join(*l, *r);
  }

  void finish(const Sub& root) {
    out_.root = root.hash;
    // Collected in vectors and sorted once: inserting ~10^5 random hashes
    // one by one into a std::set / std::map cost a cache miss per tree
    // level and was most of update_tree's time at 10^6 keys.
    auto by_hash = [](const auto& x, const auto& y) { return x.first < y.first; };
    std::sort(added_.begin(), added_.end(), by_hash);
    added_.erase(std::unique(added_.begin(), added_.end(),
                             [](const auto& x, const auto& y) { return x.first == y.first; }),
                 added_.end());
    std::sort(removed_.begin(), removed_.end());
    removed_.erase(std::unique(removed_.begin(), removed_.end()), removed_.end());
    // A node both removed and re-added (a leaf that moved up or down, an
    // unchanged value) stays stored: it is in neither list.
    std::vector<bool> kept(added_.size(), true);
    size_t a = 0;
    for (const Hash256& h : removed_) {
      while (a < added_.size() && added_[a].first < h) ++a;
      if (a < added_.size() && added_[a].first == h) {
        kept[a] = false;
      } else {
        out_.removed.push_back(h);
      }
    }
    for (size_t i = 0; i < added_.size(); ++i)
      if (kept[i]) out_.added.emplace_hint(out_.added.end(), added_[i].first, added_[i].second);
  }

 private:
  Result<Sub> join(Sub l, Sub r) {
    // One leaf alone in a subtree moves up to the subtree's root.
    if (l.kind == Sub::kEmpty && r.kind == Sub::kEmpty) return Sub{};
    if (l.kind == Sub::kEmpty || r.kind == Sub::kEmpty) {
      Sub& other = l.kind == Sub::kEmpty ? r : l;
      if (other.kind == Sub::kUnknown) {
        auto n = nodes_.node(other.hash);
        if (!n) return n.status();
        other.kind = n->kind == TreeNode::Kind::kLeaf ? Sub::kLeaf : Sub::kInternal;
      }
      if (other.kind == Sub::kLeaf) return other;
    }
    return add(TreeNode{TreeNode::Kind::kInternal, l.hash, r.hash}, Sub::kInternal);
  }

  Sub add(const TreeNode& n, Sub::Kind kind) {
    Hash256 h = n.hash();
    added_.emplace_back(h, n);
    return Sub{kind, h};
  }

  const NodeReader& nodes_;
  TreeUpdate& out_;
  std::vector<Hash256> removed_;                     // each node read once: no duplicates
  std::vector<std::pair<Hash256, TreeNode>> added_;  // sorted and netted in finish()
};

}  // namespace

Result<TreeUpdate> update_tree(const NodeReader& nodes, const Hash256& root,
                               const TreeChanges& changes) {
  std::vector<Change> sorted(changes.begin(), changes.end());  // std::map: sorted by path
  TreeUpdate out;
  Updater u(nodes, out);
  auto sub = u.update(root, 0, sorted.data(), sorted.data() + sorted.size());
  if (!sub) return sub.status();
  u.finish(*sub);
  return out;
}

void encode(Writer& w, const StateProof& p) {
  w.u8(p.leaf ? 1 : 0);
  if (p.leaf) {
    encode(w, p.leaf->a);
    encode(w, p.leaf->b);
  }
  w.u32(static_cast<uint32_t>(p.siblings.size()));
  for (const Hash256& s : p.siblings) encode(w, s);
}

Status decode(Reader& r, StateProof& p) {
  uint8_t has_leaf = 0;
  WATTLE_RETURN_IF_ERROR(r.u8(has_leaf));
  if (has_leaf > 1) return Status(Code::kMalformed, "proof: bad leaf flag");
  p.leaf.reset();
  if (has_leaf) {
    TreeNode leaf;
    WATTLE_RETURN_IF_ERROR(decode(r, leaf.a));
    WATTLE_RETURN_IF_ERROR(decode(r, leaf.b));
    p.leaf = leaf;
  }
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxProofDepth, 32));
  p.siblings.assign(n, Hash256{});
  for (Hash256& s : p.siblings) WATTLE_RETURN_IF_ERROR(decode(r, s));
  return Status::ok();
}

Result<StateProof> prove(const NodeReader& nodes, const Hash256& root, const Hash256& path) {
  StateProof p;
  Hash256 h = root;
  while (!h.is_zero()) {
    auto n = nodes.node(h);
    if (!n) return n.status();
    if (n->kind == TreeNode::Kind::kLeaf) {
      p.leaf = *n;
      break;
    }
    if (p.siblings.size() >= kMaxProofDepth)
      return Status(Code::kCorruption, "state tree deeper than 256");
    bool right = path_bit(path, p.siblings.size());
    p.siblings.push_back(right ? n->a : n->b);
    h = right ? n->b : n->a;
  }
  return p;
}

Status verify_proof(const Hash256& root, const Hash256& path,
                    const std::optional<Hash256>& value_hash, const StateProof& proof) {
  const size_t depth = proof.siblings.size();
  if (depth > kMaxProofDepth) return Status(Code::kCorruption, "proof deeper than 256");
  if (value_hash) {
    if (!proof.leaf || proof.leaf->a != path)
      return Status(Code::kCorruption, "proof does not end at the key's leaf");
    if (proof.leaf->b != *value_hash)
      return Status(Code::kCorruption, "proof's leaf holds another value");
  } else if (proof.leaf) {
    if (proof.leaf->a == path)
      return Status(Code::kCorruption, "proof shows the key present, not absent");
    for (size_t d = 0; d < depth; ++d)
      if (path_bit(proof.leaf->a, d) != path_bit(path, d))
        return Status(Code::kCorruption, "proof's leaf is not on the key's path");
  }
  Hash256 cur;
  if (proof.leaf) cur = TreeNode{TreeNode::Kind::kLeaf, proof.leaf->a, proof.leaf->b}.hash();
  for (size_t i = depth; i-- > 0;) {
    cur = path_bit(path, i) ? TreeNode{TreeNode::Kind::kInternal, proof.siblings[i], cur}.hash()
                            : TreeNode{TreeNode::Kind::kInternal, cur, proof.siblings[i]}.hash();
  }
  if (cur != root) return Status(Code::kCorruption, "proof does not lead to the state root");
  return Status::ok();
}

}  // namespace wattle::chain
