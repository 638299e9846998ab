// Application: the ledger as a consensus application, the shape of
// CometBFT's ABCI++ in-process. It owns the committed state (the Store), the
// mempool and the event bus, and is the only way in: nothing else executes
// txs or writes the store.
//
// Calls and who makes them:
//   check_tx / check_txs        HTTP threads now, tx gossip later (CheckTx)
//   prepare_proposal            the proposer's consensus thread
//   process_proposal            a follower's consensus thread, before prevoting
//   finalize_block + commit     every replica once a block is decided
//   queries (head, account...)  any thread
// The consensus calls come from one thread at a time. They all execute
// through chain::execute_block (executor.h), the one execution path; its
// order within a block is begin_block, the txs in order, end_block.
// prepare_proposal and process_proposal cache their execution by block id
// (at most kMaxCachedExecutions), so finalize_block of a block this replica
// already executed does not execute it again. A block that arrives as bytes
// comes in decoded once (DecodedBlock: its id and tx hashes from its bytes,
// chain/block.h) and is shared, not copied or hashed again, from
// validation through execution to the store.
//
// Promises: bad input (undecodable bytes, a block that fails any check) is
// refused with a stable code and changes nothing; commit() is durable when it
// returns (one synced batch); events are published after the commit is
// durable. Thread-safe.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "chain/events.h"
#include "chain/evidence_check.h"
#include "chain/executor.h"
#include "chain/genesis.h"
#include "chain/last_commit_check.h"
#include "chain/mempool.h"
#include "chain/store.h"
#include "chain/test_hooks.h"

namespace wattle::chain {

struct AppConfig {
  size_t max_block_txs = 10'000;
  MempoolLimits mempool;
  size_t event_capacity = 4096;
  // The simulator's application mutations; null everywhere else.
  const AppTestHooks* hooks = nullptr;
  // The clock, the signature workers and nothing else from outside
  // (core/env.h); null: an InlineEnv at time 0 (tests). CheckTx judges the
  // time-dependent market rules (gate closure, reading windows) at
  // max(head time + 1, env->now_ms()): a node passes system_env(), so a
  // meter reading posted just after its slot ends is admitted before a
  // block has proved that time. Admission only; execution always uses the
  // block's time. Must outlive the Application.
  Env* env = nullptr;
  // Verifies evidence of validator misbehaviour (evidence.h); the node sets
  // it on BFT chains. Unset: blocks with evidence are refused and
  // add_evidence refuses everything.
  EvidenceChecker evidence_checker;
  // Checks a block's last commit (its parent's certificate) and names its
  // signers (last_commit_check.h); the node sets it. Set: prepare_proposal
  // puts the stored certificate of the head into each block after height 1
  // and every block must carry one. Unset: blocks carry none.
  LastCommitChecker last_commit_checker;
  // The chain's modules, in hook order; unset: the standard modules built
  // from genesis (Genesis::params). A test, or an application of its own,
  // composes its set here without a change to the chain.
  std::shared_ptr<const ModuleSet> modules;
};

// Where a tx for CheckTx comes from: a client (HTTP) or a peer's gossip.
enum class TxSource : uint8_t { kClient, kPeer };

struct CheckTxResult {
  Hash256 hash;   // zero if the bytes did not decode
  Status status;  // ok = admitted to the mempool
};

// A block a proposer offers: the block, its canonical bytes and its id
// (the header hash, which the bytes decode to), and the block with its tx
// hashes as the host may keep it for its own engine (node/chain_consensus.h).
struct Proposal {
  Block block;
  Bytes bytes;
  Hash256 id;
  std::shared_ptr<const DecodedBlock> decoded;
};

struct CommitInfo {
  BlockHeader header;
  std::vector<Hash256> tx_hashes;
  // When each committed tx entered this node's mempool (txs it never saw
  // are left out); for latency metrics.
  std::vector<uint64_t> admitted;  // Env::steady_ms()
  uint32_t evidence_count = 0;     // evidence items the block committed
};

// A tx this node admitted that then left the mempool without committing: the
// proposer left it out of its block, or the recheck after a block found it no
// longer applies. `height` is the block that dropped it.
struct DroppedTx {
  uint64_t height = 0;
  Status reason;
};

struct AccountState {
  Account account;  // zero balance and nonce for an address never seen
  bool exists = false;
};

class Application {
 public:
  static constexpr size_t kMaxCachedExecutions = 8;
  static constexpr size_t kMaxPendingEvidence = 64;
  // How many dropped txs (dropped_tx) are remembered: the most recent ones.
  static constexpr size_t kMaxDroppedTxs = 10'000;
  // How many tx hashes a block validation's signature checks are kept for
  // CheckTx (block_verified_), until the next commit.
  static constexpr size_t kMaxBlockVerified = 4 * kMaxBlockTxs;

