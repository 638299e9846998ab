// The state tree: proofs of presence and absence, deletes, a root that does
// not depend on insertion order, and a RapidCheck property against a naive
// recompute from the whole key set.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <random>

#include "chain/state.h"
#include "chain/state_tree.h"
#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

Hash256 h(uint64_t i) {
  Writer w;
  w.u64(i);
  return blake2b256(w.data());
}

// The definition, computed from scratch with no stored nodes: empty = zero,
// one key = its leaf, more = internal node over the two halves by the next bit.
// `all`, when given, collects every node of the tree.
Hash256 naive_root(const std::map<Hash256, Hash256>& leaves, size_t depth = 0,
                   std::map<Hash256, TreeNode>* all = nullptr) {
  if (leaves.empty()) return Hash256{};
  TreeNode n;
  if (leaves.size() == 1) {
    n = TreeNode{TreeNode::Kind::kLeaf, leaves.begin()->first, leaves.begin()->second};
  } else {
    std::map<Hash256, Hash256> l, r;
    for (const auto& [k, v] : leaves) (path_bit(k, depth) ? r : l).emplace(k, v);
    n = TreeNode{TreeNode::Kind::kInternal, naive_root(l, depth + 1, all),
                 naive_root(r, depth + 1, all)};
  }
  if (all) (*all)[n.hash()] = n;
  return n.hash();
}

// A tree kept in a MapNodes, updated batch by batch like a node's store.
struct Tree {
  MapNodes nodes;
  Hash256 root;
  Status apply(const TreeChanges& changes) {
    auto up = update_tree(nodes, root, changes);
    if (!up) return up.status();
    for (const Hash256& r : up->removed) {
      if (!nodes.nodes.erase(r)) return Status(Code::kInternal, "removed a node not stored");
    }
    for (auto& [k, n] : up->added) {
      if (!nodes.nodes.emplace(k, n).second)
        return Status(Code::kInternal, "added a node already stored");
    }
    root = up->root;
    return Status::ok();
  }
};

TEST(StateTree, EmptyTreeHasZeroRootAndProvesAbsence) {
  Tree t;
  ASSERT_TRUE(t.apply({}));
  EXPECT_TRUE(t.root.is_zero());
  auto p = prove(t.nodes, t.root, h(1));
  ASSERT_TRUE(p.is_ok());
  EXPECT_TRUE(verify_proof(t.root, h(1), std::nullopt, *p));
  EXPECT_FALSE(verify_proof(t.root, h(1), h(2), *p));
}

TEST(StateTree, ProvesPresenceAndAbsenceOfEveryKey) {
  Tree t;
  TreeChanges c;
  for (uint64_t i = 0; i < 300; ++i) c[h(i)] = h(1000 + i);
  ASSERT_TRUE(t.apply(c));
  std::map<Hash256, Hash256> model;
  for (const auto& [k, v] : c) model[k] = *v;
  std::map<Hash256, TreeNode> all;
  EXPECT_EQ(t.root, naive_root(model, 0, &all));
  EXPECT_EQ(t.nodes.nodes, all);
  for (uint64_t i = 0; i < 300; ++i) {
    auto p = prove(t.nodes, t.root, h(i));
    ASSERT_TRUE(p.is_ok());
    EXPECT_TRUE(verify_proof(t.root, h(i), h(1000 + i), *p)) << i;
    EXPECT_FALSE(verify_proof(t.root, h(i), h(7), *p)) << "wrong value";
    EXPECT_FALSE(verify_proof(t.root, h(i), std::nullopt, *p)) << "present key shown absent";
  }
  for (uint64_t i = 300; i < 400; ++i) {
    auto p = prove(t.nodes, t.root, h(i));
    ASSERT_TRUE(p.is_ok());
    EXPECT_TRUE(verify_proof(t.root, h(i), std::nullopt, *p)) << i;
    EXPECT_FALSE(verify_proof(t.root, h(i), h(1000 + i), *p)) << "absent key shown present";
  }
}

