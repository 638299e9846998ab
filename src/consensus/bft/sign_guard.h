// SignGuard: the last line against double-signing, below the engine's own
// state. The engine asks it before every signature it makes (proposal,
// prevote, precommit); a guard that answers ok has made the new (height,
// round, step) durable first, so no signature can leave the node that a
// later start would not know of. This is CometBFT's FilePV LastSignState:
// the engine's persisted state (persisted_state.h) lives in the data
// directory and is lost with it; the guard's record lives elsewhere
// (node/signing_state.h: HOME/signing_state.json) and survives a wipe.
//
// Rule (check_sign): a signature is allowed only at a (height, round, step)
// strictly above the last one signed, or at that same one for the identical
// sign bytes (Ed25519 is deterministic: the same bytes give the same
// signature, so re-signing them is re-sending, not equivocating). Anything
// else is refused with kUnauthorized and a message naming both positions.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace wattle::consensus::bft {

// CometBFT's numbering: 0 nothing signed yet, then the steps in order.
enum class SignStep : uint8_t { kNone = 0, kPropose = 1, kPrevote = 2, kPrecommit = 3 };

std::string_view sign_step_name(SignStep step);

struct LastSigned {
  uint64_t height = 0;
  uint32_t round = 0;
  SignStep step = SignStep::kNone;
  Bytes sign_bytes;  // what was signed at (height, round, step); empty for kNone
};

// ok if `sign_bytes` may be signed at (height, round, step) after `last`.
Status check_sign(const LastSigned& last, uint64_t height, uint32_t round, SignStep step,
                  ByteView sign_bytes);

class SignGuard {
 public:
  virtual ~SignGuard() = default;
  // Called on the engine's thread before it signs. ok: sign (the record is
  // durable); an error: do not sign (the engine then acts as if the message
  // were lost: it moves on by its timeouts, at a safe cost in liveness).
  virtual Status approve(uint64_t height, uint32_t round, SignStep step, ByteView sign_bytes) = 0;
};

}  // namespace wattle::consensus::bft
