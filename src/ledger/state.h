// State: every account, in address order, with a state root.
//
// Promise: the root is a pure function of the set of (address, account)
// pairs: the Merkle root over leaves BLAKE2b(0x00 || address || account) in
// address order (std::map, never hash-map order). Leaf hashes are cached so
// a block only rehashes the accounts it touched. Not thread-safe: the node
// guards it with a lock.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/address.h"
#include "core/hash.h"
#include "ledger/account.h"

namespace wattle::ledger {

using AccountWrites = std::map<Address, Account>;

class State {
 public:
  // The account, or a zero account if the address was never written.
  Account get(const Address& address) const;
  bool contains(const Address& address) const { return accounts_.count(address) != 0; }
  void put(const Address& address, const Account& account);
  void apply(const AccountWrites& writes);
  Hash256 root() const;
  size_t size() const { return accounts_.size(); }
  // Sum of all balances (for conservation checks); nullopt on overflow.
  std::optional<Money> total_balance() const;
  const auto& accounts() const { return accounts_; }

 private:
  struct Entry {
    Account account;
    Hash256 leaf;
  };
  std::map<Address, Entry> accounts_;
};

// The leaf hash of one account in the state tree.
Hash256 account_leaf(const Address& address, const Account& account);

// A read view over State plus uncommitted writes: what a block sees while it
// executes, so a failed block leaves State untouched.
class StateOverlay {
 public:
  explicit StateOverlay(const State& base) : base_(base) {}
  Account get(const Address& address) const;
  void put(const Address& address, const Account& account) { writes_[address] = account; }
  const AccountWrites& writes() const { return writes_; }
  // Root of base + writes, without modifying base.
  Hash256 root() const;

 private:
  const State& base_;
  AccountWrites writes_;
};

}  // namespace wattle::ledger
