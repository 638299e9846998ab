#include "chain/store.h"

#include "chain/undo.h"

#include <sys/mman.h>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

namespace wattle::chain {

namespace {

// RocksDB's block cache: bounded, shared by blocks, records and tree nodes.
constexpr size_t kBlockCacheBytes = 64 << 20;

std::string block_key(uint64_t height) {
  std::string k = "b";
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(height >> (8 * i)));
  return k;
}
std::string events_key(uint64_t height) {
  std::string k = block_key(height);
  k[0] = 'e';
  return k;
}
std::string undo_key(uint64_t height) {
  std::string k = block_key(height);
  k[0] = 'u';
  return k;
}
std::string prefixed(char prefix, ByteView b) {
  std::string k(1, prefix);
  k.append(reinterpret_cast<const char*>(b.data()), b.size());
  return k;
}
std::string tx_key(const Hash256& h) {
  return prefixed('t', h.bytes);
}
std::string record_key(const StateKey& k) {
  return prefixed('s', k.encoded());
}
// A node's key ("n" + hash) and value (encode(Writer&, TreeNode)) without
// heap allocations: write_block puts ~10^5 of them per block at 10^6
// accounts.
struct NodeKeyBuf {
  explicit NodeKeyBuf(const Hash256& h) {
    buf[0] = 'n';
    std::memcpy(buf + 1, h.bytes.data(), 32);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(buf, sizeof buf); }
  char buf[33];
};
struct NodeValueBuf {
  explicit NodeValueBuf(const TreeNode& n) {
    buf[0] = static_cast<char>(n.kind);
    std::memcpy(buf + 1, n.a.bytes.data(), 32);
    std::memcpy(buf + 33, n.b.bytes.data(), 32);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(buf, sizeof buf); }
  char buf[65];
};
std::string to_string(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
ByteView view(const std::string& s) {
  return as_bytes(s);
}

Status io(const rocksdb::Status& s) {
  if (s.ok()) return Status::ok();
  return Status(s.IsCorruption() ? Code::kCorruption : Code::kIoError, s.ToString());
}

std::string u64_value(uint64_t v) {
  Writer w;
  w.u64(v);
  return to_string(w.data());
}

struct Head {
  uint64_t height = 0;
  Hash256 root;
};

Result<std::optional<Head>> read_head(rocksdb::DB& db, const rocksdb::ReadOptions& ro) {
  std::string v;
  rocksdb::Status s = db.Get(ro, "H", &v);
  if (s.IsNotFound()) return std::optional<Head>();
  if (!s.ok()) return io(s);
  Reader r(view(v));
  Head h;
  Status st = r.u64(h.height);
  if (st) st = decode(r, h.root);
  if (st) st = r.finish();
  if (!st) return Status(Code::kCorruption, "bad head record: " + st.message());
  return std::optional<Head>(h);
}

Result<std::optional<Bytes>> get_record(rocksdb::DB& db, const rocksdb::ReadOptions& ro,
                                        const std::string& stored_key) {
  std::string v;
  rocksdb::Status s = db.Get(ro, stored_key, &v);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return io(s);
  return std::optional<Bytes>(Bytes(v.begin(), v.end()));
}

// A batch's record writes as the record cache takes them (RocksDB keys).
std::vector<std::pair<std::string, std::optional<Bytes>>> stored_records(
    const StateWrites& writes) {
  std::vector<std::pair<std::string, std::optional<Bytes>>> out;
  out.reserve(writes.size());
  for (const auto& [key, value] : writes) out.emplace_back(record_key(key), value);
  return out;
}

// A block's (or a disconnect's) record writes and tree nodes into `batch`.
// Removed and added never share a node (update_tree nets them out), so the
// order within the batch does not change what is stored; they go in one
// merged key order for the memtable's insert hint (see open()).
void put_state(rocksdb::WriteBatch& batch, const StateWrites& writes, const TreeUpdate& tree) {
  for (const auto& [key, value] : writes) {
    if (value) {
      batch.Put(record_key(key), to_string(*value));
    } else {
      batch.Delete(record_key(key));
    }
  }
  std::vector<Hash256> removed_sorted;
  const std::vector<Hash256>* removed = &tree.removed;
  if (!std::is_sorted(tree.removed.begin(), tree.removed.end())) {
    removed_sorted = tree.removed;
    std::sort(removed_sorted.begin(), removed_sorted.end());
    removed = &removed_sorted;
  }
  auto r = removed->begin();
  for (const auto& [h, node] : tree.added) {
    for (; r != removed->end() && *r < h; ++r) batch.Delete(NodeKeyBuf(*r).slice());
    batch.Put(NodeKeyBuf(h).slice(), NodeValueBuf(node).slice());
  }
  for (; r != removed->end(); ++r) batch.Delete(NodeKeyBuf(*r).slice());
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, StoreOptions store_options) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 256;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  // Most reads are point lookups of records and tree nodes: a bloom filter
  // skips the files that cannot hold the key.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // A block inserts ~2 x 10^5 node keys (puts and deletes) into the memtable
  // at 10^6 accounts, and a skiplist insert from the top cost most of the
  // commit's CPU. write_block writes them in key order, so a per-prefix
  // insert hint ("n" for nodes) starts each insert next to the previous one.
  // Memtable only: the files and what is read are unchanged. The hint is
  // ignored by concurrent memtable writes, which one writer never uses.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  options.allow_concurrent_memtable_write = false;
  if (store_options.env) options.env = store_options.env;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return io(s);
  std::unique_ptr<Store> store(new Store(db, dir, store_options));
  auto head = read_head(*store->db_, rocksdb::ReadOptions());
  if (!head) return head.status();
  if (*head) store->root_ = (*head)->root;
  auto n = store->load_txs_committed();
  if (!n) return n.status();
  store->txs_committed_ = *n;
  return store;
}

Store::Store(rocksdb::DB* db, std::string dir, StoreOptions options)
    : db_(db),
      dir_(std::move(dir)),
      min_free_bytes_(options.min_free_bytes),
      keep_undo_(options.keep_undo),
      host_(options.host ? *options.host : system_env()),
      cache_(options.node_cache_entries),
      records_(options.record_cache_entries) {}

Store::NodeCache::NodeCache(size_t capacity) : sets_(capacity / 2) {
  static_assert(std::is_trivially_copyable_v<Slot>, "an all-zero Slot is an empty one");
  constexpr size_t kHugePage = size_t{2} << 20;
  if (sets_ == 0) return;
  const size_t bytes = (2 * sets_ * sizeof(Slot) + kHugePage - 1) & ~(kHugePage - 1);
  void* p = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (p == MAP_FAILED) {
    sets_ = 0;  // no memory: run without a cache
    return;
  }
  map_ = p;
  map_bytes_ = bytes + kHugePage;
  const auto aligned = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
  slots_ = reinterpret_cast<Slot*>(aligned);
  ::madvise(slots_, bytes, MADV_HUGEPAGE);  // advice: refused where THP is off, and that is fine
}

Store::NodeCache::~NodeCache() {
  if (map_) ::munmap(map_, map_bytes_);
}

Store::NodeCache::Slot* Store::NodeCache::set_of(const Hash256& h) const {
  uint64_t v;
  std::memcpy(&v, h.bytes.data() + 8, sizeof v);
  return slots_ + 2 * (v % sets_);
}

std::optional<TreeNode> Store::NodeCache::get(const Hash256& h) {
  if (sets_ == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  Slot* s = set_of(h);
  if (s[0].used && s[0].key == h) return s[0].node;
  if (s[1].used && s[1].key == h) {
    std::swap(s[0], s[1]);  // most recently used first
    return s[0].node;
  }
  return std::nullopt;
}

void Store::NodeCache::put(const Hash256& h, const TreeNode& n) {
  if (sets_ == 0) return;
  std::lock_guard lock(mu_);
  Slot* s = set_of(h);
  if (s[0].used && s[0].key == h) return;
  if (s[1].used && s[1].key == h) {
    std::swap(s[0], s[1]);
    return;
  }
  s[1] = s[0];  // evicts the least recently used
  s[0] = Slot{h, n, 1};
}

Result<uint64_t> Store::load_txs_committed() const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "N", &v);
  if (s.ok()) {
    Reader r(view(v));
    uint64_t n = 0;
    if (!r.u64(n)) return Status(Code::kCorruption, "bad txs-committed value");
    return n;
  }
  if (!s.IsNotFound()) return io(s);
  uint64_t total = 0;
  auto head = head_height();
  for (uint64_t h = 1; head && h <= *head; ++h) {
    auto b = block(h);
    if (!b) return b.status();
    total += b->txs.size();
  }
  return total;
}

