// The state tree: a sparse binary Merkle tree over hashed keys, its nodes
// kept in any NodeReader (RocksDB for a node, a std::map in memory).
//
// Shape (the binary form of Diem/Aptos' Jellyfish Merkle tree): a key's path
// is BLAKE2b-256 of its namespaced bytes, read as 256 bits from the most
// significant bit. A subtree holding no key is the zero hash; a subtree
// holding exactly one key is that key's leaf, placed as high as it can go;
// a subtree holding two or more keys is an internal node. So the tree is a
// pure function of the set of (key, value) pairs: the root does not depend on
// insertion order, and deleting a key gives back the tree without it.
//   leaf hash     = BLAKE2b(0x00 || path || BLAKE2b(value))
//   internal hash = BLAKE2b(0x01 || left hash || right hash)
// Nodes are stored under their hash. Every node of one tree is unique (a
// leaf names its path, an internal node its leaves), so a store that keeps
// only the latest tree deletes exactly the nodes an update removes.
//
// Cost: an update of k keys reads and writes O(k * log n) nodes for n keys
// in the state (expected depth log2 n, since paths are uniform hashes),
// never O(n). Pure functions; thread-safe if the NodeReader is.
#pragma once

#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/hash.h"

namespace wattle::chain {

struct TreeNode {
  enum class Kind : uint8_t { kLeaf = 0, kInternal = 1 };
  Kind kind = Kind::kLeaf;
  Hash256 a;  // leaf: the key's path; internal: left child hash
  Hash256 b;  // leaf: the value's hash; internal: right child hash
  bool operator==(const TreeNode&) const = default;
  Hash256 hash() const;
};

void encode(Writer& w, const TreeNode& n);
Status decode(Reader& r, TreeNode& n);

// Where tree nodes are read from. kCorruption (or the storage error) when a
// node the tree refers to is missing.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<TreeNode> node(const Hash256& hash) const = 0;
};

// Nodes in a std::map: in-memory state, tests, genesis.
class MapNodes final : public NodeReader {
 public:
  Result<TreeNode> node(const Hash256& hash) const override;
  std::map<Hash256, TreeNode> nodes;
};

struct TreeUpdate;

// Nodes in a hash table: the in-memory State's tree. An update reads one
// node per level of each changed path, so a std::map's O(log n) search per
// read made an update O(k log^2 n) in cache misses; here each read is one
// probe, and the update is the O(k log n) the tree promises (never iterated,
// so its order reaches nothing).
class HashNodes final : public NodeReader {
 public:
  Result<TreeNode> node(const Hash256& hash) const override;
  // Applies an update's node changes (removed first, then added).
  void apply(const TreeUpdate& update);
  size_t size() const { return nodes_.size(); }

 private:
  std::unordered_map<Hash256, TreeNode, Hash256Hasher> nodes_;
};

// What an update changes: the new root, the nodes to store, the nodes to drop.
struct TreeUpdate {
  Hash256 root;
  std::map<Hash256, TreeNode> added;  // nodes of the new tree the old one lacked
  std::vector<Hash256> removed;       // nodes of the old tree the new one lacks
};

// path -> value hash, or nullopt to delete the key. Deleting an absent key
// is a no-op, as is writing a value a key already has.
using TreeChanges = std::map<Hash256, std::optional<Hash256>>;

// Applies `changes` to the tree at `root` (zero = empty). Reads only the
// nodes on the changed paths.
Result<TreeUpdate> update_tree(const NodeReader& nodes, const Hash256& root,
                               const TreeChanges& changes);

// Proof that a path holds a value, or holds none.
// `siblings` are the sibling hashes from the root down; `leaf` is the leaf
// the walk ended on (absent when it ended on an empty subtree). For absence
// the leaf, when present, is another key sharing the walked prefix.
struct StateProof {
  std::vector<Hash256> siblings;
  std::optional<TreeNode> leaf;
  bool operator==(const StateProof&) const = default;
};
inline constexpr size_t kMaxProofDepth = 256;

void encode(Writer& w, const StateProof& p);
Status decode(Reader& r, StateProof& p);

Result<StateProof> prove(const NodeReader& nodes, const Hash256& root, const Hash256& path);

// ok iff `proof` shows that `path` holds the value with hash `value_hash`
// (nullopt: holds nothing) in the tree whose root is `root`; kCorruption
// with the reason otherwise.
Status verify_proof(const Hash256& root, const Hash256& path,
                    const std::optional<Hash256>& value_hash, const StateProof& proof);

// Bit `depth` (0 = most significant) of a path.
inline int path_bit(const Hash256& path, size_t depth) {
  return (path.bytes[depth / 8] >> (7 - depth % 8)) & 1;
}

}  // namespace wattle::chain
