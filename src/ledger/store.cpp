#include "ledger/store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

namespace wattle::ledger {

namespace {

std::string block_key(uint64_t height) {
  std::string k = "b";
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(height >> (8 * i)));
  return k;
}
std::string tx_key(const Hash256& h) {
  return "t" + std::string(reinterpret_cast<const char*>(h.bytes.data()), h.bytes.size());
}
std::string account_key(const Address& a) {
  return "a" + std::string(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size());
}
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

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, StoreOptions store_options) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 256;
  if (store_options.env) options.env = store_options.env;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return io(s);
  std::unique_ptr<Store> store(new Store(db, dir, store_options.min_free_bytes));
  auto n = store->load_txs_committed();
  if (!n) return n.status();
  store->txs_committed_ = *n;
  return store;
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

Store::Store(rocksdb::DB* db, std::string dir, uint64_t min_free_bytes)
    : db_(db), dir_(std::move(dir)), min_free_bytes_(min_free_bytes) {}

Status Store::check_free_space(uint64_t batch_bytes) const {
  struct statvfs fs {};
  if (::statvfs(dir_.c_str(), &fs) != 0)
    return Status(Code::kIoError, "cannot stat the file system of " + dir_);
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
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
  if (s.ok()) {
    auto g = Genesis::from_json(stored);
    if (!g) return Status(Code::kCorruption, "stored genesis unreadable: " + g.status().message());
    if (g->hash() != genesis.hash())
      return Status(Code::kCorruption, "data dir belongs to another genesis/chain");
    return Status::ok();
  }
  if (!s.IsNotFound()) return io(s);
  rocksdb::WriteBatch batch;
  batch.Put("G", genesis.to_json());
  Block b0 = genesis.block();
  State st = genesis.initial_state();
  AccountWrites writes;
  for (const auto& [addr, e] : st.accounts()) writes[addr] = e.account;
  // Genesis goes through the same atomic path as every block.
  batch.Put(block_key(0), to_string(encode_to_bytes(b0)));
  for (const auto& [addr, acct] : writes)
    batch.Put(account_key(addr), to_string(encode_to_bytes(acct)));
  Writer head;
  head.u64(0);
  encode(head, b0.header.state_root);
  batch.Put("H", to_string(head.data()));
  batch.Put("N", u64_value(0));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return io(db_->Write(wo, &batch));
}

Status Store::commit(const Block& block, const AccountWrites& writes,
                     const std::vector<Hash256>* tx_hashes) {
  if (tx_hashes && tx_hashes->size() != block.txs.size())
    return Status(Code::kInternal, "tx_hashes does not match the block's txs");
  auto head = head_height();
  if (!head || block.header.height != *head + 1)
    return Status(Code::kInternal,
                  "commit out of order at height " + std::to_string(block.header.height));
  rocksdb::WriteBatch batch;
  batch.Put(block_key(block.header.height), to_string(encode_to_bytes(block)));
  for (uint32_t i = 0; i < block.txs.size(); ++i) {
    Writer loc;
    loc.u64(block.header.height);
    loc.u32(i);
    batch.Put(tx_key(tx_hashes ? (*tx_hashes)[i] : block.txs[i].hash()), to_string(loc.data()));
  }
  for (const auto& [addr, acct] : writes)
    batch.Put(account_key(addr), to_string(encode_to_bytes(acct)));
  Writer h;
  h.u64(block.header.height);
  encode(h, block.header.state_root);
  batch.Put("H", to_string(h.data()));
  const uint64_t total = txs_committed_ + block.txs.size();
  batch.Put("N", u64_value(total));
  WATTLE_RETURN_IF_ERROR(check_free_space(batch.GetDataSize()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  Status st = io(db_->Write(wo, &batch));
  if (st) txs_committed_ = total;
  return st;
}

std::optional<uint64_t> Store::head_height() const {
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), "H", &v).ok()) return std::nullopt;
  Reader r(view(v));
  uint64_t height = 0;
  if (!r.u64(height)) return std::nullopt;
  return height;
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
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), tx_key(hash), &v).ok()) return std::nullopt;
  Reader r(view(v));
  TxLocation loc;
  if (!r.u64(loc.height) || !r.u32(loc.index)) return std::nullopt;
  return loc;
}

Result<State> Store::load_state() const {
  State state;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("a"); it->Valid() && it->key().starts_with("a"); it->Next()) {
    if (it->key().size() != 21) return Status(Code::kCorruption, "bad account key");
    Address addr;
    std::memcpy(addr.bytes.data(), it->key().data() + 1, 20);
    auto acct =
        decode_exact<Account>(as_bytes(std::string_view(it->value().data(), it->value().size())));
    if (!acct) return Status(Code::kCorruption, "bad account value: " + acct.status().message());
    state.put(addr, *acct);
  }
  if (!it->status().ok()) return io(it->status());
  return state;
}

Result<std::string> Store::genesis_json() const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "G", &v);
  if (!s.ok()) return io(s);
  return v;
}

}  // namespace wattle::ledger