Status Store::check_free_space(uint64_t batch_bytes) const {
  if (min_free_bytes_ == 0) return Status::ok();  // no check (in-memory file systems)
  auto free = host_.free_bytes(dir_);
  if (!free) return free.status();
  const uint64_t free_bytes = *free;
  const uint64_t needed = min_free_bytes_ + 2 * batch_bytes;
  if (free_bytes < needed)
    return Status(Code::kIoError, "disk nearly full: " + std::to_string(free_bytes) +
                                      " bytes free in " + dir_ + ", need " +
                                      std::to_string(needed) + " to commit safely");
  return Status::ok();
}

Store::~Store() = default;

Status Store::init_genesis(const Genesis& genesis) {
  std::string stored;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "G", &stored);
  const Hash256 gh = genesis.hash();
  if (s.ok()) {
    if (stored.size() != 32 || std::memcmp(stored.data(), gh.bytes.data(), 32) != 0)
      return Status(Code::kCorruption, "data dir belongs to another genesis/chain");
    return Status::ok();
  }
  if (!s.IsNotFound()) return io(s);
  auto tree = genesis.initial_tree();
  if (!tree) return tree.status();
  // Genesis goes through the same atomic path as every block.
  const Block block = genesis.block();
  return write_block(block, block.certificate, genesis.initial_writes(), *tree, nullptr, true, &gh);
}

