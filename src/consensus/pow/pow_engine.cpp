#include "consensus/pow/pow_engine.h"

#include <algorithm>

#include "consensus/pow/target.h"

namespace wattle::consensus::pow {

PowEngine::PowEngine(const PowParams& params, const PowBlock& genesis,
                     const ValueHasher& body_hasher, PowMutation mutation)
    : tree_(params, genesis, mutation), body_hasher_(body_hasher) {}

PowActions PowEngine::on_message(NodeIndex from, ByteView message, uint64_t now_ms) {
  auto m = decode_message(message, tree_.params().max_headers);
  if (!m) {
    PowActions out;
    refuse(from, Refusal::kMalformed, out);
    return out;
  }
  PowActions out = std::visit(
      [&](auto& msg) -> PowActions {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, BlockMsg>)
          return on_block(from, std::move(msg.block), now_ms, false);
        if constexpr (std::is_same_v<T, GetHeadersMsg>) return on_get_headers(from, msg.locator);
        if constexpr (std::is_same_v<T, HeadersMsg>) return on_headers(from, msg.headers, now_ms);
        if constexpr (std::is_same_v<T, GetBlocksMsg>) return on_get_blocks(from, msg.hashes);
      },
      *m);
  fetch_best_header_bodies(from, now_ms, out);
  return out;
}

PowActions PowEngine::on_mined(const PowBlock& block, uint64_t now_ms) {
  // A node's own block never scores a peer; NodeIndex max marks "self".
  return on_block(UINT32_MAX, block, now_ms, true);
}

PowActions PowEngine::on_block(NodeIndex from, PowBlock block, uint64_t now_ms, bool own) {
  PowActions out;
  const TreeEntry& old_tip = tree_.best();
  const Hash256 hash = block.header.hash();
  if (const TreeEntry* known = tree_.find(hash)) {
    if (known->has_body) {
      ++metrics_.refused[static_cast<size_t>(Refusal::kDuplicate)];
      return out;
    }
    // A body for a header taken during sync.
    if (body_hasher_.id_of(block.body) != block.header.tx_root) {
      refuse(from, Refusal::kBadBody, out);
      return out;
    }
    tree_.add_body(hash, std::move(block.body));
    requested_.erase(hash);
    ++metrics_.blocks_accepted;
  } else if (!tree_.find(block.header.prev)) {
    ++metrics_.refused[static_cast<size_t>(Refusal::kUnknownParent)];
    add_orphan(from, std::move(block));
    if (!own) out.push_back(Send{from, encode_message(GetHeadersMsg{tree_.locator()})});
    return out;
  } else if (auto r = accept(block, now_ms, from)) {
    refuse(from, *r, out);
    return out;
  } else if (own) {
    ++metrics_.blocks_mined;
  }
  connect_orphans(hash, now_ms, out);
  tip_moved(old_tip, out);
  return out;
}

std::optional<Refusal> PowEngine::accept(const PowBlock& block, uint64_t now_ms, NodeIndex from) {
  if (auto r = tree_.check(block.header, now_ms)) return r;
  if (body_hasher_.id_of(block.body) != block.header.tx_root) return Refusal::kBadBody;
  (void)tree_.add_header(block.header, now_ms, from);  // checked just above
  tree_.add_body(block.header.hash(), block.body);
  requested_.erase(block.header.hash());
  ++metrics_.blocks_accepted;
  return std::nullopt;
}

void PowEngine::add_orphan(NodeIndex from, PowBlock block) {
  const Hash256 hash = block.header.hash();
  if (orphans_.count(hash)) return;
  while (orphans_.size() >= tree_.params().max_orphans) {
    orphans_.erase(orphan_order_.front());
    orphan_order_.pop_front();
    ++metrics_.orphans_evicted;
  }
  orphans_.emplace(hash, Orphan{from, std::move(block)});
  orphan_order_.push_back(hash);
}

void PowEngine::connect_orphans(const Hash256& parent, uint64_t now_ms, PowActions& out) {
  std::vector<Hash256> parents{parent};
  while (!parents.empty()) {
    const Hash256 p = parents.back();
    parents.pop_back();
    for (auto it = orphans_.begin(); it != orphans_.end();) {
      if (it->second.block.header.prev != p) {
        ++it;
        continue;
      }
      Orphan o = std::move(it->second);
      const Hash256 hash = it->first;
      it = orphans_.erase(it);
      std::erase(orphan_order_, hash);
      if (auto r = accept(o.block, now_ms, o.from))
        refuse(o.from, *r, out);
      else
        parents.push_back(hash);
    }
  }
}

