// Strict decimal integers for text typed by people (CLI flags, genesis
// balances): what was typed is what is used, or it is refused.
//
// Promises: parse_decimal accepts only ASCII digits (leading zeros mean
// nothing: "0100" is 100, never octal), no sign, no spaces, no "0x", and a
// value in [lo, hi]; anything else is kInvalidArgument with a message that
// says why (never clamped to the range or to INT64_MAX). Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace wattle {

Result<uint64_t> parse_decimal(std::string_view text, uint64_t lo, uint64_t hi);

}  // namespace wattle
