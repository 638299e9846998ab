// Module: one part of the application the chain hosts (bank, energy market,
// evidence, and later staking or certificates), in the shape of a Cosmos SDK
// x/<module> (docs/architecture.md, "Modules").
//
// A module owns:
//   - its tx payload kinds (tx_kinds): the chain hands it every tx of those
//     kinds, after the envelope checks (chain id, signature, nonce);
//   - its state namespaces (namespaces): no other module reads or writes its
//     keys except through its typed API (free functions in its folder);
//   - its genesis section (init_genesis);
//   - its begin-block and end-block hooks;
//   - its CheckTx pre-checks (check_tx, stateless) and its stateful rules
//     (deliver_tx), which CheckTx and execution both run, on an overlay of
//     the committed state plus the same sender's pending txs (CheckTx) or of
//     the block so far (execution): one rule set;
//   - its conservation terms (value_delta): the executor asserts that the
//     terms of all modules sum to zero after every block;
//   - its queries (query), over the committed state.
//
// The chain core knows modules only through this interface and a ModuleSet,
// whose order is the order of the hooks (see ModuleSet). A module's hooks
// must be deterministic: pure functions of the state they read, the block
// header and the module's genesis parameters (no clock, no thread, no
// randomness, no floating point). An error from any hook leaves no write
// behind: the executor rolls the overlay back to before the call (so a tx
// that fails in its third write changes nothing), and a failing block hook
// fails the block on every replica alike.
//
// Modules are immutable once built and shared between threads (const).
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "chain/account.h"
#include "chain/block.h"
#include "chain/block_context.h"
#include "chain/events.h"
#include "chain/state.h"
#include "chain/tx.h"

namespace wattle::chain {

class ModuleSet;

// What a module's tx rule may touch while it executes one tx.
struct TxScope {
  StateOverlay& state;  // the block so far (or committed + the sender's pending txs)
  const Tx& tx;
  // The sender's account as read (nonce checked, not yet bumped). A module
  // may change its balance; the chain writes it back, with the nonce bumped,
  // after deliver_tx returns ok.
  Account& sender;
  const BlockContext& ctx;
  std::vector<Event>* events;  // null in CheckTx
  const ModuleSet& modules;    // for hooks that cross modules (on_credit)
};

class Module {
 public:
  virtual ~Module() = default;

  // A short stable name ("bank", "energy", "evidence"), unique in a set.
  virtual std::string_view name() const = 0;
  // Tx kinds (TxKind wire values) whose payloads this module executes.
  virtual std::vector<uint8_t> tx_kinds() const { return {}; }
  // The state namespaces this module owns.
  virtual std::vector<Namespace> namespaces() const { return {}; }

  // Genesis: writes the records of its genesis section (ModuleSet::
  // init_genesis, in set order). The standard modules write none here yet:
  // their sections (balances, the market's parameters) are still read by
  // Genesis itself (chain/genesis.h).
  virtual Status init_genesis(StateOverlay& state) const;

  // CheckTx's stateless pre-check of a payload this module owns (ranges,
  // sizes); runs before the signature check, so it must be cheap.
  virtual Status check_tx(const Tx& tx) const;
  // The stateful rules of a tx this module owns.
  virtual Status deliver_tx(TxScope& scope) const;

  // Block hooks, in set order at the start and at the end of every block.
  virtual Status begin_block(StateOverlay& state, const BlockHeader& header,
                             std::vector<Event>* events) const;
  virtual Status end_block(StateOverlay& state, const BlockHeader& header,
                           std::vector<Event>* events) const;

  // The signers of the previous block's commit certificate, after every
  // begin_block, when the block's caller supplies them (block_context.h).
  virtual Status last_commit(StateOverlay& state, const BlockHeader& header,
                             const LastCommit& commit, std::vector<Event>* events) const;

  // Evidence of validator misbehaviour (block evidence items): the one
  // module of a set that accepts_evidence() checks and records each item.
  virtual bool accepts_evidence() const { return false; }
  virtual Status deliver_evidence(StateOverlay& state, ByteView item, uint64_t block_height) const;

  // A credit of `amount` (> 0) to `address` passes every module in set order
  // before it reaches the balance; a module may take part of it (the market
  // repays debt first) and returns what is left. Writes only its own keys.
  virtual Result<Money> on_credit(StateOverlay& state, const Address& address, Money amount) const;

  // This module's conservation term: how much the token value it holds
  // (balances, escrow minus debts, ...) changes from `base` to base+writes.
  // The terms of all modules of a set sum to zero for every block.
  virtual Result<__int128> value_delta(const StateReader& base, const StateWrites& writes) const;

  // True when a block at `time_ms` on top of `state` has work in this
  // module's hooks even without txs (the proposer then makes a block).
  virtual Result<bool> block_due(const StateReader& state, uint64_t time_ms) const;

  // A typed query over the committed state, as canonical bytes: `path`
  // names the query within the module, `request` its canonical argument.
  // kNotFound for a path the module does not serve.
  virtual Result<Bytes> query(std::string_view path, ByteView request,
                              const StateReader& state) const;
};

// The modules of a chain, in hook order. Execution of a block runs:
//   1. begin_block of every module, in this order;
//   1b. last_commit of every module, in this order, when the block has one;
//   2. every evidence item, in block order, through the module that
//      accepts_evidence() (none: the block is refused);
//   3. every tx, in block order, through the module that owns its kind;
//   4. end_block of every module, in this order;
//   5. the conservation check (sum of value_delta == 0) and the state root.
// Built once from genesis (modules/standard.h) or by a test; immutable.
class ModuleSet {
 public:
  // kInvalidArgument if two modules share a name, a tx kind or a namespace.
  static Result<std::shared_ptr<const ModuleSet>> make(
      std::vector<std::shared_ptr<const Module>> modules);

  std::span<const std::shared_ptr<const Module>> modules() const { return modules_; }
  // The module that executes tx kind `kind`, or null.
  const Module* for_kind(uint8_t kind) const { return by_kind_[kind]; }
  const Module* find(std::string_view name) const;
  // The module of type M in the set, or null (typed access for queries).
  template <typename M>
  const M* find() const {
    for (const auto& m : modules_)
      if (const auto* typed = dynamic_cast<const M*>(m.get())) return typed;
    return nullptr;
  }

  Status begin_block(StateOverlay& state, const BlockHeader& header,
                     std::vector<Event>* events) const;
  Status last_commit(StateOverlay& state, const BlockHeader& header, const LastCommit& commit,
                     std::vector<Event>* events) const;
  Status end_block(StateOverlay& state, const BlockHeader& header,
                   std::vector<Event>* events) const;
  // What is left of a credit after every module's on_credit.
  Result<Money> on_credit(StateOverlay& state, const Address& address, Money amount) const;
  // The sum of every module's value_delta.
  Result<__int128> value_delta(const StateReader& base, const StateWrites& writes) const;
  Result<bool> block_due(const StateReader& state, uint64_t time_ms) const;
  Status init_genesis(StateOverlay& state) const;
  // kUnauthorized when no module accepts evidence.
  Status deliver_evidence(StateOverlay& state, ByteView item, uint64_t block_height) const;

 private:
  explicit ModuleSet(std::vector<std::shared_ptr<const Module>> modules);
  std::vector<std::shared_ptr<const Module>> modules_;
  std::array<const Module*, 256> by_kind_{};
  const Module* evidence_ = nullptr;
};

}  // namespace wattle::chain
