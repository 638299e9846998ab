// RecordCache: a bounded cache of the committed state records the Store
// serves (Store::read), kept by the store's one writer.
//
// Promise: a hit returns what a RocksDB read would have returned at some
// moment during the call (the record, or "absent"), never a value that was
// overwritten before the call began. The writer brackets each batch with
// begin_write() and end_write(): end_write puts the batch's final values in
// (they are the hottest records), and a reader that read RocksDB before or
// during a write may not fill its older answer in, because fill() refuses
// any generation a write has started since (a seqlock-style counter: odd
// while a write is in flight). Bounded: at `capacity` entries it empties
// itself. Thread-safe.
//
// Why: CheckTx and execution read each sender's and recipient's account
// through RocksDB's memtable skiplist, about 5 % of a node's CPU while it
// ingests transfers (bench/README.md, `ingest`).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/state.h"

namespace wattle::chain {

class RecordCache {
 public:
  explicit RecordCache(size_t capacity) : capacity_(capacity) {}

  // A hit: the record, or nullopt inside for a record known to be absent.
  // A miss: nullopt, and *generation is what to pass to fill().
  std::optional<std::optional<Bytes>> get(const std::string& key, uint64_t* generation);
  // Keeps a value read from RocksDB after get() missed, unless a write has
  // begun since that get().
  void fill(const std::string& key, const std::optional<Bytes>& value, uint64_t generation);
  // Around each write of records: `written` maps RocksDB keys to their new
  // values; null when the write failed (then everything is forgotten).
  void begin_write();
  void end_write(const std::vector<std::pair<std::string, std::optional<Bytes>>>* written);
  size_t size() const;

 private:
  void put_locked(const std::string& key, const std::optional<Bytes>& value);

  const size_t capacity_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // odd while a write is in flight
  std::unordered_map<std::string, std::optional<Bytes>> records_;
};

}  // namespace wattle::chain
