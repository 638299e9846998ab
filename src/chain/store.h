// Store: the node's durable chain and state, in RocksDB.
//
// Promise: commit() writes a block, its record writes, its state-tree nodes
// (added and removed), its tx index entries and the new head in ONE
// WriteBatch with a synced WAL (docs/architecture.md), so a process killed at any
// instant reopens at the last committed block with the matching state and
// tree, never in between. Keys:
//   "H"              -> head: height (u64) + state root
//   "G"              -> genesis hash
//   "b" + be64(h)    -> canonical block bytes
//   "t" + tx hash    -> height (u64) + index (u32) + tx bytes (one read per lookup)
//   "s" + ns + id    -> state record (state.h), e.g. an Account
//   "n" + node hash  -> state-tree node (state_tree.h); only the latest tree
//   "N"              -> txs committed in all blocks (u64), so the count survives restarts
//   "e" + be64(h)    -> the block's market events (encode_events), for event replay
//   "u" + be64(h)    -> the block's undo data (undo.h), with StoreOptions::keep_undo only
// The state is read from RocksDB on demand, never loaded whole; the Store is
// the StateReader of the committed state at the head.
// Thread-safe for concurrent reads and one writer (RocksDB's guarantee);
// root() is consistent with reads only under the caller's own lock, and
// prove_head() reads from one snapshot, so it is consistent on its own.
// A failed write (disk full, I/O error) is returned as kIoError and leaves
// the stored chain at the previous block; RocksDB then refuses further
// writes until the store is reopened.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "chain/block.h"
#include "chain/executor.h"
#include "chain/genesis.h"
#include "chain/record_cache.h"
#include "chain/state.h"

namespace rocksdb {
class DB;
class Env;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace wattle::chain {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

struct StoredTx {
  TxLocation location;
  Tx tx;
};

// A record and its proof against the head's state root, read from one snapshot.
struct HeadProof {
  uint64_t height = 0;
  Hash256 state_root;
  std::optional<Bytes> value;
  StateProof proof;
};

struct StoreOptions {
  // The file system RocksDB uses; null is the default. Tests pass one that
  // injects faults (a full disk). Must outlive the Store.
  rocksdb::Env* env = nullptr;
  // commit() refuses (kIoError, nothing written) while the data dir's file
  // system has less free space than this plus twice the batch. RocksDB 7.8
  // (Debian's build keeps its assertions) can abort the process when a
  // synced WAL write runs out of space, so the node must stop short of that.
  // 0 turns the check off (an in-memory Env has no file system to ask).
  uint64_t min_free_bytes = 64ull << 20;
  // Where the free space is read (core/env.h); null: system_env(), the
  // process's. Must outlive the Store.
  ::wattle::Env* host = nullptr;
  // Decoded state-tree nodes kept in memory (98 bytes each, allocated as
  // they are first used). Nodes
  // are immutable (stored under their hash), so the cache needs no
  // invalidation; it only saves the RocksDB reads of the upper tree levels,
  // which every block walks. 0 disables it.
  size_t node_cache_entries = 1 << 20;
  // State records read() keeps in memory (record_cache.h), written through
  // by every commit; 0 disables it.
  size_t record_cache_entries = 1 << 16;
  // Keep each block's undo data (the before-image of its writes, undo.h) in
  // the block's own batch, so disconnect_head() can take the head back off:
  // chains whose blocks can be reorganised away (proof of work). It costs one
  // read per written record per block, so BFT chains (final at commit) leave
  // it off.
  bool keep_undo = false;
};

class Store final : public StateReader {
 public:
  // Opens (creating if missing) the database in `dir`.
  static Result<std::unique_ptr<Store>> open(const std::string& dir, StoreOptions options = {});
  ~Store() override;

  // Writes genesis (block 0 and the initial state) if the store is empty;
  // if not, checks the stored genesis matches. kCorruption on mismatch.
  Status init_genesis(const Genesis& genesis);

  // Atomically appends `block` with its record writes and tree update
  // (which must end at the block's state root). `tx_hashes`, when given,
  // must be the hashes of block.txs (saves recomputing them).
  Status commit(const Block& block, const StateWrites& writes, const TreeUpdate& tree,
                const std::vector<Hash256>* tx_hashes = nullptr, ByteView module_events = {});
  // The same for a decided block whose certificate is held apart from it
  // (stored as the block's certificate), so a shared decoded block need not
  // be copied to carry it.
  Status commit(const Block& block, ByteView certificate, const StateWrites& writes,
                const TreeUpdate& tree, const std::vector<Hash256>* tx_hashes,
                ByteView module_events);
  // Takes the head block off (a reorg, docs/ledger.md "Undo data and
  // reorgs"): restores the records its undo data names, the state tree, the
  // previous head and tx count, and deletes the block, its tx index entries,
  // events and undo data, in ONE synced batch, so a crash mid-reorg reopens
  // at a consistent head (the old one or its parent). Returns the block so
  // the caller can put its txs back in the mempool. kInvalidArgument at
  // genesis; kNotFound without undo data (a store without keep_undo).
  Result<Block> disconnect_head();
  // The stored undo data of the block at `height`; nullopt if none.
  Result<std::optional<StateWrites>> undo(uint64_t height) const;