PowActions PowEngine::on_headers(NodeIndex from, const std::vector<PowHeader>& headers,
                                 uint64_t now_ms) {
  PowActions out;
  auto refused = [&](Refusal r) {
    refuse(from, r, out);
    return out;
  };
  // Skip what we already hold; the rest must link up one to the next.
  auto first_new = std::find_if(headers.begin(), headers.end(),
                                [&](const PowHeader& h) { return !tree_.find(h.hash()); });
  if (first_new == headers.end()) return out;
  const TreeEntry* parent = tree_.find(first_new->prev);
  if (!parent) {
    ++metrics_.refused[static_cast<size_t>(Refusal::kUnknownParent)];
    return out;
  }
  // Refuse by work before storing anything: the chain's total work follows
  // from each header's own bits and hash, which need no context.
  U256 work = parent->chainwork;
  Hash256 expected_prev = parent->hash;
  for (auto it = first_new; it != headers.end(); ++it) {
    if (it->prev != expected_prev) return refused(Refusal::kMalformed);
    auto target = decode_compact(it->bits);
    if (!target) return refused(Refusal::kBadBits);
    expected_prev = it->hash();
    if (!meets_target(expected_prev, *target)) return refused(Refusal::kHighHash);
    work = work.saturating_add(block_work(*target));
  }
  if (work <= tree_.best().chainwork) {
    ++metrics_.refused[static_cast<size_t>(Refusal::kLowWork)];
    // The peer is on a strictly lighter branch: offer it ours from where
    // they part, else two sides of a healed partition could each wait for
    // the other. (Equal work gets no answer, so two peers never ping-pong.)
    if (work < tree_.best().chainwork) {
      HeadersMsg ours = headers_after(tree_.fork_point(*parent, tree_.best()));
      if (!ours.headers.empty()) out.push_back(Send{from, encode_message(ours)});
    }
    return out;
  }
  for (auto it = first_new; it != headers.end(); ++it)
    if (auto r = tree_.add_header(*it, now_ms, from)) return refused(*r);
  // The bodies are asked for by on_message (fetch_best_header_bodies).
  if (headers.size() == tree_.params().max_headers)  // there may be more
    out.push_back(Send{from, encode_message(GetHeadersMsg{{headers.back().hash()}})});
  return out;
}

void PowEngine::request_missing_bodies(NodeIndex from, const TreeEntry& tip, uint64_t now_ms,
                                       PowActions& out) {
  // Asked less than a timeout ago: still in flight, not asked again, so a
  // burst of arriving blocks does not multiply the requests.
  const uint64_t timeout = std::max<uint64_t>(500, tree_.params().target_block_ms / 2);
  std::vector<Hash256> wanted;  // oldest first once reversed
  for (const TreeEntry* e = &tip; e && !e->connectable; e = e->parent) {
    if (e->has_body) continue;
    auto asked = requested_.find(e->hash);
    if (asked == requested_.end() || asked->second + timeout <= now_ms) wanted.push_back(e->hash);
  }
  std::reverse(wanted.begin(), wanted.end());
  if (wanted.size() > kMaxBlocksRequested) wanted.resize(kMaxBlocksRequested);
  if (wanted.empty()) return;
  if (requested_.size() + wanted.size() > kMaxInFlight)
    requested_.clear();  // bounded; only costs resends
  for (const Hash256& h : wanted) requested_[h] = now_ms;
  out.push_back(Send{from, encode_message(GetBlocksMsg{std::move(wanted)})});
}

// The engine has no timers: a lost GetBlocks reply is retried on the next
// message from a peer once the request has timed out, as long as a heavier
// header chain still lacks bodies. Without this, two branches growing
// equally on a lossy network could stay apart for many blocks after one lost
// reply (Bitcoin Core re-requests stalled blocks the same way, on a timer).
void PowEngine::fetch_best_header_bodies(NodeIndex from, uint64_t now_ms, PowActions& out) {
  const TreeEntry& want = tree_.best_header();
  if (want.chainwork > tree_.best().chainwork) request_missing_bodies(from, want, now_ms, out);
}

PowActions PowEngine::on_tick(uint64_t now_ms) {
  PowActions out;
  const TreeEntry& want = tree_.best_header();
  if (bodies_pending() && want.source != UINT32_MAX)
    request_missing_bodies(want.source, want, now_ms, out);
  return out;
}

