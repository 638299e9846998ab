#include "chain/block.h"

#include "chain/decode_counters.h"

namespace wattle::chain {

DecodeCounters& decode_counters() {
  static DecodeCounters counters;
  return counters;
}

Hash256 BlockHeader::hash() const {
  return blake2b256(encode_to_bytes(*this));
}

Hash256 compute_tx_root(const std::vector<Tx>& txs) {
  std::vector<Hash256> leaves;
  leaves.reserve(txs.size());
  for (const Tx& tx : txs) leaves.push_back(tx.hash());
  return merkle_root(leaves);
}

Hash256 evidence_hash(ByteView evidence) {
  return blake2b256(evidence);
}

Hash256 compute_evidence_root(const std::vector<Bytes>& evidence) {
  std::vector<Hash256> leaves;
  leaves.reserve(evidence.size());
  for (const Bytes& e : evidence) leaves.push_back(evidence_hash(e));
  return merkle_root(leaves);
}

Hash256 compute_last_commit_hash(ByteView last_commit) {
  return last_commit.empty() ? Hash256{} : blake2b256(last_commit);
}

void encode(Writer& w, const BlockHeader& h) {
  w.u64(h.height);
  encode(w, h.prev_hash);
  encode(w, h.proposer);
  w.u64(h.time_ms);
  encode(w, h.tx_root);
  encode(w, h.evidence_root);
  encode(w, h.state_root);
  w.u32(h.tx_count);
  encode(w, h.last_commit_hash);
}

Status decode(Reader& r, BlockHeader& h) {
  WATTLE_RETURN_IF_ERROR(r.u64(h.height));
  WATTLE_RETURN_IF_ERROR(decode(r, h.prev_hash));
  WATTLE_RETURN_IF_ERROR(decode(r, h.proposer));
  WATTLE_RETURN_IF_ERROR(r.u64(h.time_ms));
  WATTLE_RETURN_IF_ERROR(decode(r, h.tx_root));
  WATTLE_RETURN_IF_ERROR(decode(r, h.evidence_root));
  WATTLE_RETURN_IF_ERROR(decode(r, h.state_root));
  WATTLE_RETURN_IF_ERROR(r.u32(h.tx_count));
  return decode(r, h.last_commit_hash);
}

void encode(Writer& w, const Block& b) {
  encode_with_certificate(w, b, b.certificate);
}

void encode_with_certificate(Writer& w, const Block& b, ByteView certificate) {
  encode(w, b.header);
  w.u32(static_cast<uint32_t>(b.txs.size()));
  for (const Tx& tx : b.txs) {
    // Each tx is length-prefixed so a reader can skip or bound it.
    w.bytes(encode_to_bytes(tx));
  }
  w.u32(static_cast<uint32_t>(b.evidence.size()));
  for (const Bytes& e : b.evidence) w.bytes(e);
  w.bytes(b.last_commit);
  w.bytes(certificate);
}

namespace {

// The block decoder; with `hashes`, each tx's hash is taken from its bytes.
Status decode_block_body(Reader& r, Block& b, std::vector<Hash256>* hashes) {
  decode_counters().block_decodes.fetch_add(1, std::memory_order_relaxed);
  WATTLE_RETURN_IF_ERROR(decode(r, b.header));
  uint32_t n = 0;
  // Each tx takes at least its length prefix plus the smallest tx, so a hostile
  // count cannot make us reserve much more than the input. The bound must be a
  // true minimum: one byte too high and a valid block of many small txs on a
  // short chain id reads as truncated, halting every replica alike.
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxBlockTxs, 4 + min_encoded_tx_bytes()));
  b.txs.clear();
  b.txs.reserve(n);
  if (hashes) {
    hashes->clear();
    hashes->reserve(n);
  }
  Bytes raw;
  for (uint32_t i = 0; i < n; ++i) {
    WATTLE_RETURN_IF_ERROR(r.bytes(raw, kMaxTxBytes));
    auto tx = decode_exact<Tx>(raw);
    if (!tx) return tx.status();
    b.txs.push_back(std::move(*tx));
    // Strict decoding: these bytes are the tx's one canonical encoding.
    if (hashes) hashes->push_back(tx_hash(raw));
  }
  WATTLE_RETURN_IF_ERROR(r.count(n, kMaxBlockEvidence, 4));
  b.evidence.assign(n, Bytes{});
  for (Bytes& e : b.evidence) WATTLE_RETURN_IF_ERROR(r.bytes(e, kMaxEvidenceBytes));
  WATTLE_RETURN_IF_ERROR(r.bytes(b.last_commit, kMaxCertificateBytes));
  return r.bytes(b.certificate, kMaxCertificateBytes);
}

}  // namespace

Status decode(Reader& r, Block& b) {
  return decode_block_body(r, b, nullptr);
}

Result<Block> decode_block(ByteView bytes) {
  auto d = decode_block_hashed(bytes);
  if (!d) return d.status();
  return std::move(d->block);
}

Result<DecodedBlock> decode_block_hashed(ByteView bytes) {
  DecodedBlock d;
  Reader r(bytes);
  WATTLE_RETURN_IF_ERROR(decode_block_body(r, d.block, &d.tx_hashes));
  WATTLE_RETURN_IF_ERROR(r.finish());
  const Block& b = d.block;
  if (b.header.tx_count != b.txs.size())
    return Status(Code::kMalformed, "block tx_count does not match its txs");
  if (b.header.tx_root != merkle_root(d.tx_hashes))
    return Status(Code::kMalformed, "block tx_root does not match its txs");
  if (b.header.evidence_root != compute_evidence_root(b.evidence))
    return Status(Code::kMalformed, "block evidence_root does not match its evidence");
  if (b.header.last_commit_hash != compute_last_commit_hash(b.last_commit))
    return Status(Code::kMalformed, "block last_commit_hash does not match its last commit");
  d.id = b.header.hash();
  return d;
}

DecodedBlock hashed(Block block) {
  DecodedBlock d;
  d.tx_hashes.reserve(block.txs.size());
  for (const Tx& tx : block.txs) d.tx_hashes.push_back(tx.hash());
  d.id = block.header.hash();
  d.block = std::move(block);
  return d;
}

Result<Hash256> block_id(ByteView bytes) {
  if (bytes.size() < kBlockHeaderBytes)
    return Status(Code::kMalformed, "block shorter than its header");
  return blake2b256(bytes.first(kBlockHeaderBytes));
}

}  // namespace wattle::chain
