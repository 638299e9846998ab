// Store: the node's durable chain and state, in RocksDB.
//
// Promise: commit() writes a block, its state writes, its tx index entries
// and the new head in ONE WriteBatch with a synced WAL (DESIGN.md §7), so a
// process killed at any instant reopens at the last committed block with the
// matching state, never in between. Keys:
//   "H"             -> head: height (u64) + state root
//   "G"             -> genesis JSON
//   "b" + be64(h)   -> canonical block bytes
//   "t" + tx hash   -> height (u64) + index (u32)
//   "a" + address   -> account
//   "N"             -> txs committed in all blocks (u64), so the count survives restarts
// Thread-safe for concurrent reads and one writer (RocksDB's guarantee).
// A failed write (disk full, I/O error) is returned as kIoError and leaves
// the stored chain at the previous block; RocksDB then refuses further
// writes until the store is reopened.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ledger/block.h"
#include "ledger/genesis.h"
#include "ledger/state.h"

namespace rocksdb {
class DB;
class Env;
}  // namespace rocksdb

namespace wattle::ledger {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

struct StoreOptions {
  // The file system RocksDB uses; null is the default. Tests pass one that
  // injects faults (a full disk). Must outlive the Store.
  rocksdb::Env* env = nullptr;
  // commit() refuses (kIoError, nothing written) while the data dir's file
  // system has less free space than this plus twice the batch. RocksDB 7.8
  // (Debian's build keeps its assertions) can abort the process when a
  // synced WAL write runs out of space, so the node must stop short of that.
  uint64_t min_free_bytes = 64ull << 20;
};

class Store {
 public:
  // Opens (creating if missing) the database in `dir`.
  static Result<std::unique_ptr<Store>> open(const std::string& dir, StoreOptions options = {});
  ~Store();

  // Writes genesis (block 0 and the initial state) if the store is empty;
  // if not, checks the stored genesis matches. kCorruption on mismatch.
  Status init_genesis(const Genesis& genesis);

  // Atomically appends `block` with the accounts it changed. `tx_hashes`,
  // when given, must be the hashes of block.txs (saves recomputing them).
  Status commit(const Block& block, const AccountWrites& writes,
                const std::vector<Hash256>* tx_hashes = nullptr);

  // Height of the last committed block; nullopt for an empty store.
  std::optional<uint64_t> head_height() const;
  Result<Block> block(uint64_t height) const;
  std::optional<TxLocation> tx_location(const Hash256& hash) const;
  Result<State> load_state() const;
  Result<std::string> genesis_json() const;
  // Txs in all committed blocks (kept in the store, updated by commit()).
  uint64_t txs_committed() const { return txs_committed_; }

 private:
  Store(rocksdb::DB* db, std::string dir, uint64_t min_free_bytes);
  // kIoError if fewer than min_free_bytes_ + 2 * batch_bytes are free.
  Status check_free_space(uint64_t batch_bytes) const;
  // The stored "N", or the sum of tx_count over the blocks for a store
  // written before "N" existed.
  Result<uint64_t> load_txs_committed() const;
  std::unique_ptr<rocksdb::DB> db_;
  const std::string dir_;
  const uint64_t min_free_bytes_;
  uint64_t txs_committed_ = 0;  // only commit() (the one writer) changes it
};

}  // namespace wattle::ledger
