// RocksDB store: commit and reopen gives back the head, every block, every
// tx location and the in-memory state; out-of-order commits and foreign
// genesis files are refused; corrupt records are reported, not trusted.
#include "chain/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::kChain;
using testing::make_genesis;
using testing::snapshot;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

using testing::TempDir;

std::unique_ptr<Store> open_store(const std::string& dir) {
  auto s = Store::open(dir);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s ? std::move(*s) : nullptr;
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : genesis_(make_genesis(4, 1'000'000)), state_(genesis_.initial_state()) {
    head_ = genesis_.block().header;
  }

  // Builds, validates and commits the next block with `txs`; mirrors the
  // in-memory state alongside.
  Block commit_next(Store& store, std::vector<Tx> txs) { return commit_next({&store}, txs); }
  // The same block into each of `stores`.
  Block commit_next(const std::vector<Store*>& stores, std::vector<Tx> txs) {
    Block b;
    b.header.height = head_.height + 1;
    b.header.prev_hash = head_.hash();
    b.header.proposer = user_key(0).public_key();
    b.header.time_ms = head_.time_ms + 200;
    b.header.tx_count = static_cast<uint32_t>(txs.size());
    b.header.tx_root = compute_tx_root(txs);
    auto exec = execute_txs(state_, txs, kChain, true);
    EXPECT_TRUE(exec.is_ok()) << exec.status().to_string();
    b.header.state_root = exec->state_root;
    b.txs = std::move(txs);
    b.certificate = {0xce, 0x27};
    for (Store* store : stores) EXPECT_TRUE(store->commit(b, exec->writes, exec->tree));
    state_.apply(exec->writes);
    head_ = b.header;
    blocks_.push_back(b);
    return b;
  }

  // Three blocks of transfers, one of them empty, one creating an account.
  void commit_some(Store& store) {
    commit_next(store, {transfer_tx(user_key(1), 0, user_addr(2), 100),
                        transfer_tx(user_key(2), 0, user_addr(3), 50)});
    commit_next(store, {});
    commit_next(store, {transfer_tx(user_key(1), 1, user_addr(77), 9),
                        transfer_tx(user_key(3), 0, user_addr(1), 1),
                        transfer_tx(user_key(1), 2, user_addr(1), 5)});
  }

  void expect_matches_memory(const Store& store) {
    ASSERT_EQ(store.head_height(), head_.height);
    for (const Block& b : blocks_) {
      auto stored = store.block(b.header.height);
      ASSERT_TRUE(stored.is_ok()) << stored.status().to_string();
      EXPECT_EQ(encode_to_bytes(*stored), encode_to_bytes(b)) << "height " << b.header.height;
      for (uint32_t i = 0; i < b.txs.size(); ++i) {
        auto loc = store.tx_location(b.txs[i].hash());
        ASSERT_TRUE(loc.has_value());
        EXPECT_EQ(loc->height, b.header.height);
        EXPECT_EQ(loc->index, i);
      }
    }
    auto st = store.load_state();
    ASSERT_TRUE(st.is_ok()) << st.status().to_string();
    EXPECT_EQ(snapshot(*st), snapshot(state_));
    EXPECT_EQ(st->root(), head_.state_root);
  }

  Genesis genesis_;
  State state_;
  BlockHeader head_;
  std::vector<Block> blocks_;
  TempDir dir_;
};

TEST_F(StoreTest, EmptyStoreHasNoHead) {
  auto store = open_store(dir_.sub("db"));
  EXPECT_FALSE(store->head_height().has_value());
  EXPECT_EQ(store->block(0).status().code(), Code::kNotFound);
  EXPECT_FALSE(store->tx_location(Hash256{}).has_value());
  EXPECT_TRUE(store->load_state().value().accounts().empty());
}