TEST(StateTree, ProofForAnotherRootOrTamperedProofFails) {
  Tree t;
  TreeChanges c;
  for (uint64_t i = 0; i < 64; ++i) c[h(i)] = h(i + 1);
  ASSERT_TRUE(t.apply(c));
  const Hash256 old_root = t.root;
  auto p = prove(t.nodes, t.root, h(5)).value();
  auto p6 = prove(t.nodes, t.root, h(6)).value();
  ASSERT_TRUE(verify_proof(old_root, h(5), h(6), p));
  // Another key's valid proof does not prove this key.
  EXPECT_FALSE(verify_proof(old_root, h(5), h(6), p6));
  EXPECT_FALSE(verify_proof(old_root, h(5), h(7), p6));
  ASSERT_TRUE(t.apply({{h(9), h(99)}}));
  EXPECT_EQ(verify_proof(t.root, h(5), h(6), p).code(), Code::kCorruption) << "another root";
  // Every single-bit flip of the encoded proof either fails to decode or to verify.
  Bytes enc = encode_to_bytes(p);
  for (size_t i = 0; i < enc.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = enc;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      auto q = decode_exact<StateProof>(bad);
      if (q) EXPECT_FALSE(verify_proof(old_root, h(5), h(6), *q)) << i << "/" << bit;
    }
  }
  // Dropping or adding a sibling fails too.
  StateProof shorter = p;
  shorter.siblings.pop_back();
  EXPECT_FALSE(verify_proof(old_root, h(5), h(6), shorter));
  StateProof longer = p;
  longer.siblings.push_back(Hash256{});
  EXPECT_FALSE(verify_proof(old_root, h(5), h(6), longer));
  // Only the latest tree is kept: the old root's nodes are gone.
  EXPECT_FALSE(prove(t.nodes, old_root, h(6)).is_ok());
}

TEST(StateTree, DeletesGiveBackTheTreeWithoutTheKey) {
  Tree t;
  TreeChanges c;
  for (uint64_t i = 0; i < 50; ++i) c[h(i)] = h(i);
  ASSERT_TRUE(t.apply(c));
  const Hash256 full = t.root;
  const size_t full_nodes = t.nodes.nodes.size();
  ASSERT_TRUE(t.apply({{h(50), h(50)}}));
  EXPECT_NE(t.root, full);
  ASSERT_TRUE(t.apply({{h(50), std::nullopt}}));
  EXPECT_EQ(t.root, full);
  EXPECT_EQ(t.nodes.nodes.size(), full_nodes) << "no node left behind";
  ASSERT_TRUE(t.apply({{h(12345), std::nullopt}}));  // deleting an absent key: no-op
  EXPECT_EQ(t.root, full);
  TreeChanges all;
  for (uint64_t i = 0; i < 50; ++i) all[h(i)] = std::nullopt;
  ASSERT_TRUE(t.apply(all));
  EXPECT_TRUE(t.root.is_zero());
  EXPECT_TRUE(t.nodes.nodes.empty());
}

TEST(StateTree, MissingNodeIsCorruptionNotACrash) {
  Tree t;
  TreeChanges c;
  for (uint64_t i = 0; i < 20; ++i) c[h(i)] = h(i);
  ASSERT_TRUE(t.apply(c));
  MapNodes empty;
  EXPECT_EQ(update_tree(empty, t.root, {{h(3), h(4)}}).status().code(), Code::kCorruption);
  EXPECT_EQ(prove(empty, t.root, h(3)).status().code(), Code::kCorruption);
}

// The in-memory State's node table: the same tree as a MapNodes, batch by
// batch (puts, then half of them deleted, so updates remove nodes too), and
// a node it does not hold is kCorruption.
TEST(StateTree, HashNodesHoldTheSameTreeAsMapNodes) {
  Tree t;
  HashNodes hashed;
  Hash256 root;
  auto step = [&](const TreeChanges& c) {
    ASSERT_TRUE(t.apply(c));
    auto up = update_tree(hashed, root, c);
    ASSERT_TRUE(up.is_ok());
    hashed.apply(*up);
    root = up->root;
    EXPECT_EQ(root, t.root);
    ASSERT_EQ(hashed.size(), t.nodes.nodes.size());
    for (const auto& [hash, node] : t.nodes.nodes) {
      auto n = hashed.node(hash);
      ASSERT_TRUE(n.is_ok());
      EXPECT_EQ(*n, node);
    }
  };
  TreeChanges puts, deletes;
  for (uint64_t i = 0; i < 500; ++i) puts[h(i)] = h(7000 + i);
  for (uint64_t i = 0; i < 500; i += 2) deletes[h(i)] = std::nullopt;
  step(puts);
  step(deletes);
  EXPECT_EQ(hashed.node(h(1)).status().code(), Code::kCorruption);
}

