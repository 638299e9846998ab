#include "consensus/bft/sign_guard.h"

#include <tuple>

namespace wattle::consensus::bft {

std::string_view sign_step_name(SignStep step) {
  switch (step) {
    case SignStep::kNone:
      return "none";
    case SignStep::kPropose:
      return "proposal";
    case SignStep::kPrevote:
      return "prevote";
    case SignStep::kPrecommit:
      return "precommit";
  }
  return "?";
}

Status check_sign(const LastSigned& last, uint64_t height, uint32_t round, SignStep step,
                  ByteView sign_bytes) {
  const auto want = std::make_tuple(height, round, static_cast<uint8_t>(step));
  const auto had = std::make_tuple(last.height, last.round, static_cast<uint8_t>(last.step));
  if (want > had) return Status::ok();
  if (want == had && Bytes(sign_bytes.begin(), sign_bytes.end()) == last.sign_bytes)
    return Status::ok();  // the identical message again: re-sending, not equivocating
  auto at = [](uint64_t h, uint32_t r, SignStep s) {
    return std::string(sign_step_name(s)) + " at height " + std::to_string(h) + " round " +
           std::to_string(r);
  };
  return Status(Code::kUnauthorized,
                "refusing to sign a " + at(height, round, step) + ": this key already signed " +
                    (want == had ? "a different message there"
                                 : "a " + at(last.height, last.round, last.step)) +
                    " (signing again could be double-signing)");
}

}  // namespace wattle::consensus::bft