Status Store::commit(const Block& block, const StateWrites& writes, const TreeUpdate& tree,
                     const std::vector<Hash256>* tx_hashes, ByteView module_events) {
  return write_block(block, block.certificate, writes, tree, tx_hashes, false, nullptr,
                     module_events);
}

Status Store::commit(const Block& block, ByteView certificate, const StateWrites& writes,
                     const TreeUpdate& tree, const std::vector<Hash256>* tx_hashes,
                     ByteView module_events) {
  return write_block(block, certificate, writes, tree, tx_hashes, false, nullptr, module_events);
}

Result<std::optional<Bytes>> Store::module_events(uint64_t height) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_key(height), &v);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return io(s);
  return std::optional<Bytes>(Bytes(v.begin(), v.end()));
}

Status Store::write_block(const Block& block, ByteView certificate, const StateWrites& writes,
                          const TreeUpdate& tree, const std::vector<Hash256>* tx_hashes,
                          bool genesis, const Hash256* genesis_hash, ByteView module_events) {
  if (tx_hashes && tx_hashes->size() != block.txs.size())
    return Status(Code::kInternal, "tx_hashes does not match the block's txs");
  if (tree.root != block.header.state_root)
    return Status(Code::kInternal, "tree update does not end at the block's state root");
  auto head = head_height();
  if (genesis ? head.has_value() : (!head || block.header.height != *head + 1))
    return Status(Code::kInternal,
                  "commit out of order at height " + std::to_string(block.header.height));
  // Reserved up front: a block at 10^6 accounts writes ~10 MB of nodes.
  rocksdb::WriteBatch batch(64 + tree.added.size() * 104 + tree.removed.size() * 40 +
                            writes.size() * 96 + block.txs.size() * 400);
  if (genesis) batch.Put("G", std::string(genesis_hash->bytes.begin(), genesis_hash->bytes.end()));
  {
    Writer w;
    encode_with_certificate(w, block, certificate);
    batch.Put(block_key(block.header.height), to_string(w.data()));
  }
  if (!genesis)
    batch.Put(
        events_key(block.header.height),
        std::string(reinterpret_cast<const char*>(module_events.data()), module_events.size()));
  {
    // In hash order, not block order: like the tree nodes (see open()), so
    // the memtable's insert hint starts each index entry next to the last.
    std::vector<std::pair<Hash256, uint32_t>> by_hash;
    by_hash.reserve(block.txs.size());
    for (uint32_t i = 0; i < block.txs.size(); ++i)
      by_hash.emplace_back(tx_hashes ? (*tx_hashes)[i] : block.txs[i].hash(), i);
    std::sort(by_hash.begin(), by_hash.end());
    for (const auto& [hash, i] : by_hash) {
      Writer loc;
      loc.u64(block.header.height);
      loc.u32(i);
      encode(loc, block.txs[i]);
      batch.Put(tx_key(hash), to_string(loc.data()));
    }
  }
  if (keep_undo_ && !genesis) {
    // Read from the committed head, which this batch has not changed yet.
    auto undo = make_undo(*this, writes);
    if (!undo) return undo.status();
    batch.Put(undo_key(block.header.height), to_string(encode_undo(*undo)));
  }
  put_state(batch, writes, tree);
  Writer h;
  h.u64(block.header.height);
  encode(h, block.header.state_root);
  batch.Put("H", to_string(h.data()));
  const uint64_t total = txs_committed_ + block.txs.size();
  batch.Put("N", u64_value(total));
  WATTLE_RETURN_IF_ERROR(check_free_space(batch.GetDataSize()));
  WATTLE_RETURN_IF_ERROR(write_state_batch(batch, writes));
  txs_committed_ = total;
  // The next block walks the paths this one wrote. A genesis tree larger
  // than the cache is not cached: its nodes, in random hash order, would
  // only churn it; reads warm it with the upper levels every block walks.
  if (!genesis || cache_.fits(tree.added.size()))
    for (const auto& [hash, node] : tree.added) cache_.put(hash, node);
  std::lock_guard lock(mu_);
  root_ = block.header.state_root;
  return Status::ok();
}

