#include "core/decimal.h"

#include <string>

namespace wattle {

Result<uint64_t> parse_decimal(std::string_view text, uint64_t lo, uint64_t hi) {
  const std::string range = " (allowed " + std::to_string(lo) + ".." + std::to_string(hi) + ")";
  if (text.empty())
    return Status(Code::kInvalidArgument, "expected a decimal integer, got nothing");
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return Status(Code::kInvalidArgument, "\"" + std::string(text.substr(0, 40)) +
                                                "\" is not a decimal integer (digits 0-9 only)" +
                                                range);
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10)
      return Status(Code::kInvalidArgument,
                    "\"" + std::string(text.substr(0, 40)) + "\" is out of range" + range);
    v = v * 10 + d;
  }
  if (v < lo || v > hi)
    return Status(Code::kInvalidArgument, std::to_string(v) + " is out of range" + range);
  return v;
}

}  // namespace wattle