TEST_F(StoreTest, InitGenesisWritesBlockZeroAndTheInitialState) {
  auto store = open_store(dir_.sub("db"));
  ASSERT_TRUE(store->init_genesis(genesis_));
  EXPECT_EQ(store->head_height(), 0u);
  auto b0 = store->block(0);
  ASSERT_TRUE(b0.is_ok());
  EXPECT_EQ(b0->header.hash(), genesis_.block().header.hash());
  EXPECT_EQ(snapshot(store->load_state().value()), snapshot(genesis_.initial_state()));
  EXPECT_EQ(store->genesis_hash().value(), genesis_.hash());
  EXPECT_EQ(store->root(), genesis_.block().header.state_root);
}

TEST_F(StoreTest, CommitThenReopenGivesBackHeadBlocksTxsAndState) {
  {
    auto store = open_store(dir_.sub("db"));
    ASSERT_TRUE(store->init_genesis(genesis_));
    blocks_.push_back(genesis_.block());
    commit_some(*store);
    expect_matches_memory(*store);
  }
  auto reopened = open_store(dir_.sub("db"));
  expect_matches_memory(*reopened);
  EXPECT_EQ(reopened->block(head_.height + 1).status().code(), Code::kNotFound);
  EXPECT_FALSE(reopened->tx_location(transfer_tx(user_key(1), 9, user_addr(2), 1).hash()));
  // The reopened store carries on from where it stopped.
  commit_next(*reopened, {transfer_tx(user_key(2), 1, user_addr(1), 10)});
  expect_matches_memory(*reopened);
}

TEST_F(StoreTest, CommitOutOfOrderIsRejectedAndChangesNothing) {
  auto store = open_store(dir_.sub("db"));
  Block lone;
  lone.header.height = 1;
  EXPECT_FALSE(store->commit(lone, {}, TreeUpdate{})) << "no genesis yet";
  EXPECT_FALSE(store->head_height().has_value());

  ASSERT_TRUE(store->init_genesis(genesis_));
  blocks_.push_back(genesis_.block());
  commit_some(*store);
  Block next_ok = blocks_.back();
  for (uint64_t h : {uint64_t{0}, head_.height - 1, head_.height, head_.height + 2}) {
    Block b = next_ok;
    b.header.height = h;
    StateWrites bogus = testing::to_writes({{user_addr(1), Account{Money(1), 99}}});
    TreeUpdate tree;
    tree.root = b.header.state_root;
    Status st = store->commit(b, bogus, tree);
    EXPECT_EQ(st.code(), Code::kInternal) << "height " << h;
  }
  expect_matches_memory(*store);
}

TEST_F(StoreTest, CommitWithPrecomputedHashesIndexesTheTxs) {
  auto store = open_store(dir_.sub("db"));
  ASSERT_TRUE(store->init_genesis(genesis_));
  std::vector<Tx> txs = {transfer_tx(user_key(1), 0, user_addr(2), 100),
                         transfer_tx(user_key(2), 0, user_addr(3), 50)};
  Block b;
  b.header.height = 1;
  b.header.prev_hash = head_.hash();
  b.header.tx_count = 2;
  b.header.tx_root = compute_tx_root(txs);
  auto exec = execute_txs(state_, txs, kChain, true);
  ASSERT_TRUE(exec.is_ok());
  b.header.state_root = exec->state_root;
  b.txs = txs;
  // A hash list of the wrong length is refused before anything is written.
  std::vector<Hash256> one = {txs[0].hash()};
  EXPECT_EQ(store->commit(b, exec->writes, exec->tree, &one).code(), Code::kInternal);
  EXPECT_EQ(store->head_height(), 0u);
  EXPECT_FALSE(store->tx_location(txs[0].hash()).has_value());
  std::vector<Hash256> hashes = {txs[0].hash(), txs[1].hash()};
  ASSERT_TRUE(store->commit(b, exec->writes, exec->tree, &hashes));
  EXPECT_EQ(store->head_height(), 1u);
  ASSERT_TRUE(store->tx_location(txs[1].hash()).has_value());
  EXPECT_EQ(store->tx_location(txs[1].hash())->index, 1u);
}

