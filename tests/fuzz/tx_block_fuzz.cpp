// libFuzzer target for the ledger decoders: decode_tx and decode_block must
// never crash, hang or over-allocate on any bytes, and whatever they accept
// must be canonical: re-encoding gives back exactly the input bytes.
// Accepted values also go through the code that consumes decoded input
// (hashing, stateless checks, a block's tx root) so that paths are exercised.
//
// Build and run:
//   cmake --preset fuzz && ninja -C build/fuzz tx_block_fuzz
//   ./build/fuzz/tests/fuzz/tx_block_fuzz -max_total_time=60 NEW_DIR tests/fuzz/corpus/tx_block
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "chain/block.h"
#include "chain/tx.h"

namespace {

using namespace wattle;
using namespace wattle::chain;

void require(bool ok) {
  if (!ok) std::abort();  // libFuzzer records the input as a crash
}

bool same_bytes(const Bytes& a, const uint8_t* data, size_t size) {
  return a.size() == size && (size == 0 || std::memcmp(a.data(), data, size) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);

  auto tx = decode_tx(in);
  if (tx) {
    require(size <= kMaxTxBytes);
    require(tx->chain_id.size() <= kMaxChainIdLength);
    require(same_bytes(encode_to_bytes(*tx), data, size));
    require(tx->hash() == blake2b256(in));
    (void)check_stateless(*tx, tx->chain_id, /*check_signature=*/size % 2 == 0);
    // Whatever tx decodes must also decode inside a block, however many there
    // are: the block decoder's count bound must never exceed a real tx's size.
    Block many;
    many.txs.assign(1 + size % 32, *tx);
    many.header.tx_count = static_cast<uint32_t>(many.txs.size());
    many.header.tx_root = compute_tx_root(many.txs);
    require(decode_block(encode_to_bytes(many)).is_ok());
  } else {
    Code c = tx.status().code();
    require(c == Code::kMalformed || c == Code::kTooLarge);
  }

  auto block = decode_block(in);
  if (block) {
    require(block->txs.size() <= kMaxBlockTxs);
    require(block->header.tx_count == block->txs.size());
    require(block->header.tx_root == compute_tx_root(block->txs));
    require(block->certificate.size() <= kMaxCertificateBytes);
    require(same_bytes(encode_to_bytes(*block), data, size));
  } else {
    Code c = block.status().code();
    require(c == Code::kMalformed || c == Code::kTooLarge);
  }
  return 0;
}
