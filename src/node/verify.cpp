#include "node/verify.h"

#include "chain/executor.h"
#include "node/chain_consensus.h"
#include "node/home.h"
#include "node/pow_chain.h"

namespace wattle::node {

Result<VerifyReport> verify_chain(const chain::Store& store, const chain::Genesis& genesis) {
  auto head = store.head_height();
  if (!head) return Status(Code::kCorruption, "store has no head");
  auto b0 = store.block(0);
  if (!b0) return b0.status();
  if (b0->header.hash() != genesis.block().header.hash())
    return Status(Code::kCorruption, "block 0 is not this genesis");
  chain::State state = genesis.initial_state();
  chain::BlockHeader prev = b0->header;
  // The checker reads the replayed state, as the node reads its store.
  const chain::ChainParams params = genesis.params(evidence_checker(genesis, &state));
  // The node's rule for each block's last commit, over the replayed state.
  const chain::LastCommitChecker last_commit = last_commit_checker(genesis, &state);
  // On a PoW chain anyone may mine: no proposer check, and the certificate
  // is the block's PoW header.
  const bool pow = genesis.engine == chain::EngineKind::kPow;
  std::vector<PublicKey> validators;
  if (!pow)
    for (const auto& v : genesis.validators) validators.push_back(v.public_key);
  VerifyReport report;
  for (uint64_t h = 1; h <= *head; ++h) {
    auto b = store.block(h);
    if (!b) return b.status();
    WATTLE_RETURN_IF_ERROR(
        pow ? check_stored_pow_header(*b)
            : verify_block_certificate(genesis, b->header, b->certificate, &state));
    // The same execution path as the node's (chain::execute_block), over an
    // in-memory replay of the state.
    auto proposers = chain::proposer_keys(genesis, state, h);
    if (!proposers) return proposers.status();
    chain::BlockChecks checks;
    checks.validators = proposers->empty() || pow ? validators : *proposers;
    checks.env = &system_env();
    checks.last_commit = last_commit;
    auto exec = chain::validate_block(state, prev, *b, params, checks);
    if (!exec)
      return Status(Code::kCorruption,
                    "block " + std::to_string(h) + ": " + exec.status().to_string());
    state.apply(exec->writes);
    prev = b->header;
    report.txs += b->txs.size();
  }
  // The stored records must rebuild the replayed root, and the store's tree
  // must hold the same root.
  auto stored = store.load_state();
  if (!stored) return stored.status();
  if (stored->root() != state.root() || store.root() != state.root())
    return Status(Code::kCorruption, "stored state differs from the state replayed from genesis");
  if (!state.root().is_zero()) {
    auto n = store.tree().node(state.root());
    if (!n) return Status(Code::kCorruption, "stored state tree: " + n.status().message());
  }
  report.height = *head;
  report.state_root = state.root();
  return report;
}

Result<VerifyReport> verify_home(const std::string& home) {
  auto genesis = load_genesis(home);
  if (!genesis) return genesis.status();
  auto store = chain::Store::open(data_dir(home));
  if (!store) return store.status();
  return verify_chain(**store, *genesis);
}

}  // namespace wattle::node
