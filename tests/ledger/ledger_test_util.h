// Shared helpers for the ledger tests: deterministic keys, a small genesis,
// an in-memory chain that builds valid next blocks, state snapshots for
// "nothing changed" assertions, RapidCheck generators for the wire types,
// and a printed, overridable seed for the tests that use std::mt19937.
#pragma once

#include <rapidcheck.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/executor.h"
#include "chain/genesis.h"
#include "chain/state.h"
#include "chain/tx.h"
#include "modules/standard.h"

namespace wattle::chain::testing {
using namespace ::wattle::modules;

inline constexpr std::string_view kChain = "wattle-test";

inline KeyPair user_key(int i) {
  return KeyPair::from_label("ledger-test-user-" + std::to_string(i));
}
inline Address user_addr(int i) {
  return Address::of(user_key(i).public_key());
}

inline Tx transfer_tx(const KeyPair& from, uint64_t nonce, const Address& to, int64_t amount,
                      std::string_view chain = kChain) {
  return Tx::make_signed(std::string(chain), from, nonce, Transfer{to, Money(amount)});
}

// A genesis with users 0..n-1 holding `balance` each and user 0 as validator.
inline Genesis make_genesis(int n, int64_t balance, std::string_view chain = kChain) {
  Genesis g;
  g.chain_id = std::string(chain);
  g.genesis_time_ms = 1'700'000'000'000;
  g.validators.push_back({user_key(0).public_key(), 1});
  for (int i = 0; i < n; ++i) g.balances.push_back({user_addr(i), Money(balance)});
  return g;
}

// Everything observable about a State: its root and every account. Two
// snapshots compare equal only if no balance, nonce or account changed.
struct Snapshot {
  Hash256 root;
  std::map<Address, Account> accounts;
  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot(const State& s) {
  Snapshot snap{s.root(), {}};
  snap.accounts = s.accounts();
  return snap;
}

// The account records among a block's writes, decoded (tests only write accounts).
inline std::map<Address, Account> account_writes(const StateWrites& w) {
  std::map<Address, Account> out;
  for (const auto& [key, value] : w) {
    if (key.ns != Namespace::kAccount || !value || key.id.size() != 20) continue;
    Address a;
    std::copy(key.id.begin(), key.id.end(), a.bytes.begin());
    out[a] = decode_exact<Account>(*value).value();
  }
  return out;
}
inline StateWrites to_writes(const std::map<Address, Account>& accounts) {
  StateWrites w;
  for (const auto& [addr, acct] : accounts) w[StateKey::account(addr)] = encode_to_bytes(acct);
  return w;
}

inline int64_t total(const State& s) {
  auto t = s.total_balance();
  return t ? t->value() : -1;
}

// An in-memory chain: the committed state and the head header. next_block()
// builds the block a correct proposer would (tx root, tx count, state root);
// append() runs the full validate_block path before applying.
class TestChain {
 public:
  explicit TestChain(const Genesis& g)
      : chain_id_(g.chain_id), state_(g.initial_state()), head_(g.block().header) {}

  // The valid next block for `txs`, or the execution error.
  Result<Block> next_block(std::vector<Tx> txs, uint64_t dt_ms = 200) const {
    Block b;
    b.header.height = head_.height + 1;
    b.header.prev_hash = head_.hash();
    b.header.proposer = user_key(0).public_key();
    b.header.time_ms = head_.time_ms + dt_ms;
    b.header.tx_count = static_cast<uint32_t>(txs.size());
    b.header.tx_root = compute_tx_root(txs);
    auto exec = execute_txs(state_, txs, chain_id_, /*verify_signatures=*/true);
    if (!exec) return exec.status();
    b.header.state_root = exec->state_root;
    b.txs = std::move(txs);
    return b;
  }

  Status append(const Block& b) {
    auto exec = validate_block(state_, head_, b, chain_id_, /*verify_signatures=*/true);
    if (!exec) return exec.status();
    state_.apply(exec->writes);
    head_ = b.header;
    return Status::ok();
  }

  // next_block + append; the error of whichever failed.
  Status extend(std::vector<Tx> txs) {
    auto b = next_block(std::move(txs));
    if (!b) return b.status();
    return append(*b);
  }

  const State& state() const { return state_; }
  const BlockHeader& head() const { return head_; }
  const std::string& chain_id() const { return chain_id_; }