TEST_F(StoreTest, InitGenesisTwiceIsFineAnotherGenesisIsCorruption) {
  auto store = open_store(dir_.sub("db"));
  ASSERT_TRUE(store->init_genesis(genesis_));
  blocks_.push_back(genesis_.block());
  commit_some(*store);
  EXPECT_TRUE(store->init_genesis(genesis_));
  expect_matches_memory(*store);  // the second init did not reset anything

  Genesis other_chain = make_genesis(4, 1'000'000, "other-chain");
  EXPECT_EQ(store->init_genesis(other_chain).code(), Code::kCorruption);
  Genesis other_balance = genesis_;
  other_balance.balances[0].second = Money(1);
  EXPECT_EQ(store->init_genesis(other_balance).code(), Code::kCorruption);
  Genesis other_interval = genesis_;
  other_interval.block_interval_ms += 1;
  EXPECT_EQ(store->init_genesis(other_interval).code(), Code::kCorruption);
  expect_matches_memory(*store);

  store.reset();
  auto reopened = open_store(dir_.sub("db"));
  EXPECT_TRUE(reopened->init_genesis(genesis_));
  EXPECT_EQ(reopened->init_genesis(other_chain).code(), Code::kCorruption);
}

TEST_F(StoreTest, SecondOpenOfALockedDirIsAnIoError) {
  auto store = open_store(dir_.sub("db"));
  auto second = Store::open(dir_.sub("db"));
  EXPECT_EQ(second.status().code(), Code::kIoError);
}

TEST_F(StoreTest, OpenOnAFileIsAnError) {
  std::string file = dir_.sub("not-a-dir");
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  EXPECT_FALSE(Store::open(file).is_ok());
}

// Writes raw key/value pairs behind the Store's back.
void put_raw(const std::string& dir, const std::string& key, const std::string& value) {
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

TEST_F(StoreTest, CorruptBlockOrAccountRecordIsCorruption) {
  {
    auto store = open_store(dir_.sub("db"));
    ASSERT_TRUE(store->init_genesis(genesis_));
    commit_some(*store);
  }
  std::string block2_key = std::string("b") + std::string(7, '\0') + '\x02';
  put_raw(dir_.sub("db"), block2_key, "garbage");
  std::string acct_key =
      "s\x01" + std::string(reinterpret_cast<const char*>(user_addr(1).bytes.data()), 20);
  Writer negative;
  negative.i64(-5);
  negative.u64(0);
  put_raw(dir_.sub("db"), acct_key, std::string(negative.data().begin(), negative.data().end()));
  auto store = open_store(dir_.sub("db"));
  EXPECT_EQ(store->block(2).status().code(), Code::kCorruption);
  EXPECT_TRUE(store->block(1).is_ok());
  EXPECT_EQ(store->load_state().status().code(), Code::kCorruption);
}

// The node keys stored ("n" + hash), read behind the Store's back.
std::set<Hash256> stored_node_hashes(const std::string& dir) {
  std::set<Hash256> out;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("n"); it->Valid() && it->key().starts_with("n"); it->Next()) {
    EXPECT_EQ(it->key().size(), 33u);
    Hash256 h;
    std::memcpy(h.bytes.data(), it->key().data() + 1, 32);
    out.insert(h);
  }
  return out;
}

// Every node reachable from `root`.
void reachable(const NodeReader& nodes, const Hash256& root, std::set<Hash256>& out) {
  if (root.is_zero()) return;
  auto n = nodes.node(root);
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  out.insert(root);
  if (n->kind == TreeNode::Kind::kInternal) {
    reachable(nodes, n->a, out);
    reachable(nodes, n->b, out);
  }
}

