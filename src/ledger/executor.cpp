#include "ledger/executor.h"

#include <algorithm>
#include <thread>

#include "core/assert.h"
#include "ledger/market_hooks.h"
#include "ledger/market_rules.h"
#include "ledger/rules.h"

namespace wattle::ledger {

Status apply_tx(StateOverlay& state, const Tx& tx, Money min_balance) {
  return apply_tx(state, tx, ChainParams{"", min_balance, std::nullopt, {}}, BlockContext{});
}

Status apply_tx(StateOverlay& state, const Tx& tx, const ChainParams& params,
                const BlockContext& ctx, std::vector<Event>* events) {
  const Money min_balance = params.min_balance;
  const Address from = tx.sender_address();
  auto sender = state.account(from);
  if (!sender) return sender.status();
  WATTLE_RETURN_IF_ERROR(check_nonce(sender->nonce, tx.nonce));
  if (is_market_tx(tx)) {
    Account acct = *sender;
    WATTLE_RETURN_IF_ERROR(
        apply_market_tx(state, tx, acct, params.market ? &*params.market : nullptr, ctx, events));
    acct.nonce += 1;
    state.put(from, acct);
    return Status::ok();
  }
  return std::visit(
      [&](const auto& p) -> Status {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, Transfer>) {
          if (p.amount.value() <= 0) return Status(Code::kInvalidArgument, "amount must be > 0");
          if (p.to == from) {  // self-transfer: funds must cover it; only the nonce moves
            auto left = debit(sender->balance, p.amount, Money(0));
            if (!left) return left.status();
            sender->nonce += 1;
            state.put(from, *sender);
            return Status::ok();
          }
          auto left = debit(sender->balance, p.amount, min_balance);
          if (!left) return left.status();
          auto recipient = state.account(p.to);
          if (!recipient) return recipient.status();
          auto credited = credit(recipient->balance, p.amount, min_balance);
          if (!credited) return credited.status();
          if (params.market) {  // a credit repays market debt first (market_rules.h)
            credited = credit_repaying_debt(state, p.to, recipient->balance, p.amount);
            if (!credited) return credited.status();
          }
          sender->balance = *left;
          sender->nonce += 1;
          recipient->balance = *credited;
          state.put(from, *sender);
          state.put(p.to, *recipient);
          return Status::ok();
        } else {
          return Status(Code::kInternal, "unhandled payload");
        }
      },
      tx.payload);
}

Status begin_block(StateOverlay& state, const BlockHeader& header, const ChainParams& params,
                   std::vector<Event>* events) {
  if (!params.market) return Status::ok();
  return market_begin_block(state, *params.market, header, events);
}

Status end_block(StateOverlay& state, const BlockHeader& header, const ChainParams& params,
                 std::vector<Event>* events) {
  if (!params.market) return Status::ok();
  return market_end_block(state, *params.market, header, events);
}

std::vector<uint8_t> verify_each(const std::vector<Tx>& txs, unsigned threads) {
  std::vector<uint8_t> ok(txs.size(), 0);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Small batches are not worth a thread start (~tens of microseconds).
  threads = static_cast<unsigned>(std::min<size_t>(threads, txs.size() / 64 + 1));
  auto work = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) ok[i] = txs[i].signature_valid() ? 1 : 0;
  };
  std::vector<std::thread> pool;
  size_t chunk = (txs.size() + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work, std::min(txs.size(), t * chunk), std::min(txs.size(), (t + 1) * chunk));
  work(0, std::min(txs.size(), chunk));
  for (auto& th : pool) th.join();
  return ok;
}

int64_t first_bad_signature(const std::vector<Tx>& txs, unsigned threads) {
  std::vector<uint8_t> ok = verify_each(txs, threads);
  for (size_t i = 0; i < ok.size(); ++i)
    if (!ok[i]) return static_cast<int64_t>(i);
  return -1;
}

Result<ExecutedBlock> execute_block(const StateReader& state, const BlockHeader& header,
                                    std::vector<Tx> txs, const ChainParams& params, ExecMode mode,
                                    bool verify_signatures, std::vector<Bytes> evidence) {
  if (txs.size() > kMaxBlockTxs) return Status(Code::kTooLarge, "too many txs in block");
  if (evidence.size() > kMaxBlockEvidence)
    return Status(Code::kTooLarge, "too much evidence in block");
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
  WATTLE_RETURN_IF_ERROR(begin_block(overlay, header, params, &out.market_events));
  for (size_t i = 0; i < evidence.size(); ++i) {
    Status st = apply_evidence(overlay, evidence[i], params.evidence_checker, header.height);
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
    if (st) st = apply_tx(overlay, txs[i], params, ctx, &out.market_events);
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
  WATTLE_RETURN_IF_ERROR(end_block(overlay, header, params, &out.market_events));
  if (params.market) {
    auto delta = market_value_delta(state, overlay.writes());
    if (!delta) return delta.status();
    WATTLE_ASSERT(*delta == 0, "block changed balances + escrow - debts");
  }
  auto tree = overlay.tree_update();
  if (!tree) return tree.status();
  out.tree = std::move(*tree);
  out.state_root = out.tree.root;
  out.writes = overlay.writes();
  return out;
}

Result<ExecutedBlock> execute_txs(const StateReader& state, const std::vector<Tx>& txs,
                                  std::string_view chain_id, bool verify_signatures,
                                  Money min_balance) {
  return execute_block(state, BlockHeader{}, txs,
                       ChainParams{std::string(chain_id), min_balance, std::nullopt, {}},
                       ExecMode::kStrict, verify_signatures);
}

Status check_links(const BlockHeader& prev, const Block& block) {
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
  if (h.tx_count != block.txs.size() || h.tx_root != compute_tx_root(block.txs))
    return Status(Code::kInvalidArgument, "block tx_root/tx_count do not match its txs");
  if (h.evidence_root != compute_evidence_root(block.evidence))
    return Status(Code::kInvalidArgument, "block evidence_root does not match its evidence");
  return Status::ok();
}

Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, const ChainParams& params,
                                     bool verify_signatures) {
  WATTLE_RETURN_IF_ERROR(check_links(prev, block));
  auto exec = execute_block(state, block.header, block.txs, params, ExecMode::kStrict,
                            verify_signatures, block.evidence);
  if (!exec) return exec;
  if (exec->state_root != block.header.state_root)
    return Status(Code::kCorruption, "state root after execution differs from the header's");
  return exec;
}

Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, std::string_view chain_id,
                                     bool verify_signatures) {
  return validate_block(state, prev, block,
                        ChainParams{std::string(chain_id), Money(0), std::nullopt, {}},
                        verify_signatures);
}

}  // namespace wattle::ledger
