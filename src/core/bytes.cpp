#include "core/bytes.h"

#include <sodium.h>

namespace wattle {

std::string to_hex(ByteView bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status(Code::kMalformed, "hex string has odd length");
  // sodium_hex2bin's output must not be null, which an empty vector's data() may be.
  if (hex.empty()) return Bytes{};
  Bytes out(hex.size() / 2);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      len != out.size() || end != hex.data() + hex.size())
    return Status(Code::kMalformed, "invalid hex character");
  return out;
}

}  // namespace wattle