bool PowEngine::bodies_pending() const {
  const TreeEntry& want = tree_.best_header();
  if (want.chainwork <= tree_.best().chainwork) return false;
  for (const TreeEntry* e = &want; e && !e->connectable; e = e->parent)
    if (!e->has_body) return true;
  return false;
}

PowActions PowEngine::on_get_headers(NodeIndex from, const std::vector<Hash256>& locator) const {
  PowActions out;
  const TreeEntry* start = &tree_.genesis();
  for (const Hash256& h : locator) {
    const TreeEntry* e = tree_.find(h);
    if (e && tree_.on_best_chain(*e)) {
      start = e;
      break;
    }
  }
  HeadersMsg msg = headers_after(*start);
  if (!msg.headers.empty()) out.push_back(Send{from, encode_message(msg)});
  return out;
}

HeadersMsg PowEngine::headers_after(const TreeEntry& start) const {
  HeadersMsg msg;
  const TreeEntry& best = tree_.best();
  if (start.header.height >= best.header.height) return msg;
  const uint64_t last =
      std::min<uint64_t>(best.header.height, start.header.height + tree_.params().max_headers);
  for (const TreeEntry* e = tree_.ancestor(best, last); e != &start; e = e->parent)
    msg.headers.push_back(e->header);
  std::reverse(msg.headers.begin(), msg.headers.end());
  return msg;
}

PowActions PowEngine::on_get_blocks(NodeIndex from, const std::vector<Hash256>& hashes) const {
  PowActions out;
  for (const Hash256& h : hashes)
    if (const TreeEntry* e = tree_.find(h); e && e->has_body && !e->invalid)
      out.push_back(Send{from, encode_message(BlockMsg{PowBlock{e->header, e->body}})});
  return out;
}

PowActions PowEngine::on_block_invalid(const Hash256& hash, std::optional<NodeIndex> from) {
  PowActions out;
  const TreeEntry& old_tip = tree_.best();
  tree_.mark_invalid(hash);
  if (from) refuse(*from, Refusal::kInvalidBlock, out);
  tip_moved(old_tip, out);
  return out;
}

PowActions PowEngine::sync_request() const {
  return {Broadcast{encode_message(GetHeadersMsg{tree_.locator()})}};
}

PowHeader PowEngine::next_header(const Hash256& tx_root, const Hash256& state_root,
                                 uint64_t now_ms) const {
  return next_header_on(tree_.best(), tx_root, state_root, now_ms);
}

PowHeader PowEngine::next_header_on(const TreeEntry& tip, const Hash256& tx_root,
                                    const Hash256& state_root, uint64_t now_ms) const {
  PowHeader h;
  h.height = tip.header.height + 1;
  h.prev = tip.hash;
  h.tx_root = tx_root;
  h.state_root = state_root;
  h.time_ms = std::max(now_ms, tree_.median_time_past(tip) + 1);
  h.bits = tree_.next_bits(tip);
  return h;
}

void PowEngine::refuse(NodeIndex from, Refusal r, PowActions& out) {
  ++metrics_.refused[static_cast<size_t>(r)];
  // A duplicate is normal gossip (a block may arrive by push and by sync).
  if (from != UINT32_MAX && r != Refusal::kDuplicate) out.push_back(PeerMisbehaved{from, r});
}

void PowEngine::tip_moved(const TreeEntry& old_tip, PowActions& out) {
  const TreeEntry& tip = tree_.best();
  if (&tip == &old_tip) return;
  const TreeEntry& fork = tree_.fork_point(old_tip, tip);
  TipChanged c{old_tip.hash, tip.hash, fork.header.height, {}, {}};
  for (const TreeEntry* e = &old_tip; e != &fork; e = e->parent) c.disconnected.push_back(e->hash);
  for (const TreeEntry* e = &tip; e != &fork; e = e->parent) c.connected.push_back(e);
  std::reverse(c.connected.begin(), c.connected.end());
  if (!c.disconnected.empty()) {
    ++metrics_.reorgs;
    metrics_.max_reorg_depth = std::max<uint64_t>(metrics_.max_reorg_depth, c.depth());
  }
  out.push_back(Broadcast{encode_message(BlockMsg{PowBlock{tip.header, tip.body}})});
  out.push_back(std::move(c));
}

}  // namespace wattle::consensus::pow
