#include "core/address.h"

#include <cctype>
#include <cstring>
#include <vector>

#include "core/hash.h"

namespace wattle {

namespace {

// Bech32m (BIP-350): the checksum encoding, not a cryptographic primitive.
constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32mConst = 0x2bc830a3;

uint32_t polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; when decoding (pad=false) leftover bits must be zero padding.
bool convert_bits(const uint8_t* in, size_t n, int from, int to, bool pad,
                  std::vector<uint8_t>& out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << from) | in[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back((acc >> bits) & maxv);
    }
  }
  if (pad) {
    if (bits > 0) out.push_back((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  return true;
}

}  // namespace

Address Address::of(const PublicKey& key) {
  Hash256 h = blake2b256(key.bytes);
  Address a;
  std::memcpy(a.bytes.data(), h.bytes.data(), a.bytes.size());
  return a;
}

std::string Address::to_string() const {
  std::vector<uint8_t> data;
  convert_bits(bytes.data(), bytes.size(), 8, 5, true, data);
  std::vector<uint8_t> values = hrp_expand(kAddressPrefix);
  values.insert(values.end(), data.begin(), data.end());
  values.insert(values.end(), 6, 0);
  uint32_t mod = polymod(values) ^ kBech32mConst;
  for (int i = 0; i < 6; ++i) data.push_back((mod >> (5 * (5 - i))) & 31);
  std::string out(kAddressPrefix);
  out += '1';
  for (uint8_t d : data) out += kCharset[d];
  return out;
}

Result<Address> Address::parse(std::string_view text) {
  auto bad = [](const char* why) {
    return Status(Code::kMalformed, std::string("address: ") + why);
  };
  if (text.size() > 90) return bad("too long");
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return bad("invalid character");
    lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
  }
  if (lower && upper) return bad("mixed case");
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t sep = s.rfind('1');
  if (sep == std::string::npos || std::string_view(s).substr(0, sep) != kAddressPrefix)
    return bad("must start with \"wat1\"");
  std::vector<uint8_t> data;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const char* p = std::strchr(kCharset, s[i]);
    if (p == nullptr || s[i] == '\0') return bad("invalid character");
    data.push_back(static_cast<uint8_t>(p - kCharset));
  }
  if (data.size() < 6) return bad("too short");
  std::vector<uint8_t> values = hrp_expand(kAddressPrefix);
  values.insert(values.end(), data.begin(), data.end());
  if (polymod(values) != kBech32mConst) return bad("checksum mismatch (typo?)");
  std::vector<uint8_t> raw;
  if (!convert_bits(data.data(), data.size() - 6, 5, 8, false, raw)) return bad("bad padding");
  if (raw.size() != 20) return bad("wrong length");
  Address a;
  std::memcpy(a.bytes.data(), raw.data(), 20);
  return a;
}

}  // namespace wattle
