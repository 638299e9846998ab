#include "node/pow_chain.h"

#include <set>

#include "consensus/pow/target.h"

namespace wattle::node {

using consensus::pow::BlockTree;
using consensus::pow::PowBlock;
using consensus::pow::TreeEntry;

Result<chain::Block> PowChain::chain_block(const TreeEntry& e) {
  auto b = chain::decode_block(e.body);
  if (!b) return b.status();
  if (b->header.height != e.header.height || b->header.state_root != e.header.state_root)
    return Status(Code::kMalformed, "chain block does not match its PoW header");
  return b;
}

Result<bool> PowChain::stored_matches(const TreeEntry& branch_entry) {
  auto stored = store_.block(branch_entry.header.height);
  if (!stored) return stored.status();
  if (branch_entry.header.height == 0) return true;  // one genesis per store and tree
  auto want = chain_block(branch_entry);
  if (!want) return false;
  return stored->header.hash() == want->header.hash();
}

Result<PowSyncResult> PowChain::sync_to(const BlockTree& tree, const Hash256& target) {
  PowSyncResult out;
  const TreeEntry* tip = tree.find(target);
  if (!tip || !tip->connectable)
    return Status(Code::kNotFound, "target is not a connectable block");
  auto head = store_.head_height();
  if (!head) return Status(Code::kNotFound, "empty store");
  // Disconnect while the stored head is not on the target's branch.
  std::set<Hash256> branch_txs;
  for (const TreeEntry* e = tip; e && e->header.height > 0; e = e->parent)
    if (auto b = chain_block(*e))
      for (const chain::Tx& tx : b->txs) branch_txs.insert(tx.hash());
  std::vector<chain::Tx> returned;
  while (*head > 0) {
    const TreeEntry* on_branch = tree.ancestor(*tip, std::min(*head, tip->header.height));
    if (on_branch->header.height == *head) {
      auto same = stored_matches(*on_branch);
      if (!same) return same.status();
      if (*same) break;
    }
    auto off = store_.disconnect_head();
    if (!off) return off.status();
    ++out.disconnected;
    // Reverse block order here; restored to block order below.
    for (auto it = off->txs.rbegin(); it != off->txs.rend(); ++it)
      if (!branch_txs.count(it->hash())) returned.push_back(*it);
    head = *head - 1;
  }
  out.returned_txs.assign(returned.rbegin(), returned.rend());
  // Connect the branch above the head, oldest first.
  std::vector<const TreeEntry*> todo;
  for (const TreeEntry* e = tip; e->header.height > *head; e = e->parent) todo.push_back(e);
  for (auto it = todo.rbegin(); it != todo.rend(); ++it) {
    if (Status st = connect(**it, out); !st) return st;
    if (out.invalid) break;
  }
  return out;
}

Status PowChain::connect(const TreeEntry& e, PowSyncResult& out) {
  auto refuse = [&](Status why) {
    out.invalid = e.hash;
    out.invalid_reason = std::move(why);
    return Status::ok();
  };
  auto block = chain_block(e);
  if (!block) return refuse(block.status());
  auto prev = store_.block(e.header.height - 1);
  if (!prev) return prev.status();
  auto exec = chain::validate_block(store_, prev->header, *block, params_, true);
  if (!exec) return refuse(exec.status());
  // The PoW header rides along as the (unhashed) certificate, so a restarted
  // node rebuilds its engine's tree from the store (node/pow_host.h).
  block->certificate = encode_to_bytes(e.header);
  if (Status st = store_.commit(*block, exec->writes, exec->tree); !st) return st;
  ++out.connected;
  return Status::ok();
}

Status check_stored_pow_header(const chain::Block& block) {
  const std::string at = "block " + std::to_string(block.header.height) + ": ";
  auto h = decode_exact<consensus::pow::PowHeader>(block.certificate);
  if (!h) return Status(Code::kCorruption, at + "no PoW header: " + h.status().message());
  chain::Block body = block;
  body.certificate.clear();
  const auto target = consensus::pow::decode_compact(h->bits);
  if (h->height != block.header.height || h->state_root != block.header.state_root ||
      h->tx_root != blake2b256(encode_to_bytes(body)))
    return Status(Code::kCorruption, at + "PoW header does not commit to the block");
  if (!target || !consensus::pow::meets_target(h->hash(), *target))
    return Status(Code::kCorruption, at + "PoW header hash is above its target");
  return Status::ok();
}

PowBlock pow_block_for(const BlockTree& tree, const TreeEntry& parent, const chain::Block& block,
                       uint64_t time_ms) {
  PowBlock b;
  b.body = encode_to_bytes(block);
  b.header.height = parent.header.height + 1;
  b.header.prev = parent.hash;
  b.header.tx_root = blake2b256(b.body);
  b.header.state_root = block.header.state_root;
  b.header.time_ms = time_ms;
  b.header.bits = tree.next_bits(parent);
  return b;
}

}  // namespace wattle::node