  // Initialises the store from genesis when empty, and checks that the
  // store's state root matches its head block.
  static Result<std::unique_ptr<Application>> open(Genesis genesis, std::unique_ptr<Store> store,
                                                   AppConfig config = {});

  // CheckTx: decode, chain id, signature, then the stateful rules against the
  // committed state plus pending txs; admitted txs enter the mempool.
  CheckTxResult check_tx(ByteView bytes);
  // The same for many txs, signatures verified in parallel outside the lock.
  // While set_catching_up(true), every tx is refused with kCatchingUp: the
  // committed state is too old to judge nonces and funds (the host decides
  // when, node/node.h). From a peer (kPeer), a tx whose nonce the committed
  // state has used is refused (kNonceReplay) before its signature is
  // checked: gossip brings a tx from several peers, and each copy that
  // arrives after its block committed would otherwise cost a verification
  // (a client still gets kBadSignature first for a forged replay). Any thread.
  std::vector<CheckTxResult> check_txs(const std::vector<Bytes>& raw,
                                       TxSource source = TxSource::kClient);
  void set_catching_up(bool behind) { catching_up_.store(behind); }
  bool catching_up() const { return catching_up_.load(); }

  // Evidence of a validator's misbehaviour, found by this node's engine or
  // gossiped by a peer: checked (AppConfig::evidence_checker) and kept in a
  // bounded pool (kMaxPendingEvidence) until a block commits it. ok = new
  // and pending; kDuplicate = already pending or committed; kMempoolFull;
  // the checker's error otherwise. Any thread.
  Status add_evidence(ByteView item);
  size_t evidence_pending() const;

  // The block `proposer` offers at `height`: pending evidence (at most
  // kMaxBlockEvidence) and mempool txs that apply, in admission order (txs
  // that no longer apply are dropped from the mempool),
  // time max(time_ms, parent time + 1). kInvalidArgument if `height` is not
  // the next height. The block may have no txs; the caller decides.
  Result<Proposal> prepare_proposal(uint64_t height, uint64_t time_ms, const PublicKey& proposer);

  // A follower's full check of a proposed block: proposer (== expected and in
  // the validator set), links to the head (height, prev hash, time strictly
  // after the parent's), tx count and root, signatures, re-execution and the
  // state root. ok iff this replica could commit it.
  Status process_proposal(std::shared_ptr<const DecodedBlock> block,
                          const PublicKey& expected_proposer);
  // The same for a block built in memory (hashes each tx).
  Status process_proposal(const Block& block, const PublicKey& expected_proposer);

  // Executes a decided block on the committed state, with the same checks
  // as process_proposal except which proposer was expected; the result
  // waits for commit(), which stores the block with `certificate`.
  Status finalize_block(std::shared_ptr<const DecodedBlock> block, ByteView certificate);
  // The same for a block built in memory, certificate attached.
  Status finalize_block(const Block& block);
  // Makes the finalized block durable, updates the mempool, publishes events.
  Result<CommitInfo> commit();

  // Proof of work (node/pow_chain.h), instead of finalize_block + commit:
  // `move` takes the store's head back and forward (each step one synced
  // batch) and returns how many blocks it connected on top of the fork.
  // Then, even if `move` failed part way, the head and tx count follow the
  // store, the mempool drops the connected blocks' txs and rechecks the rest
  // against the new head, and each connected block's events are published,
  // oldest first; their CommitInfos are returned. Offering a disconnected
  // block's txs to CheckTx again is the caller's job. Consensus thread only.
  Result<std::vector<CommitInfo>> reorganize(const std::function<Result<uint64_t>(Store&)>& move);

  // The consensus engine's crash-recovery state, beside the blocks in the
  // store: durable (synced) when save returns. Consensus thread only.
  Status save_consensus_state(ByteView state) { return store_->put_consensus_state(state); }
  Result<Bytes> consensus_state() const { return store_->consensus_state(); }

  // Forgets cached executions, so the next finalize_block executes as a
  // follower that never saw the proposal would (benchmarks, tests).
  void drop_cached_executions() { executed_.clear(); }

  // --- queries -------------------------------------------------------------
  const Genesis& genesis() const { return genesis_; }
  BlockHeader head() const;
  Result<Block> block(uint64_t height) const;
  Result<AccountState> account(const Address& address) const;
  // The account record (or its absence) with a proof against the head's state root.
  Result<HeadProof> prove_account(const Address& address) const;
  std::optional<Tx> pending_tx(const Hash256& hash) const;
  // The nonce the sender's next tx needs given its pending txs; nullopt when
  // it has none in the mempool.
  std::optional<uint64_t> pending_nonce(const Address& address) const;
  // One store read (the tx index holds the tx).
  Result<std::optional<StoredTx>> committed_tx(const Hash256& hash) const;
  // Why a tx this node admitted was dropped, among the last kMaxDroppedTxs
  // drops (in memory: a restart forgets them).
  std::optional<DroppedTx> dropped_tx(const Hash256& hash) const;
  size_t mempool_size() const;
  uint64_t txs_committed() const;
  EventBus& events() { return events_; }
  // The events block `height` published when it committed (block_events),
  // from the store: for replaying a stream (GET /v1/events?from_height).
  // kNotFound above the head; kUnavailable for a block committed before the
  // store kept its market events.
  Result<std::vector<Event>> committed_events(uint64_t height) const;

