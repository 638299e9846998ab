// State: namespaced records under an authenticated root (the state tree).
//
// Every record lives under a StateKey = (namespace, id); each namespace has
// its own canonical record type (accounts now; orders, escrows, meters,
// validators and stakes later, see docs/ledger.md). The state root is the
// root of the sparse Merkle tree (state_tree.h) over BLAKE2b(ns || id) ->
// BLAKE2b(record bytes), so it is a pure function of the set of records.
//
// StateReader is what execution, CheckTx and proofs read: the in-memory
// State below (tests, replay in `wattle verify`) and the RocksDB-backed
// committed state of a Store both implement it. StateOverlay collects a
// block's writes on top of a reader without changing it, so a failed block
// leaves the state untouched. Not thread-safe: callers lock.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "chain/account.h"
#include "chain/state_tree.h"
#include "core/address.h"
#include "core/hash.h"

namespace wattle::chain {

// Wire values are part of every state key: never renumber; append.
enum class Namespace : uint8_t {
  kAccount = 1,    // id: address (20 bytes)      record: Account
  kOrder = 2,      // id: order id (tx hash)      record: OrderRecord (market_state.h)
  kEscrow = 3,     // id: address                 record: MarketAccount (escrow, debt, meter)
  kMeter = 4,      // id: meter public key        record: MeterRecord
  kValidator = 5,  // reserved: validator set entries
  kStake = 6,      // reserved: stakes and delegations
  kSlot = 7,       // id: slot (u64 big-endian)   record: SlotRecord
  kSlotOrder = 8,  // id: slot || seq (BE)        record: order id, while the slot is open
  kBill = 9,       // id: address || slot (BE)    record: Bill
  kReading = 10,   // id: address || slot (BE)    record: ReadingRecord (the slot's interval)
  kMarket = 11,    // id: empty                   record: MarketCursor (slots awaiting hooks);
                   // id: slot (BE): its clearing's depth wait (finality_depth.h)
  kEvidence = 12,  // id: evidence hash           record: EvidenceRecord (evidence.h)
};
inline constexpr uint8_t kMaxNamespace = 12;
// Namespaces kFirstModuleNamespace..kLastModuleNamespace are for modules
// added without a change here (a module names its own value in that range).
inline constexpr uint8_t kFirstModuleNamespace = 32;
inline constexpr uint8_t kLastModuleNamespace = 127;
inline constexpr size_t kMaxStateIdBytes = 64;

struct StateKey {
  Namespace ns = Namespace::kAccount;
  Bytes id;
  auto operator<=>(const StateKey&) const = default;

  static StateKey account(const Address& address);
  // ns byte || id: what the path hashes and the store keys on.
  Bytes encoded() const;
  // The key's path in the state tree.
  Hash256 path() const;
  static Result<StateKey> decode(ByteView encoded);
};

// Record writes of a block, final values; nullopt deletes the record.
using StateWrites = std::map<StateKey, std::optional<Bytes>>;

class StateReader {
 public:
  virtual ~StateReader() = default;
  // The record at `key`, nullopt when there is none.
  virtual Result<std::optional<Bytes>> read(const StateKey& key) const = 0;
  virtual Hash256 root() const = 0;
  // The nodes of the tree under root().
  virtual const NodeReader& tree() const = 0;

  // The account at `address`; a zero account when there is none.
  Result<Account> account(const Address& address) const;
  Result<bool> has_account(const Address& address) const;
  Result<StateProof> prove(const StateKey& key) const;
};

// The tree changes of `writes` (path -> value hash or deletion).
TreeChanges tree_changes(const StateWrites& writes);

// A whole state in memory. The tree is updated lazily, only along the paths
// written since the last root() call.
class State final : public StateReader {
 public:
  State() = default;
  State(const State&) = default;
  State& operator=(const State&) = default;
  State(State&&) = default;
  State& operator=(State&&) = default;

  Result<std::optional<Bytes>> read(const StateKey& key) const override;
  Hash256 root() const override;
  const NodeReader& tree() const override;

  // The account, or a zero account if the address was never written.
  Account get(const Address& address) const;
  bool contains(const Address& address) const;
  void put(const Address& address, const Account& account);
  void put(const StateKey& key, Bytes value);
  void erase(const StateKey& key);
  void apply(const StateWrites& writes);

  size_t size() const { return records_.size(); }
  // Sum of all account balances (for conservation checks); nullopt on overflow.
  std::optional<Money> total_balance() const;
  std::map<Address, Account> accounts() const;
  const std::map<StateKey, Bytes>& records() const { return records_; }

 private:
  void flush() const;  // applies dirty_ to the tree

  std::map<StateKey, Bytes> records_;
  mutable HashNodes nodes_;
  mutable Hash256 root_;
  mutable TreeChanges dirty_;
};

// A read view over a StateReader plus uncommitted writes: what a block sees
// while it executes.
//
// Savepoints make a call atomic: writes after savepoint() are undone by
// rollback_to(), so a tx or hook that fails after some writes leaves the
// overlay as it was (the executor takes one before every tx and hook).
class StateOverlay {
 public:
  explicit StateOverlay(const StateReader& base) : base_(base) {}
  // Starts from `writes` on top of `base` (CheckTx: a sender's pending txs).
  StateOverlay(const StateReader& base, StateWrites writes)
      : base_(base), writes_(std::move(writes)) {}
  Result<std::optional<Bytes>> read(const StateKey& key) const;
  Result<Account> account(const Address& address) const;
  void put(const Address& address, const Account& account);
  void put(const StateKey& key, Bytes value) { write(key, std::move(value)); }
  void erase(const StateKey& key) { write(key, std::nullopt); }
  const StateWrites& writes() const { return writes_; }
  StateWrites take_writes() && { return std::move(writes_); }

  // A point to roll back to; nested savepoints are fine.
  size_t savepoint() const { return journal_.size(); }
  // Undoes every write made after `point`.
  void rollback_to(size_t point);
  // Keeps the writes made after `point` and forgets how to undo them (the
  // call succeeded), so the journal stays as small as the open savepoints.
  void release(size_t point) {
    journal_.erase(journal_.begin() + static_cast<std::ptrdiff_t>(point), journal_.end());
  }
  // The tree update from base to base + writes; base is not modified.
  Result<TreeUpdate> tree_update() const;
  Result<Hash256> root() const;

 private:
  void write(const StateKey& key, std::optional<Bytes> value);

  const StateReader& base_;
  StateWrites writes_;
  // Per write: the key and its previous entry in writes_ (nullopt: none).
  std::vector<std::pair<StateKey, std::optional<std::optional<Bytes>>>> journal_;
};

}  // namespace wattle::chain