  // The block's market events as commit() stored them (encode_events);
  // nullopt for a block committed before they were stored.
  Result<std::optional<Bytes>> module_events(uint64_t height) const;

  // The consensus engine's crash-recovery state (its last PersistBeforeSend),
  // written with a synced WAL: durable when this returns, so the host may
  // then send what the engine signed. Key "C", beside the blocks, so a data
  // dir moves as one.
  Status put_consensus_state(ByteView state);
  // The last put_consensus_state bytes; empty if never written.
  Result<Bytes> consensus_state() const;

  // Waits until everything written is flushed from memory to table files
  // (benchmarks measure the steady state, not a flush of a huge genesis).
  Status flush();

  // Height of the last committed block; nullopt for an empty store.
  std::optional<uint64_t> head_height() const;
  Result<Block> block(uint64_t height) const;
  std::optional<TxLocation> tx_location(const Hash256& hash) const;
  // The committed tx with this hash, in one read; nullopt if unknown.
  Result<std::optional<StoredTx>> tx(const Hash256& hash) const;
  // The whole state in memory (`wattle verify`, tests).
  Result<State> load_state() const;
  Result<Hash256> genesis_hash() const;
  // Txs in all committed blocks (kept in the store, updated by commit()).
  uint64_t txs_committed() const { return txs_committed_; }
  Result<HeadProof> prove_head(const StateKey& key) const;

  // StateReader: the committed state at the head.
  Result<std::optional<Bytes>> read(const StateKey& key) const override;
  Hash256 root() const override;
  const NodeReader& tree() const override { return nodes_; }

 private:
  class Nodes final : public NodeReader {
   public:
    Nodes(const Store& s, const rocksdb::Snapshot* snap = nullptr) : store_(s), snap_(snap) {}
    Result<TreeNode> node(const Hash256& hash) const override;

   private:
    const Store& store_;
    const rocksdb::Snapshot* snap_;
  };
  // A bounded cache of decoded nodes: 2-way set-associative over the node
  // hash (uniform), least-recently-used within a set. One fixed array, so a
  // lookup or insert is one or two cache-line misses and never allocates or
  // rehashes (a std::unordered_map in two generations spent ~20 % of a
  // block's commit in allocation and the generation swap). The array is
  // anonymous memory (zero: every slot empty), mapped by the OS only as it
  // is first touched, and advised to be backed by transparent huge pages:
  // a lookup that misses reads a slot before any put writes it, and with
  // 4 KiB pages that read maps the shared zero page, so the first write to
  // each page costs a second fault and a TLB shootdown across the process's
  // threads (about 8 % of a fresh node's CPU while it ingests: bench/README.md,
  // `ingest`). With 2 MiB pages that happens 512 times less often,
  // and random lookups over the table miss the TLB less. Without huge pages
  // (the advice is only advice) it works as before.
  class NodeCache {
   public:
    explicit NodeCache(size_t capacity);
    ~NodeCache();
    NodeCache(const NodeCache&) = delete;
    NodeCache& operator=(const NodeCache&) = delete;
    std::optional<TreeNode> get(const Hash256& h);
    void put(const Hash256& h, const TreeNode& n);
    bool fits(size_t n) const { return n <= sets_; }

   private:
    struct Slot {
      Hash256 key;
      TreeNode node;
      uint8_t used;  // 0 in the fresh (zero) mapping: empty
    };
    Slot* set_of(const Hash256& h) const;
    size_t sets_ = 0;        // 2 slots each
    Slot* slots_ = nullptr;  // inside map_, aligned to a huge page
    void* map_ = nullptr;
    size_t map_bytes_ = 0;
    std::mutex mu_;
  };
  Store(rocksdb::DB* db, std::string dir, StoreOptions options);
  // kIoError if fewer than min_free_bytes_ + 2 * batch_bytes are free.
  Status check_free_space(uint64_t batch_bytes) const;
  // The stored "N", or the sum of tx_count over the blocks for a store
  // written before "N" existed.
  Result<uint64_t> load_txs_committed() const;
  // Writes `batch`, which holds `writes` among others, with a synced WAL,
  // and keeps the record cache in step: the one way a batch that changes
  // records reaches RocksDB.
  Status write_state_batch(rocksdb::WriteBatch& batch, const StateWrites& writes);
  Status write_block(const Block& block, ByteView certificate, const StateWrites& writes,
                     const TreeUpdate& tree, const std::vector<Hash256>* tx_hashes, bool genesis,
                     const Hash256* genesis_hash, ByteView module_events = {});

  std::unique_ptr<rocksdb::DB> db_;
  const std::string dir_;
  const uint64_t min_free_bytes_;
  const bool keep_undo_;
  ::wattle::Env& host_;
  uint64_t txs_committed_ = 0;  // only commit() (the one writer) changes it
  Nodes nodes_{*this};
  mutable NodeCache cache_;
  mutable RecordCache records_;  // of read(); written through by commit and disconnect
  mutable std::mutex mu_;        // guards root_
  Hash256 root_;
};

}  // namespace wattle::chain
