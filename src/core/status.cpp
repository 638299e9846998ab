#include "core/status.h"

namespace wattle {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kMalformed:
      return "malformed";
    case Code::kTooLarge:
      return "too_large";
    case Code::kOverflow:
      return "overflow";
    case Code::kBadSignature:
      return "bad_signature";
    case Code::kWrongChain:
      return "wrong_chain";
    case Code::kNonceReplay:
      return "nonce_replay";
    case Code::kNonceGap:
      return "nonce_gap";
    case Code::kInsufficientFunds:
      return "insufficient_funds";
    case Code::kNotFound:
      return "not_found";
    case Code::kUnknownAccount:
      return "unknown_account";
    case Code::kDuplicate:
      return "duplicate";
    case Code::kMempoolFull:
      return "mempool_full";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kIoError:
      return "io_error";
    case Code::kCorruption:
      return "corruption";
    case Code::kInternal:
      return "internal";
    case Code::kUnauthorized:
      return "unauthorized";
    case Code::kHalted:
      return "halted";
    case Code::kBelowMinBalance:
      return "below_min_balance";
    case Code::kNoMarket:
      return "no_market";
    case Code::kSlotClosed:
      return "slot_closed";
    case Code::kSlotTooFar:
      return "slot_too_far";
    case Code::kInDebt:
      return "in_debt";
    case Code::kUnknownMeter:
      return "unknown_meter";
    case Code::kReadingWindow:
      return "reading_window";
    case Code::kCounterDecrease:
      return "counter_decrease";
    case Code::kOverPhysicalMax:
      return "over_physical_max";
    case Code::kCatchingUp:
      return "catching_up";
    case Code::kBundleInactive:
      return "bundle_inactive";
    case Code::kOutsideMatchWindow:
      return "outside_match_window";
    case Code::kAboveConsumption:
      return "above_consumption";
    case Code::kNotEnoughCertificates:
      return "not_enough_certificates";
    case Code::kNoStaking:
      return "no_staking";
    case Code::kKeyInUse:
      return "key_in_use";
    case Code::kNotCandidate:
      return "not_candidate";
    case Code::kNotJailed:
      return "not_jailed";
    case Code::kJailed:
      return "jailed";
    case Code::kTombstoned:
      return "tombstoned";
    case Code::kNotAuthority:
      return "not_authority";
    case Code::kAlreadyVoted:
      return "already_voted";
    case Code::kRevealWindow:
      return "reveal_window";
    case Code::kRevealMismatch:
      return "reveal_mismatch";
  }
  return "unknown";
}

std::string Status::to_string() const {
  std::string s(code_name(code_));
  if (!message_.empty()) s += ": " + message_;
  return s;
}

}  // namespace wattle