 private:
  std::string chain_id_;
  State state_;
  BlockHeader head_;
};

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wattle-ledger-test-XXXXXX";
    const char* p = mkdtemp(tmpl);
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Seed for tests driven by std::mt19937: WATTLE_TEST_SEED overrides, and the
// seed is always printed so a failure can be replayed.
inline uint64_t test_seed(const char* test_name) {
  uint64_t seed;
  if (const char* env = std::getenv("WATTLE_TEST_SEED"); env != nullptr && *env != '\0') {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    seed = std::random_device{}();
  }
  std::cerr << test_name << ": seed=" << seed << " (replay with WATTLE_TEST_SEED=" << seed << ")\n";
  return seed;
}

// Loop sizes shrink under ASan+UBSan so the sanitizer run stays quick.
#ifdef WATTLE_SANITIZE_BUILD
inline constexpr int kScale = 4;
#else
inline constexpr int kScale = 1;
#endif

}  // namespace wattle::chain::testing

// RapidCheck generators for the wire types. Fixed arrays are filled with
// arbitrary bytes; txs carry arbitrary (not necessarily valid) signatures,
// which the codec must carry through untouched.
namespace rc {

template <size_t N>
inline Gen<std::array<uint8_t, N>> byte_array() {
  return gen::map(gen::container<std::vector<uint8_t>>(N, gen::arbitrary<uint8_t>()),
                  [](const std::vector<uint8_t>& v) {
                    std::array<uint8_t, N> a{};
                    std::copy(v.begin(), v.end(), a.begin());
                    return a;
                  });
}

template <>
struct Arbitrary<wattle::Hash256> {
  static Gen<wattle::Hash256> arbitrary() {
    return gen::map(byte_array<32>(), [](auto a) { return wattle::Hash256{a}; });
  }
};
template <>
struct Arbitrary<wattle::PublicKey> {
  static Gen<wattle::PublicKey> arbitrary() {
    return gen::map(byte_array<32>(), [](auto a) { return wattle::PublicKey{a}; });
  }
};
template <>
struct Arbitrary<wattle::Signature> {
  static Gen<wattle::Signature> arbitrary() {
    return gen::map(byte_array<64>(), [](auto a) { return wattle::Signature{a}; });
  }
};
template <>
struct Arbitrary<wattle::Address> {
  static Gen<wattle::Address> arbitrary() {
    return gen::map(byte_array<20>(), [](auto a) { return wattle::Address{a}; });
  }
};
template <>
struct Arbitrary<wattle::chain::Transfer> {
  static Gen<wattle::chain::Transfer> arbitrary() {
    return gen::build<wattle::chain::Transfer>(
        gen::set(&wattle::chain::Transfer::to),
        gen::set(&wattle::chain::Transfer::amount,
                 gen::map(gen::arbitrary<int64_t>(), [](int64_t v) { return wattle::Money(v); })));
  }
};
template <>
struct Arbitrary<wattle::chain::Tx> {
  static Gen<wattle::chain::Tx> arbitrary() {
    using wattle::chain::Tx;
    return gen::build<Tx>(
        gen::set(&Tx::chain_id, gen::resize(wattle::chain::kMaxChainIdLength,
                                            gen::container<std::string>(gen::arbitrary<char>()))),
        gen::set(&Tx::sender), gen::set(&Tx::nonce),
        gen::set(&Tx::payload, gen::map(gen::arbitrary<wattle::chain::Transfer>(),
                                        [](auto t) { return wattle::chain::Payload(t); })),
        gen::set(&Tx::signature));
  }
};
template <>
struct Arbitrary<wattle::chain::BlockHeader> {
  static Gen<wattle::chain::BlockHeader> arbitrary() {
    using wattle::chain::BlockHeader;
    return gen::build<BlockHeader>(
        gen::set(&BlockHeader::height), gen::set(&BlockHeader::prev_hash),
        gen::set(&BlockHeader::proposer), gen::set(&BlockHeader::time_ms),
        gen::set(&BlockHeader::tx_root), gen::set(&BlockHeader::state_root),
        gen::set(&BlockHeader::tx_count), gen::set(&BlockHeader::last_commit_hash));
  }
};
// A block whose header agrees with its txs (tx_count, tx_root), as
// decode_block requires.
template <>
struct Arbitrary<wattle::chain::Block> {
  static Gen<wattle::chain::Block> arbitrary() {
    using wattle::chain::Block;
    return gen::map(gen::tuple(gen::arbitrary<wattle::chain::BlockHeader>(),
                               gen::resize(8, gen::arbitrary<std::vector<wattle::chain::Tx>>()),
                               gen::resize(64, gen::arbitrary<std::vector<uint8_t>>()),
                               gen::resize(64, gen::arbitrary<std::vector<uint8_t>>())),
                    [](auto t) {
                      Block b;
                      b.header = std::get<0>(t);
                      b.txs = std::get<1>(t);
                      b.certificate = std::get<2>(t);
                      b.last_commit = std::get<3>(t);
                      b.header.last_commit_hash =
                          wattle::chain::compute_last_commit_hash(b.last_commit);
                      b.header.tx_count = static_cast<uint32_t>(b.txs.size());
                      b.header.tx_root = wattle::chain::compute_tx_root(b.txs);
                      return b;
                    });
  }
};
template <>
struct Arbitrary<wattle::chain::Account> {
  static Gen<wattle::chain::Account> arbitrary() {
    return gen::build<wattle::chain::Account>(
        gen::set(&wattle::chain::Account::balance,
                 gen::map(gen::inRange<int64_t>(0, INT64_MAX),
                          [](int64_t v) { return wattle::Money(v); })),
        gen::set(&wattle::chain::Account::nonce));
  }
};

}  // namespace rc
