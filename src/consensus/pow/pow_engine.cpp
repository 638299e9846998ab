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
  return std::visit(
      [&](auto& msg) -> PowActions {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, BlockMsg>)
          return on_block(from, std::move(msg.block), now_ms, false);
        if constexpr (std::is_same_v<T, GetHeadersMsg>) return on_get_headers(from, msg.locator);
        if constexpr (std::is_same_v<T, HeadersMsg>) return on_headers(from, msg.headers, now_ms);
        if constexpr (std::is_same_v<T, GetBlocksMsg>) return on_get_blocks(from, msg.hashes);
      },
      *m);
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
    ++metrics_.blocks_accepted;
  } else if (!tree_.find(block.header.prev)) {
    ++metrics_.refused[static_cast<size_t>(Refusal::kUnknownParent)];
    add_orphan(from, std::move(block));
    if (!own) out.push_back(Send{from, encode_message(GetHeadersMsg{tree_.locator()})});
    return out;
  } else if (auto r = accept(block, now_ms)) {
    refuse(from, *r, out);
    return out;
  } else if (own) {
    ++metrics_.blocks_mined;
  }
  connect_orphans(hash, now_ms, out);
  // A block on headers whose bodies never came (a lost reply, a crashed
  // peer): ask this sender, who must hold them, for what is missing.
  if (const TreeEntry* e = tree_.find(hash); e && !e->connectable && !own)
    request_missing_bodies(from, *e, out);
  tip_moved(old_tip, out);
  return out;
}

std::optional<Refusal> PowEngine::accept(const PowBlock& block, uint64_t now_ms) {
  if (auto r = tree_.check(block.header, now_ms)) return r;
  if (body_hasher_.id_of(block.body) != block.header.tx_root) return Refusal::kBadBody;
  (void)tree_.add_header(block.header, now_ms);  // checked just above
  tree_.add_body(block.header.hash(), block.body);
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
      if (auto r = accept(o.block, now_ms))
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
    if (auto r = tree_.add_header(*it, now_ms)) return refused(*r);
  request_missing_bodies(from, *tree_.find(headers.back().hash()), out);
  if (headers.size() == tree_.params().max_headers)  // there may be more
    out.push_back(Send{from, encode_message(GetHeadersMsg{{headers.back().hash()}})});
  return out;
}

void PowEngine::request_missing_bodies(NodeIndex from, const TreeEntry& tip,
                                       PowActions& out) const {
  std::vector<Hash256> wanted;  // oldest first once reversed
  for (const TreeEntry* e = &tip; e && !e->connectable; e = e->parent)
    if (!e->has_body) wanted.push_back(e->hash);
  std::reverse(wanted.begin(), wanted.end());
  if (wanted.size() > kMaxBlocksRequested) wanted.resize(kMaxBlocksRequested);
  if (!wanted.empty()) out.push_back(Send{from, encode_message(GetBlocksMsg{std::move(wanted)})});
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