Result<std::optional<StateWrites>> Store::undo(uint64_t height) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), undo_key(height), &v);
  if (s.IsNotFound()) return std::optional<StateWrites>();
  if (!s.ok()) return io(s);
  auto undo = decode_undo(view(v));
  if (!undo)
    return Status(Code::kCorruption,
                  "undo data of block " + std::to_string(height) + ": " + undo.status().message());
  return std::optional<StateWrites>(std::move(*undo));
}

Status Store::write_state_batch(rocksdb::WriteBatch& batch, const StateWrites& writes) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  // Nothing reads RocksDB's perf context, and its default level counts every
  // key comparison of the memtable inserts through a thread_local of the
  // shared library (~1/4 of a large commit's CPU in perf). Per thread.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  const auto records = stored_records(writes);
  records_.begin_write();
  const Status written = io(db_->Write(wo, &batch));
  records_.end_write(written ? &records : nullptr);
  return written;
}

Result<Block> Store::disconnect_head() {
  auto head = head_height();
  if (!head) return Status(Code::kNotFound, "empty store");
  if (*head == 0) return Status(Code::kInvalidArgument, "genesis cannot be disconnected");
  auto undo = this->undo(*head);
  if (!undo) return undo.status();
  if (!*undo)
    return Status(Code::kNotFound, "no undo data for block " + std::to_string(*head) +
                                       " (store opened without keep_undo)");
  auto block = this->block(*head);
  if (!block) return block.status();
  auto parent = this->block(*head - 1);
  if (!parent) return parent.status();
  StateOverlay overlay(*this, std::move(**undo));
  auto tree = overlay.tree_update();
  if (!tree) return tree.status();
  if (tree->root != parent->header.state_root)
    return Status(Code::kCorruption, "undo data of block " + std::to_string(*head) +
                                         " does not restore the parent's state root");
  rocksdb::WriteBatch batch;
  put_state(batch, overlay.writes(), *tree);
  batch.Delete(block_key(*head));
  batch.Delete(events_key(*head));
  batch.Delete(undo_key(*head));
  for (const Tx& tx : block->txs) batch.Delete(tx_key(tx.hash()));
  Writer h;
  h.u64(*head - 1);
  encode(h, parent->header.state_root);
  batch.Put("H", to_string(h.data()));
  const uint64_t total = txs_committed_ - std::min<uint64_t>(txs_committed_, block->txs.size());
  batch.Put("N", u64_value(total));
  WATTLE_RETURN_IF_ERROR(check_free_space(batch.GetDataSize()));
  WATTLE_RETURN_IF_ERROR(write_state_batch(batch, overlay.writes()));
  txs_committed_ = total;
  for (const auto& [hash, node] : tree->added) cache_.put(hash, node);
  std::lock_guard lock(mu_);
  root_ = parent->header.state_root;
  return block;
}

Status Store::put_consensus_state(ByteView state) {
  WATTLE_RETURN_IF_ERROR(check_free_space(state.size()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return io(
      db_->Put(wo, "C", rocksdb::Slice(reinterpret_cast<const char*>(state.data()), state.size())));
}

Result<Bytes> Store::consensus_state() const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "C", &v);
  if (s.IsNotFound()) return Bytes{};
  WATTLE_RETURN_IF_ERROR(io(s));
  return Bytes(v.begin(), v.end());
}

Status Store::flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return io(db_->Flush(fo));
}

std::optional<uint64_t> Store::head_height() const {
  auto h = read_head(*db_, rocksdb::ReadOptions());
  if (!h || !*h) return std::nullopt;
  return (*h)->height;
}

