// `wattle bench ledger`: what one block costs as the state grows, and how
// big an account proof is (figures measured in one run).
//
//   commit_ms_1k   execute and commit one block of 5,000 transfers among
//                  random existing accounts as every replica does once it is
//                  decided (finalize_block: signatures, execution, state-tree
//                  update; commit: the synced RocksDB batch, mempool update)
//                  when the state holds 1,000 accounts; median of 3 blocks
//   commit_ms_1m   the same when the state holds 1,000,000 accounts
//   commit_growth  commit_ms_1m / commit_ms_1k  (goal <= 3: per-block cost
//                  grows with keys touched x log(state), not with the state)
//   proof_bytes    mean encoded size of an account proof in the large state
//   exec_ms_1k/1m  the finalize_block part of commit_ms (the rest is the
//                  synced write and the mempool update)
// Note the keys a block touches differ: 5,000 transfers touch all 1,000
// accounts of the small state but ~10,000 of the large one, so the tree work
// grows ~10x (keys) x ~2x (depth) even though each key costs O(log n).
// Each state is a fresh temp store whose genesis holds every account; `--quick`
// uses 1,000 and 20,000 accounts and 500-transfer blocks.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>

#include "bench.h"
#include "chain/application.h"

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kBalance = 1'000'000'000'000;
constexpr int kBlocks = 3;

struct Figures {
  double commit_ms = 0;  // median over kBlocks
  double exec_ms = 0;    // of which prepare_proposal (execution + tree update), same block
  double proof_bytes = 0;
};

Figures measure(const fs::path& dir, size_t n_accounts, size_t block_txs, uint64_t seed) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Senders need keys; the other accounts only need distinct addresses.
  const size_t n_senders = std::min(n_accounts, block_txs);
  std::vector<KeyPair> senders;
  for (size_t i = 0; i < n_senders; ++i)
    senders.push_back(
        KeyPair::from_label("bench/ledger/" + std::to_string(seed) + "/" + std::to_string(i)));
  chain::Genesis g;
  g.chain_id = "bench-ledger";
  g.genesis_time_ms = 1;
  g.min_balance = Money(1'000);
  g.validators.push_back({senders[0].public_key(), 1});
  std::vector<Address> all;
  all.reserve(n_accounts);
  for (const auto& k : senders) all.push_back(Address::of(k.public_key()));
  for (size_t i = all.size(); i < n_accounts; ++i) {
    Writer w;
    w.u64(seed);
    w.u64(i);
    Hash256 h = blake2b256(w.data());
    Address a;
    std::copy_n(h.bytes.begin(), a.bytes.size(), a.bytes.begin());
    all.push_back(a);
  }
  for (const Address& a : all) g.balances.push_back({a, Money(kBalance)});

  chain::StoreOptions so;
  if (const char* e = std::getenv("WATTLE_NODE_CACHE")) so.node_cache_entries = std::stoull(e);
  auto store = chain::Store::open(dir.string(), so);
  if (!store) throw std::runtime_error(store.status().to_string());
  chain::Store& db = **store;
  chain::AppConfig cfg;
  cfg.max_block_txs = block_txs;
  auto app = chain::Application::open(std::move(g), std::move(*store), cfg);
  if (!app) throw std::runtime_error(app.status().to_string());
  chain::Application& a = **app;
  // Measure the steady state, not RocksDB flushing the genesis batch.
  if (Status st = db.flush(); !st) throw std::runtime_error(st.to_string());

  std::mt19937_64 rng(seed);
  std::vector<uint64_t> nonce(n_senders, 0);
  std::vector<std::pair<double, double>> ms;  // (total, execution) per block
  // One warm-up block, then kBlocks timed ones.
  for (int b = 0; b <= kBlocks; ++b) {
    std::vector<Bytes> raw(block_txs);
    std::vector<std::pair<size_t, Address>> plan(block_txs);
    for (size_t i = 0; i < block_txs; ++i) plan[i] = {i % n_senders, all[rng() % all.size()]};
    // Signing is as slow as verifying: spread it over all cores.
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    std::vector<uint64_t> base = nonce;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (size_t i = t; i < block_txs; i += threads) {
          size_t s = plan[i].first;
          uint64_t n = base[s] + i / n_senders;
          raw[i] = encode_to_bytes(chain::Tx::make_signed(
              "bench-ledger", senders[s], n,
              chain::Transfer{plan[i].second, Money(1'000 + static_cast<int64_t>(i % 997))}));
        }
      });
    for (auto& th : pool) th.join();
    for (size_t i = 0; i < block_txs; ++i) nonce[plan[i].first] += 1;
    for (const auto& r : a.check_txs(raw))
      if (!r.status) throw std::runtime_error("CheckTx refused a tx: " + r.status.to_string());

    // The proposer's block, then what every replica does with it once it
    // is decided: verify, execute, update the tree, commit.
    auto p = a.prepare_proposal(a.head().height + 1, a.head().time_ms + 1,
                                a.genesis().validators[0].public_key);
    if (!p) throw std::runtime_error(p.status().to_string());
    if (p->block.txs.size() != block_txs) throw std::runtime_error("proposal left txs out");
    a.drop_cached_executions();
    auto t0 = Clock::now();
    Status st = a.finalize_block(p->block);
    if (!st) throw std::runtime_error(st.to_string());
    double exec_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    auto info = a.commit();
    if (!info) throw std::runtime_error(info.status().to_string());
    double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (b > 0) ms.push_back({elapsed, exec_ms});
  }
  std::sort(ms.begin(), ms.end());
  Figures f;
  f.commit_ms = ms[ms.size() / 2].first;
  f.exec_ms = ms[ms.size() / 2].second;
  constexpr int kProofs = 100;
  size_t bytes = 0;
  for (int i = 0; i < kProofs; ++i) {
    auto proof = a.prove_account(all[rng() % all.size()]);
    if (!proof) throw std::runtime_error(proof.status().to_string());
    bytes += encode_to_bytes(proof->proof).size();
  }
  f.proof_bytes = static_cast<double>(bytes) / kProofs;
  app->reset();
  fs::remove_all(dir);
  return f;
}

}  // namespace

int run_ledger(const BenchOptions& opts) {
  crypto_init();
  const size_t small = 1'000;
  const size_t large = opts.quick ? 20'000 : 1'000'000;
  const size_t block_txs = opts.quick ? 500 : 5'000;
  fs::path base = fs::temp_directory_path() / ("wattle-bench-ledger-" + std::to_string(::getpid()));
  Figures s = measure(base / "small", small, block_txs, opts.seed);
  Figures l = measure(base / "large", large, block_txs, opts.seed);
  fs::remove_all(base);
  std::cout << std::fixed << std::setprecision(1) << "accounts_small=" << small << "\n"
            << "accounts_large=" << large << "\n"
            << "block_txs=" << block_txs << "\n"
            << "commit_ms_1k=" << s.commit_ms << "\n"
            << "commit_ms_1m=" << l.commit_ms << "\n"
            << "commit_growth=" << std::setprecision(2) << l.commit_ms / s.commit_ms << "\n"
            << std::setprecision(1) << "exec_ms_1k=" << s.exec_ms << "\n"
            << "exec_ms_1m=" << l.exec_ms << "\n"
            << "proof_bytes=" << static_cast<uint64_t>(l.proof_bytes) << "\n";
  return 0;
}

}  // namespace wattle::bench
