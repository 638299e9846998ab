// Integer flags parsed strictly ("--amount 0100" must not read as 64 or 100).
//
// CLI11 converts integer options with strtoll-style base detection, so "010"
// is octal, "0x10" hex, and an out-of-range value is clamped. decimal_in()
// is a CLI11 transform run before that conversion: it refuses anything but
// decimal digits in [lo, hi] (CLI11 then reports "--flag: <why>" and main()
// exits 1) and hands CLI11 the canonical digits, which it cannot misread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "core/decimal.h"

namespace wattle::cli {

inline CLI::Validator decimal_in(uint64_t lo, uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        auto v = parse_decimal(text, lo, hi);
        if (!v) return v.status().message();
        text = std::to_string(*v);
        return {};
      },
      "UINT[" + std::to_string(lo) + ".." + std::to_string(hi) + "]", "decimal");
}

}  // namespace wattle::cli