// Whatever the node cache holds or evicts (none, a few entries so every
// set is shared, the default), the store keeps exactly the latest tree:
// every node reachable from the head's root and no other, across a reopen,
// and proofs read through the cache verify.
TEST_F(StoreTest, StoredNodesAreExactlyTheLatestTreeWhateverTheNodeCache) {
  for (size_t cache : {size_t{0}, size_t{2}, size_t{5}, size_t{1} << 20}) {
    SCOPED_TRACE("node_cache_entries=" + std::to_string(cache));
    const std::string dir = dir_.sub("db" + std::to_string(cache));
    state_ = genesis_.initial_state();
    head_ = genesis_.block().header;
    blocks_.clear();
    StoreOptions options;
    options.node_cache_entries = cache;
    {
      auto store = Store::open(dir, options);
      ASSERT_TRUE(store.is_ok()) << store.status().to_string();
      ASSERT_TRUE((*store)->init_genesis(genesis_));
      commit_some(**store);
      for (int i = 0; i < 3; ++i)
        commit_next(**store, {transfer_tx(user_key(2), 1 + i, user_addr(100 + i), 7),
                              transfer_tx(user_key(3), 1 + i, user_addr(1), 3)});
      for (int u : {1, 2, 3, 77, 100, 102, 555}) {
        auto p = (*store)->prove_head(StateKey::account(user_addr(u)));
        ASSERT_TRUE(p.is_ok()) << p.status().to_string();
        std::optional<Hash256> value_hash;
        if (p->value) value_hash = blake2b256(*p->value);
        EXPECT_TRUE(verify_proof(head_.state_root, StateKey::account(user_addr(u)).path(),
                                 value_hash, p->proof))
            << "user " << u;
      }
    }
    auto store = Store::open(dir, options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    std::set<Hash256> live;
    reachable((*store)->tree(), (*store)->root(), live);
    EXPECT_EQ((*store)->root(), head_.state_root);
    store->reset();
    EXPECT_EQ(stored_node_hashes(dir), live);
  }
}

// The store's record cache (record_cache.h): the same blocks into a store
// with the cache and one without; before and after each commit every record
// reads the same from both and from the in-memory state, including records
// that do not exist yet.
TEST_F(StoreTest, RecordsReadTheSameWithAndWithoutTheRecordCacheAfterEveryCommit) {
  StoreOptions without;
  without.record_cache_entries = 0;
  auto with_cache = open_store(dir_.sub("with"));
  auto no_cache = Store::open(dir_.sub("without"), without);
  ASSERT_TRUE(with_cache && no_cache);
  ASSERT_TRUE(with_cache->init_genesis(genesis_));
  ASSERT_TRUE((*no_cache)->init_genesis(genesis_));
  std::vector<StateKey> keys;
  for (int i : {0, 1, 2, 3, 4, 77}) keys.push_back(StateKey::account(user_addr(i)));
  const auto expect_same = [&](const std::string& when) {
    for (const StateKey& k : keys) {
      auto want = state_.read(k);
      auto a = with_cache->read(k);
      auto b = (*no_cache)->read(k);
      ASSERT_TRUE(want && a && b) << when;
      EXPECT_EQ(*a, *want) << when;
      EXPECT_EQ(*b, *want) << when;
    }
  };
  const std::vector<std::vector<Tx>> blocks = {
      {transfer_tx(user_key(1), 0, user_addr(2), 100),
       transfer_tx(user_key(2), 0, user_addr(3), 50)},
      {},
      {transfer_tx(user_key(1), 1, user_addr(77), 9), transfer_tx(user_key(3), 0, user_addr(1), 1)},
      {transfer_tx(user_key(77), 0, user_addr(1), 2)}};
  for (size_t i = 0; i < blocks.size(); ++i) {
    expect_same("before block " + std::to_string(i + 1));  // fills the cache
    commit_next({with_cache.get(), no_cache->get()}, blocks[i]);
    expect_same("after block " + std::to_string(i + 1));
  }
}

}  // namespace
}  // namespace wattle::chain
