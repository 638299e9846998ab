// The PoW engine's wire messages: a new block pushed whole, and headers-first
// sync (docs/consensus.md, "Proof of work"), shaped like Bitcoin's
// getheaders/headers/getdata.
//
// Canonical encoding: a kind byte, then the fields; decoding refuses unknown
// kinds, trailing bytes and lists over their limits (kMaxLocator,
// PowParams::max_headers, kMaxBlocksRequested).
#pragma once

#include <variant>
#include <vector>

#include "consensus/pow/header.h"

namespace wattle::consensus::pow {

inline constexpr uint32_t kMaxLocator = 64;
inline constexpr uint32_t kMaxBlocksRequested = 128;

struct BlockMsg {  // a block, pushed when mined or sent on request
  PowBlock block;
};
struct GetHeadersMsg {  // "send me the headers of your best chain after the first of these you
                        // know"
  std::vector<Hash256> locator;
};
struct HeadersMsg {  // consecutive headers, each the parent of the next
  std::vector<PowHeader> headers;
};
struct GetBlocksMsg {  // "send me these blocks"
  std::vector<Hash256> hashes;
};

using PowMessage = std::variant<BlockMsg, GetHeadersMsg, HeadersMsg, GetBlocksMsg>;

Bytes encode_message(const PowMessage& m);
Result<PowMessage> decode_message(ByteView bytes, uint32_t max_headers);

}  // namespace wattle::consensus::pow
