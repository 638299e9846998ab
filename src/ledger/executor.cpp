#include "ledger/executor.h"

#include <algorithm>
#include <thread>

namespace wattle::ledger {

Status apply_tx(StateOverlay& state, const Tx& tx) {
  const Address from = tx.sender_address();
  Account sender = state.get(from);
  if (tx.nonce < sender.nonce)
    return Status(Code::kNonceReplay, "nonce " + std::to_string(tx.nonce) +
                                          " already used (next is " + std::to_string(sender.nonce) +
                                          ")");
  if (tx.nonce > sender.nonce)
    return Status(Code::kNonceGap, "nonce " + std::to_string(tx.nonce) + " skips ahead (next is " +
                                       std::to_string(sender.nonce) + ")");
  return std::visit(
      [&](const auto& p) -> Status {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, Transfer>) {
          if (p.amount.value() <= 0) return Status(Code::kInvalidArgument, "amount must be > 0");
          if (sender.balance < p.amount)
            return Status(Code::kInsufficientFunds,
                          "balance " + std::to_string(sender.balance.value()) + " < amount " +
                              std::to_string(p.amount.value()));
          sender.balance =
              *sender.balance.checked_sub(p.amount);  // cannot overflow: 0 <= amount <= balance
          sender.nonce += 1;
          if (p.to == from) {  // self-transfer: only the nonce moves
            sender.balance = *sender.balance.checked_add(p.amount);
            state.put(from, sender);
            return Status::ok();
          }
          Account recipient = state.get(p.to);
          auto credited = recipient.balance.checked_add(p.amount);
          if (!credited) return Status(Code::kOverflow, "recipient balance would overflow");
          recipient.balance = *credited;
          state.put(from, sender);
          state.put(p.to, recipient);
          return Status::ok();
        }
      },
      tx.payload);
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

Result<ExecutedBlock> execute_txs(const State& state, const std::vector<Tx>& txs,
                                  std::string_view chain_id, bool verify_signatures) {
  if (txs.size() > kMaxBlockTxs) return Status(Code::kTooLarge, "too many txs in block");
  if (verify_signatures) {
    int64_t bad = first_bad_signature(txs);
    if (bad >= 0)
      return Status(Code::kBadSignature,
                    "tx " + std::to_string(bad) + ": signature does not verify");
  }
  StateOverlay overlay(state);
  for (size_t i = 0; i < txs.size(); ++i) {
    Status st = check_stateless(txs[i], chain_id, /*check_signature=*/false);
    if (st) st = apply_tx(overlay, txs[i]);
    if (!st) return Status(st.code(), "tx " + std::to_string(i) + ": " + st.message());
  }
  ExecutedBlock out;
  out.state_root = overlay.root();
  out.writes = overlay.writes();
  return out;
}

Result<ExecutedBlock> validate_block(const State& state, const BlockHeader& prev,
                                     const Block& block, std::string_view chain_id,
                                     bool verify_signatures) {
  const BlockHeader& h = block.header;
  if (h.height != prev.height + 1)
    return Status(Code::kInvalidArgument, "block height " + std::to_string(h.height) +
                                              " does not follow " + std::to_string(prev.height));
  if (h.prev_hash != prev.hash())
    return Status(Code::kInvalidArgument, "block prev_hash does not match the previous block");
  if (h.tx_count != block.txs.size() || h.tx_root != compute_tx_root(block.txs))
    return Status(Code::kInvalidArgument, "block tx_root/tx_count do not match its txs");
  auto exec = execute_txs(state, block.txs, chain_id, verify_signatures);
  if (!exec) return exec;
  if (exec->state_root != h.state_root)
    return Status(Code::kCorruption, "state root after execution differs from the header's");
  return exec;
}

}  // namespace wattle::ledger
