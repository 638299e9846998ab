// Replica: the consensus host. It runs the engine the genesis names
// ("single" or "bft") over a chain::Application and carries out every
// action the engine returns; the world (clock, timers, network) comes in
// through an Env. The node process and the deterministic simulator both
// run a chain through this one class.
//
// Promises:
//  - Every engine action is handled explicitly: the dispatch is a visit
//    with one handler per action type and no fallback, so a new action type
//    fails to compile until the host handles it.
//  - PersistBeforeSend is durable (a synced store write) before anything
//    after it in the batch is sent; a failed write halts the replica before
//    anything is sent.
//  - A value the engine commits is executed through the application
//    (finalize_block + commit: the one execution path) and durable before
//    the engine hears it executed and before Env::on_committed.
//  - open() refuses (kCorruption naming both heights) a store whose saved
//    consensus state is for a height after the block store's next one:
//    that store lost blocks the engine already voted past.
//  - Proposals: "single" proposes only blocks with txs, or when the market
//    has a gate closure or settlement due (Application::block_due);
//    "bft" proposes a block, empty or not, once block_interval_ms have
//    passed since the parent's time, so the chain paces itself.
//  - Not thread-safe: one call at a time, on the Env's thread. After a halt
//    or a stop (Env::after_persist returned false) every call is a no-op.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "chain/application.h"
#include "consensus/bft/bft_engine.h"
#include "consensus/engine.h"
#include "core/keys.h"
#include "node/chain_consensus.h"
#include "node/env.h"

namespace wattle::node {

struct ReplicaOptions {
  // 0: the genesis block_interval_ms.
  uint64_t block_interval_ms = 0;
  consensus::bft::TimeoutConfig timeouts;
  // The simulator's (signature-caching) verifier; null: the default.
  const consensus::bft::SignatureVerifier* verifier = nullptr;
  // The simulator's engine mutations; null everywhere else.
  const consensus::bft::TestHooks* hooks = nullptr;
  // Asked before every BFT signature (node/signing_state.h); null: none.
  consensus::bft::SignGuard* sign_guard = nullptr;
  // TEST ONLY (`wattle node --misbehave double-prevote:H`, CometBFT's e2e
  // misbehaviors): after this validator's first prevote at height H, it also
  // broadcasts a conflicting one (nil for a value, or a value for nil), so
  // its peers see equivocation and the chain slashes it (docs/staking.md).
  std::optional<uint64_t> misbehave_double_prevote;
};

class Replica final : private consensus::ValueValidator {
 public:
  // `app` and `env` must outlive the replica. `key` signs as a validator;
  // for "bft" a key outside the set follows the chain without voting.
  static Result<std::unique_ptr<Replica>> open(chain::Application& app, KeyPair key, Env& env,
                                               ReplicaOptions options = {});

  // Starts the engine at the height after the store's head.
  void start();
  // Input from the Env.
  void on_timeout(const consensus::Timeout& timeout);
  void on_message(consensus::NodeIndex from, ByteView message);

  bool halted() const { return halted_; }
  bool stopped() const { return stopped_ || halted_; }
  // The BFT engine, for metrics and the simulator's checks; null for "single".
  const consensus::bft::BftEngine* bft() const { return bft_; }
  uint64_t evidence_seen() const { return evidence_seen_; }
  // A block the host decoded already (block sync), so the engine's checks,
  // validation and commit of the value `data` do not decode it again.
  void remember_value(ByteView data, std::shared_ptr<const chain::DecodedBlock> block) {
    values_.remember(data, std::move(block));
  }

 private:
  Replica(chain::Application& app, KeyPair key, Env& env, uint64_t interval_ms);
  // consensus::ValueValidator: a follower's full check (process_proposal).
  bool validate(uint64_t height, const consensus::Value& value) override;
  void run(consensus::Actions actions);
  void propose(uint64_t height, uint32_t round);
  void commit(consensus::Commit& c);
  void halt(Status why);
  // Env::on_round when the engine's (height, round) changed since the last report.
  void report_round();
  // The double-prevote misbehaviour (ReplicaOptions): a second, conflicting
  // prevote after `message` if it is this validator's prevote at that height.
  void maybe_double_prevote(ByteView message);

  // The genesis set at every height, for a follower (a key outside the
  // set): the engine then follows without signing.
  class FixedSets final : public consensus::bft::ValidatorSetProvider {
   public:
    explicit FixedSets(consensus::bft::ValidatorSet set) : set_(std::move(set)) {}
    consensus::bft::ValidatorSet validator_set(uint64_t height) override {
      return set_.at_height(height);
    }

   private:
    consensus::bft::ValidatorSet set_;
  };

  // The set of each height from the committed staking records
  // (validator_set_at), for every replica of a chain with staked sets. Keeps
  // the last answer, so a height whose set did not change costs one step.
  class StakedSets final : public consensus::bft::ValidatorSetProvider {
   public:
    explicit StakedSets(chain::Application& app) : app_(app) {}
    consensus::bft::ValidatorSet validator_set(uint64_t height) override;

   private:
    chain::Application& app_;
    std::optional<consensus::bft::ValidatorSet> last_;
  };

  chain::Application& app_;
  KeyPair key_;
  std::unique_ptr<consensus::bft::ValidatorSetProvider> follower_sets_;
  Env& env_;
  const uint64_t interval_ms_;
  // Each value decoded once, for the engine's id checks, validate and
  // commit; declared before the engine, which holds it as its hasher.
  BlockValues values_;
  std::unique_ptr<consensus::Engine> engine_;
  consensus::bft::BftEngine* bft_ = nullptr;  // engine_ when it is BFT
  bool halted_ = false;
  bool stopped_ = false;
  uint64_t evidence_seen_ = 0;
  std::optional<uint64_t> double_prevote_at_;  // cleared once done
  std::pair<uint64_t, uint32_t> reported_round_{0, 0};
};

}  // namespace wattle::node
