#include "chain/executor.h"

#include <algorithm>

#include "core/assert.h"

namespace wattle::chain {

namespace {

// Runs `call` under a savepoint: on error the overlay and the events are as
// they were before it.
template <typename F>
Status atomically(StateOverlay& state, std::vector<Event>* events, F&& call) {
  const size_t point = state.savepoint();
  const size_t event_count = events ? events->size() : 0;
  Status st = call();
  if (st) {
    state.release(point);
  } else {
    state.rollback_to(point);
    if (events) events->resize(event_count);
  }
  return st;
}

Status deliver(StateOverlay& state, const Tx& tx, const ChainParams& params,
               const BlockContext& ctx, std::vector<Event>* events) {
  const Address from = tx.sender_address();
  auto sender = state.account(from);
  if (!sender) return sender.status();
  WATTLE_RETURN_IF_ERROR(check_nonce(sender->nonce, tx.nonce));
  const Module* module = params.modules ? params.modules->for_kind(tx.kind()) : nullptr;
  if (module == nullptr)
    return Status(Code::kMalformed,
                  "no module of this chain executes tx kind " + std::to_string(tx.kind()));
  Account acct = *sender;
  TxScope scope{state, tx, acct, ctx, events, *params.modules};
  WATTLE_RETURN_IF_ERROR(module->deliver_tx(scope));
  // The scope's copy carries the sender's balance as the module left it.
  acct.nonce = sender->nonce + 1;
  state.put(from, acct);
  return Status::ok();
}

}  // namespace

Status apply_tx(StateOverlay& state, const Tx& tx, const ChainParams& params,
                const BlockContext& ctx, std::vector<Event>* events) {
  return atomically(state, events, [&] { return deliver(state, tx, params, ctx, events); });
}

std::vector<uint8_t> verify_each(const std::vector<Tx>& txs, Env* env) {
  std::vector<uint8_t> ok(txs.size(), 0);
  auto verify = [&](size_t i) { ok[i] = txs[i].signature_valid() ? 1 : 0; };
  if (env)
    env->for_each(txs.size(), verify);
  else
    for (size_t i = 0; i < txs.size(); ++i) verify(i);
  return ok;
}

int64_t first_bad_signature(const std::vector<Tx>& txs, Env* env) {
  std::vector<uint8_t> ok = verify_each(txs, env);
  for (size_t i = 0; i < ok.size(); ++i)
    if (!ok[i]) return static_cast<int64_t>(i);
  return -1;
}

Result<ExecutedBlock> execute_block(const StateReader& state, const BlockHeader& header,
                                    std::vector<Tx> txs, const ChainParams& params, ExecMode mode,
                                    bool verify_signatures, std::vector<Bytes> evidence,
                                    const std::vector<Hash256>* tx_hashes,
                                    const LastCommit* last_commit) {
  if (txs.size() > kMaxBlockTxs) return Status(Code::kTooLarge, "too many txs in block");
  if (tx_hashes && tx_hashes->size() != txs.size()) tx_hashes = nullptr;
  if (evidence.size() > kMaxBlockEvidence)
    return Status(Code::kTooLarge, "too much evidence in block");
  if (!params.modules) return Status(Code::kInternal, "chain params without modules");
  const ModuleSet& modules = *params.modules;
  const bool strict = mode == ExecMode::kStrict;
  std::vector<uint8_t> sig_ok;
  if (verify_signatures) {
    sig_ok = verify_each(txs);
    // A forged tx fails a block before anything executes, whatever else is wrong.
    if (strict)
      for (size_t i = 0; i < sig_ok.size(); ++i)
        if (!sig_ok[i])
          return Status(Code::kBadSignature,
                        "tx " + std::to_string(i) + ": signature does not verify");
  }
  ExecutedBlock out;
  out.txs.reserve(txs.size());
  StateOverlay overlay(state);
  std::vector<Event>* events = &out.module_events;
  WATTLE_RETURN_IF_ERROR(
      atomically(overlay, events, [&] { return modules.begin_block(overlay, header, events); }));
  if (last_commit)
    WATTLE_RETURN_IF_ERROR(atomically(overlay, events, [&] {
      return modules.last_commit(overlay, header, *last_commit, events);
    }));
  for (size_t i = 0; i < evidence.size(); ++i) {
    Status st = atomically(overlay, events, [&] {
      return modules.deliver_evidence(overlay, evidence[i], header.height);
    });
    if (st) {
      out.evidence.push_back(std::move(evidence[i]));
    } else if (strict || st.code() == Code::kIoError || st.code() == Code::kCorruption) {
      return Status(st.code(), "evidence " + std::to_string(i) + ": " + st.message());
    }
  }
  BlockContext ctx{header.height, header.time_ms, header.prev_hash, 0};
  for (size_t i = 0; i < txs.size(); ++i) {
    Status st = verify_signatures && !sig_ok[i]
                    ? Status(Code::kBadSignature, "signature does not verify")
                    : check_stateless(txs[i], params.chain_id, /*check_signature=*/false);
    // The index among the txs the block keeps: an order's time (height, index).
    ctx.tx_index = static_cast<uint32_t>(out.txs.size());
    ctx.tx_hash = tx_hashes ? &(*tx_hashes)[i] : nullptr;
    if (st) st = apply_tx(overlay, txs[i], params, ctx, events);
    if (st) {
      out.txs.push_back(std::move(txs[i]));
      continue;
    }
    // Storage errors are never a tx's fault: they fail the block in every mode.
    if (strict || st.code() == Code::kIoError || st.code() == Code::kCorruption)
      return Status(st.code(), "tx " + std::to_string(i) + ": " + st.message());
    out.dropped.push_back(i);
    out.drop_reasons.push_back(st);
  }
  WATTLE_RETURN_IF_ERROR(
      atomically(overlay, events, [&] { return modules.end_block(overlay, header, events); }));
  auto delta = modules.value_delta(state, overlay.writes());
  if (!delta) return delta.status();
  WATTLE_ASSERT(*delta == 0, "block changed the modules' conserved value");
  auto tree = overlay.tree_update();
  if (!tree) return tree.status();
  out.tree = std::move(*tree);
  out.state_root = out.tree.root;
  out.writes = std::move(overlay).take_writes();
  return out;
}

Status check_links(const BlockHeader& prev, const Block& block,
                   const std::vector<Hash256>* tx_hashes) {
  const BlockHeader& h = block.header;
  if (h.height != prev.height + 1)
    return Status(Code::kInvalidArgument, "block height " + std::to_string(h.height) +
                                              " does not follow " + std::to_string(prev.height));
  if (h.prev_hash != prev.hash())
    return Status(Code::kInvalidArgument, "block prev_hash does not match the previous block");
  if (h.time_ms <= prev.time_ms)
    return Status(Code::kInvalidArgument, "block time " + std::to_string(h.time_ms) +
                                              " is not after its parent's " +
                                              std::to_string(prev.time_ms));
  const bool hashes_fit = tx_hashes && tx_hashes->size() == block.txs.size();
  if (h.tx_count != block.txs.size() ||
      h.tx_root != (hashes_fit ? merkle_root(*tx_hashes) : compute_tx_root(block.txs)))
    return Status(Code::kInvalidArgument, "block tx_root/tx_count do not match its txs");
  if (h.evidence_root != compute_evidence_root(block.evidence))
    return Status(Code::kInvalidArgument, "block evidence_root does not match its evidence");
  if (h.last_commit_hash != compute_last_commit_hash(block.last_commit))
    return Status(Code::kInvalidArgument, "block last_commit_hash does not match its last commit");
  return Status::ok();
}

Result<std::optional<LastCommit>> check_last_commit(const BlockHeader& prev, const Block& block,
                                                    const LastCommitChecker& checker) {
  const bool expected = checker && prev.height > 0;
  if (block.last_commit.empty()) {
    if (!expected) return std::optional<LastCommit>();
    return Status(Code::kInvalidArgument, "block lacks its parent's commit certificate");
  }
  if (!checker) return Status(Code::kInvalidArgument, "this chain's blocks carry no last commit");
  if (prev.height == 0)
    return Status(Code::kInvalidArgument, "block 1 carries a last commit; genesis has none");
  auto commit = checker(prev, block.last_commit);
  if (!commit) return Status(Code::kInvalidArgument, "last commit: " + commit.status().message());
  if (commit->height != prev.height)
    return Status(Code::kInvalidArgument, "last commit is not of the parent's height");
  return std::optional<LastCommit>(std::move(*commit));
}

Status check_proposer(const std::vector<PublicKey>& validators, const BlockHeader& header) {
  if (std::find(validators.begin(), validators.end(), header.proposer) == validators.end())
    return Status(Code::kUnauthorized, "block proposer is not a validator");
  return Status::ok();
}

Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, const ChainParams& params,
                                     const BlockChecks& checks) {
  if (!checks.validators.empty())
    WATTLE_RETURN_IF_ERROR(check_proposer(checks.validators, block.header));
  WATTLE_RETURN_IF_ERROR(check_links(prev, block, checks.tx_hashes));
  auto last_commit = check_last_commit(prev, block, checks.last_commit);
  if (!last_commit) return last_commit.status();
  if (checks.verify_signatures) {
    // Only the txs not verified before, in parallel.
    std::vector<Tx> unverified;
    std::vector<size_t> at;
    for (size_t i = 0; i < block.txs.size(); ++i)
      if (checks.verified.size() != block.txs.size() || !checks.verified[i]) {
        unverified.push_back(block.txs[i]);
        at.push_back(i);
      }
    const std::vector<uint8_t> ok = verify_each(unverified, checks.env);
    for (size_t k = 0; k < ok.size(); ++k)
      if (!ok[k])
        return Status(Code::kBadSignature,
                      "tx " + std::to_string(at[k]) + ": signature does not verify");
  }
  auto exec = execute_block(state, block.header, block.txs, params, ExecMode::kStrict,
                            /*verify_signatures=*/false, block.evidence, checks.tx_hashes,
                            *last_commit ? &**last_commit : nullptr);
  if (!exec) return exec;
  if (exec->state_root != block.header.state_root)
    return Status(Code::kCorruption, "state root after execution differs from the header's");
  return exec;
}

Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, const ChainParams& params,
                                     bool verify_signatures,
                                     const std::vector<PublicKey>& validators) {
  return validate_block(state, prev, block, params,
                        BlockChecks{validators, verify_signatures, {}, nullptr});
}

}  // namespace wattle::chain
