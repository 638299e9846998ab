#include "consensus/pow/refusal.h"

namespace wattle::consensus::pow {

std::string_view refusal_name(Refusal r) {
  switch (r) {
    case Refusal::kHighHash:
      return "high_hash";
    case Refusal::kBadBits:
      return "bad_bits";
    case Refusal::kTimeTooOld:
      return "time_too_old";
    case Refusal::kTimeTooNew:
      return "time_too_new";
    case Refusal::kUnknownParent:
      return "unknown_parent";
    case Refusal::kBadHeight:
      return "bad_height";
    case Refusal::kLowWork:
      return "low_work";
    case Refusal::kBadBody:
      return "bad_body";
    case Refusal::kInvalidBlock:
      return "invalid_block";
    case Refusal::kDuplicate:
      return "duplicate";
    case Refusal::kMalformed:
      return "malformed";
  }
  return "unknown";
}

}  // namespace wattle::consensus::pow
