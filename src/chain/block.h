// Blocks: a header that commits to its txs and the resulting state, plus the
// consensus certificate that finalised it.
//
// The block hash is BLAKE2b-256 of the canonical header, so it commits to
// the txs (tx_root = Merkle root of tx hashes) and to the state after
// executing them (state_root) and to the evidence of validator misbehaviour
// it carries (evidence_root = Merkle root of the evidence items' hashes;
// each item is opaque here: the consensus layer encodes and checks it, see
// ledger/evidence.h) and to its parent's commit certificate (last_commit,
// CometBFT's LastCommit: last_commit_hash = BLAKE2b-256 of those bytes, zero
// when the block carries none; the consensus layer decodes and checks them,
// chain/last_commit_check.h). The certificate is not hashed: it proves the
// block, it is not part of it; the next block carries it, hashed. Height 0 is the genesis block (no
// txs, the genesis state root, prev_hash = hash of the genesis document).
//
// The header's encoding is fixed width and opens the block's, so a block's
// id follows from its first kBlockHeaderBytes alone (block_id), without
// decoding its txs. decode_block_hashed decodes a block once and keeps what
// the decode computed on the way (the id, each tx's hash from its bytes), so
// validation, execution and commit need not decode or hash again.
#pragma once

#include <memory>
#include <vector>

#include "chain/tx.h"
#include "core/hash.h"
#include "core/keys.h"

namespace wattle::chain {

inline constexpr uint32_t kMaxBlockTxs = 20'000;
inline constexpr size_t kMaxCertificateBytes = 64 * 1024;
// Evidence items are compact (two signed votes or two proposal headers, no
// block bytes), so a few hundred bytes each; a block carries a few at most.
inline constexpr uint32_t kMaxBlockEvidence = 16;
inline constexpr size_t kMaxEvidenceBytes = 1024;

struct BlockHeader {
  uint64_t height = 0;
  Hash256 prev_hash;
  PublicKey proposer;
  uint64_t time_ms = 0;  // proposer's clock; part of the block, so execution stays pure
  Hash256 tx_root;
  Hash256 evidence_root;
  Hash256 state_root;  // after executing this block's txs
  uint32_t tx_count = 0;
  Hash256 last_commit_hash;  // of Block::last_commit; zero when it is empty

  Hash256 hash() const;
};

// u64 height, prev_hash, proposer, u64 time, three roots, u32 tx_count,
// last_commit_hash.
inline constexpr size_t kBlockHeaderBytes = 8 + 32 + 32 + 8 + 32 + 32 + 32 + 4 + 32;

struct Block {
  BlockHeader header;
  std::vector<Tx> txs;
  std::vector<Bytes> evidence;  // each at most kMaxEvidenceBytes, kMaxBlockEvidence in all
  // The parent's commit certificate as the proposer stored it (at most
  // kMaxCertificateBytes); empty at height 1 and on chains that take none.
  Bytes last_commit;
  Bytes certificate;
};

Hash256 compute_tx_root(const std::vector<Tx>& txs);
Hash256 evidence_hash(ByteView evidence);
Hash256 compute_evidence_root(const std::vector<Bytes>& evidence);
// The header's last_commit_hash for `last_commit`: zero when it is empty.
Hash256 compute_last_commit_hash(ByteView last_commit);

void encode(Writer& w, const BlockHeader& h);
Status decode(Reader& r, BlockHeader& h);
void encode(Writer& w, const Block& b);
// The encoding of `b` with `certificate` in place of its own (the store
// keeps a decided block with the certificate the engine produced).
void encode_with_certificate(Writer& w, const Block& b, ByteView certificate);
Status decode(Reader& r, Block& b);
// Strict decode; also checks tx_count, tx_root, evidence_root and
// last_commit_hash against the body.
Result<Block> decode_block(ByteView bytes);

// A block decoded once, with its id (the header hash) and each tx's hash,
// taken from the tx's bytes as they were read (tx_hashes[i] ==
// block.txs[i].hash()). Shared const (std::shared_ptr<const DecodedBlock>)
// by the caches that reuse it; thread-safe to share.
struct DecodedBlock {
  Block block;
  Hash256 id;
  std::vector<Hash256> tx_hashes;
};

// decode_block with the tx hashes kept: each tx is hashed once, from its
// bytes, and the tx root is computed from those hashes.
Result<DecodedBlock> decode_block_hashed(ByteView bytes);
// A DecodedBlock of a block built in memory (a proposer's, a test's):
// hashes each tx (Tx::hash).
DecodedBlock hashed(Block block);

// The id of the block `bytes` encode: BLAKE2b-256 of the header prefix,
// equal to the decoded header's hash(). Reads nothing past the header, so it
// says nothing of the body (decode_block_hashed checks that); kMalformed if
// the bytes are shorter than a header.
Result<Hash256> block_id(ByteView bytes);

}  // namespace wattle::chain