// Random batches of puts and deletes, applied incrementally in a random
// order and batch split, always give the naive root of the final key set,
// and every node the tree needs (and no other) is stored.
RC_GTEST_PROP(StateTreeProperty, IncrementalEqualsNaiveRecompute, ()) {
  const auto ops = *rc::gen::container<std::vector<std::tuple<uint8_t, bool, uint8_t>>>(
      rc::gen::tuple(rc::gen::inRange<uint8_t>(0, 60), rc::gen::arbitrary<bool>(),
                     rc::gen::arbitrary<uint8_t>()));
  const auto batch = *rc::gen::inRange<size_t>(1, 8);
  Tree t;
  std::map<Hash256, Hash256> model;
  TreeChanges pending;
  for (size_t i = 0; i < ops.size(); ++i) {
    auto [key, del, value] = ops[i];
    if (del) {
      pending[h(key)] = std::nullopt;
      model.erase(h(key));
    } else {
      pending[h(key)] = h(1000 + value);
      model[h(key)] = h(1000 + value);
    }
    if (pending.size() >= batch || i + 1 == ops.size()) {
      RC_ASSERT(t.apply(pending).is_ok());
      pending.clear();
    }
  }
  std::map<Hash256, TreeNode> all;
  RC_ASSERT(t.root == naive_root(model, 0, &all));
  RC_ASSERT(t.nodes.nodes == all);
  // Same set inserted in one batch from scratch: the same root.
  Tree fresh;
  TreeChanges everything;
  for (const auto& [k, v] : model) everything[k] = v;
  RC_ASSERT(fresh.apply(everything).is_ok());
  RC_ASSERT(fresh.root == t.root);
  for (uint8_t k = 0; k < 60; k += 7) {
    auto p = prove(t.nodes, t.root, h(k));
    RC_ASSERT(p.is_ok());
    auto it = model.find(h(k));
    RC_ASSERT(verify_proof(t.root, h(k),
                           it == model.end() ? std::nullopt : std::optional<Hash256>(it->second),
                           *p)
                  .is_ok());
  }
}

TEST(StateTree, RootIndependentOfInsertionOrder) {
  std::vector<uint64_t> keys(200);
  for (uint64_t i = 0; i < keys.size(); ++i) keys[i] = i;
  std::mt19937_64 rng(testing::test_seed("StateTree.RootIndependentOfInsertionOrder"));
  std::map<Hash256, Hash256> model;
  for (uint64_t k : keys) model[h(k)] = h(k + 7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(keys.begin(), keys.end(), rng);
    Tree t;
    for (uint64_t k : keys) ASSERT_TRUE(t.apply({{h(k), h(k + 7)}}));
    EXPECT_EQ(t.root, naive_root(model));
  }
}

TEST(StateKeys, NamespacesSeparateEqualIds) {
  Address a = testing::user_addr(1);
  StateKey acct = StateKey::account(a);
  StateKey stake{Namespace::kStake, acct.id};
  EXPECT_NE(acct.path(), stake.path());
  EXPECT_EQ(StateKey::decode(acct.encoded()).value(), acct);
  EXPECT_EQ(StateKey::decode(Bytes{0, 1}).status().code(), Code::kMalformed);
  EXPECT_EQ(StateKey::decode(Bytes{kMaxNamespace + 1, 1}).status().code(), Code::kMalformed);
  EXPECT_EQ(StateKey::decode(Bytes(66, 1)).status().code(), Code::kMalformed);
  // Records of other namespaces live in the same root, and can be deleted.
  State s;
  s.put(a, Account{Money(5), 0});
  Hash256 only_account = s.root();
  s.put(stake, Bytes{1, 2, 3});
  EXPECT_NE(s.root(), only_account);
  EXPECT_EQ(s.accounts().size(), 1u);
  s.erase(stake);
  EXPECT_EQ(s.root(), only_account);
  auto p = s.prove(stake).value();
  EXPECT_TRUE(verify_proof(s.root(), stake.path(), std::nullopt, p));
}

}  // namespace
}  // namespace wattle::chain