  // The committed state (the head's), for the modules' typed queries
  // (modules/*/..._queries.h), and the modules themselves.
  const StateReader& committed_state() const { return *store_; }
  const ModuleSet& modules() const { return *params_.modules; }
  // A module's query (chain/module.h) over the committed state; kNotFound
  // for a module this chain does not have.
  Result<Bytes> query(std::string_view module, std::string_view path, ByteView request) const;

  // True when a block at `time_ms` on top of the head has work in a module's
  // hooks (a market gate closure or settlement), so the proposer should
  // produce one even with no txs. False on a read error (the next call
  // retries).
  bool block_due(uint64_t time_ms) const;

 private:
  struct Executed {
    std::shared_ptr<const DecodedBlock> block;  // with its tx hashes
    Bytes certificate;                          // set by finalize_block
    ExecutedBlock exec;
  };
  Application(Genesis genesis, std::unique_ptr<Store> store, AppConfig config, BlockHeader head);
  using Cache = std::map<Hash256, Executed>;
  // check_links + execute + root, unless the cache holds this block id;
  // the result stays in the cache.
  // `trust_mempool`: txs this node's CheckTx admitted (still in its
  // mempool) are not verified again (process_proposal); finalize_block of a
  // block never validated here verifies every signature.
  Result<Cache::iterator> execute(const std::shared_ptr<const DecodedBlock>& block,
                                  bool trust_mempool);
  Cache::iterator cache(const Hash256& id, Executed e);
  // Fills `b`'s last commit from the stored certificate of `prev` (the
  // head) when this chain takes one, and names its signers.
  Result<std::optional<LastCommit>> proposed_last_commit(const BlockHeader& prev, Block& b) const;
  // CheckTx of a peer's txs: those whose nonce the committed state has
  // used are refused (kNonceReplay) and reset, before any signature check.
  void refuse_committed_copies(std::vector<std::optional<Tx>>& txs,
                               std::vector<CheckTxResult>& results) const;
  // The next block's context for CheckTx's time-dependent rules.
  BlockContext next_block() const;

  const Genesis genesis_;
  const ChainParams params_;
  const AppConfig config_;
  std::unique_ptr<InlineEnv> own_env_;  // when config_.env is null
  Env& env_;
  std::unique_ptr<Store> store_;
  EventBus events_;
  const std::vector<PublicKey> validators_;  // the proposer must be one

  // Two locks, taken in this order when nested: mempool_mu_ then mu_. The
  // recheck of the whole mempool after a block holds mempool_mu_ alone (as
  // CometBFT's mempool Update does), so head and status queries, which need
  // only mu_, never wait for it; CheckTx and pending lookups do.
  mutable std::mutex mempool_mu_;  // guards mempool_
  Mempool mempool_;
  std::map<Hash256, Bytes> evidence_pool_;  // by evidence hash; guarded by mempool_mu_
  // Txs whose signatures process_proposal verified (they were not in the
  // mempool then) in blocks not yet committed: a gossiped copy that arrives
  // before the commit skips its signature check (the hash covers the
  // signature). Cleared at commit, at most kMaxBlockVerified; guarded by
  // mempool_mu_.
  std::unordered_set<Hash256, Hash256Hasher> block_verified_;
  // The last kMaxDroppedTxs drops, oldest first; guarded by mempool_mu_.
  std::map<Hash256, DroppedTx> dropped_;
  std::deque<Hash256> dropped_order_;
  void remember_dropped(const std::vector<Mempool::Dropped>& dropped, uint64_t height);
  std::atomic<size_t> mempool_size_{0};  // mirrors mempool_.size() for lock-free reads
  mutable std::mutex mu_;                // guards head_, txs_committed_
  BlockHeader head_;
  uint64_t txs_committed_ = 0;  // persisted by the store, so it survives restarts
  // set_catching_up(); read by CheckTx on any thread.
  std::atomic<bool> catching_up_{false};

  // Consensus thread only.
  Cache executed_;
  std::optional<Executed> finalized_;
  // The certificate this node committed its head with, so the next
  // proposal's last commit need not read and decode the whole head block
  // back from the store; empty after open and reorganize (read it then).
  std::optional<std::pair<uint64_t, Bytes>> head_certificate_;
};

}  // namespace wattle::chain
