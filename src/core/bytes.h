// Byte strings and hex: the shared vocabulary for codec, hashing and keys.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace wattle {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Lower-case hex, two characters per byte.
std::string to_hex(ByteView bytes);
// Strict: even length, [0-9a-fA-F] only. kMalformed otherwise.
Result<Bytes> from_hex(std::string_view hex);

}  // namespace wattle