Result<Block> Store::block(uint64_t height) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), block_key(height), &v);
  if (s.IsNotFound())
    return Status(Code::kNotFound, "no block at height " + std::to_string(height));
  if (!s.ok()) return io(s);
  auto b = decode_block(view(v));
  if (!b)
    return Status(Code::kCorruption,
                  "stored block " + std::to_string(height) + ": " + b.status().message());
  return b;
}

std::optional<TxLocation> Store::tx_location(const Hash256& hash) const {
  auto t = tx(hash);
  if (!t || !*t) return std::nullopt;
  return (*t)->location;
}

Result<std::optional<StoredTx>> Store::tx(const Hash256& hash) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), tx_key(hash), &v);
  if (s.IsNotFound()) return std::optional<StoredTx>();
  if (!s.ok()) return io(s);
  Reader r(view(v));
  StoredTx out;
  Status st = r.u64(out.location.height);
  if (st) st = r.u32(out.location.index);
  if (st) st = decode(r, out.tx);
  if (st) st = r.finish();
  if (!st) return Status(Code::kCorruption, "bad tx index entry: " + st.message());
  return std::optional<StoredTx>(std::move(out));
}

Result<State> Store::load_state() const {
  State state;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("s"); it->Valid() && it->key().starts_with("s"); it->Next()) {
    auto key =
        StateKey::decode(as_bytes(std::string_view(it->key().data(), it->key().size())).subspan(1));
    if (!key) return Status(Code::kCorruption, "bad state key: " + key.status().message());
    Bytes value(it->value().data(), it->value().data() + it->value().size());
    if (key->ns == Namespace::kAccount) {
      auto acct = decode_exact<Account>(value);
      if (!acct || key->id.size() != 20) return Status(Code::kCorruption, "bad account record");
    }
    state.put(*key, std::move(value));
  }
  if (!it->status().ok()) return io(it->status());
  return state;
}

Result<Hash256> Store::genesis_hash() const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "G", &v);
  if (!s.ok()) return io(s);
  if (v.size() != 32) return Status(Code::kCorruption, "bad genesis hash record");
  Hash256 h;
  std::memcpy(h.bytes.data(), v.data(), 32);
  return h;
}

Result<std::optional<Bytes>> Store::read(const StateKey& key) const {
  const std::string stored_key = record_key(key);
  uint64_t generation = 0;
  if (auto hit = records_.get(stored_key, &generation)) return std::move(*hit);
  auto value = get_record(*db_, rocksdb::ReadOptions(), stored_key);
  if (value) records_.fill(stored_key, *value, generation);
  return value;
}

Hash256 Store::root() const {
  std::lock_guard lock(mu_);
  return root_;
}

Result<TreeNode> Store::Nodes::node(const Hash256& hash) const {
  if (auto cached = store_.cache_.get(hash)) return *cached;
  rocksdb::PinnableSlice v;
  rocksdb::ReadOptions ro;
  ro.snapshot = snap_;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);  // see write_state_batch
  rocksdb::Status s =
      store_.db_->Get(ro, store_.db_->DefaultColumnFamily(), NodeKeyBuf(hash).slice(), &v);
  if (s.IsNotFound())
    return Status(Code::kCorruption, "state tree node " + hash.hex() + " missing");
  if (!s.ok()) return io(s);
  auto n = decode_exact<TreeNode>(as_bytes(std::string_view(v.data(), v.size())));
  if (!n) return Status(Code::kCorruption, "bad state tree node: " + n.status().message());
  if (n->hash() != hash)
    return Status(Code::kCorruption, "state tree node " + hash.hex() + " does not hash to its key");
  store_.cache_.put(hash, *n);
  return n;
}

Result<HeadProof> Store::prove_head(const StateKey& key) const {
  // One snapshot for head, record and nodes: a commit running meanwhile
  // deletes the nodes of the old tree, and must not tear the proof.
  struct Release {
    rocksdb::DB& db;
    const rocksdb::Snapshot* snap;
    ~Release() { db.ReleaseSnapshot(snap); }
  } snap{*db_, db_->GetSnapshot()};
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.snap;
  auto head = read_head(*db_, ro);
  if (!head) return head.status();
  if (!*head) return Status(Code::kNotFound, "empty store");
  HeadProof out;
  out.height = (*head)->height;
  out.state_root = (*head)->root;
  auto value = get_record(*db_, ro, record_key(key));
  if (!value) return value.status();
  out.value = std::move(*value);
  auto proof = chain::prove(Nodes(*this, snap.snap), out.state_root, key.path());
  if (!proof) return proof.status();
  out.proof = std::move(*proof);
  return out;
}

}  // namespace wattle::chain
