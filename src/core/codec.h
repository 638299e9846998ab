// The canonical binary codec: exactly one encoding per value.
//
// Integers are fixed-width little-endian (so there is no non-minimal form to
// reject); byte strings and lists are a u32 length followed by their content,
// with a caller-supplied maximum; booleans and enums are one byte whose range
// the decoder checks. Decoding is strict: truncated input, trailing bytes,
// out-of-range enums and over-limit lengths are kMalformed / kTooLarge.
//
// A type T takes part by providing, in its namespace:
//   void encode(Writer&, const T&);
//   Status decode(Reader&, T&);
// Signatures always cover these canonical bytes (docs/architecture.md).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"

namespace wattle {

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void u32(uint32_t v) { put_le(v); }
  void u64(uint64_t v) { put_le(v); }
  void i64(int64_t v) { put_le(static_cast<uint64_t>(v)); }
  // Fixed-size field: no length prefix.
  template <size_t N>
  void fixed(const std::array<uint8_t, N>& a) {
    out_.insert(out_.end(), a.begin(), a.end());
  }
  void raw(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // Length-prefixed (u32) byte string.
  void bytes(ByteView b) {
    u32(static_cast<uint32_t>(b.size()));
    raw(b);
  }
  void str(std::string_view s) { bytes(as_bytes(s)); }

  const Bytes& data() const& { return out_; }
  Bytes&& take() && { return std::move(out_); }
  size_t size() const { return out_.size(); }

 private:
  template <typename U>
  void put_le(U v) {
    for (size_t i = 0; i < sizeof(U); ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  Status u8(uint8_t& v);
  Status boolean(bool& v);
  Status u32(uint32_t& v);
  Status u64(uint64_t& v);
  Status i64(int64_t& v);
  template <size_t N>
  Status fixed(std::array<uint8_t, N>& a) {
    if (remaining() < N) return truncated();
    std::memcpy(a.data(), in_.data() + pos_, N);
    pos_ += N;
    return Status::ok();
  }
  // Length-prefixed byte string of at most max_len bytes.
  Status bytes(Bytes& b, size_t max_len);
  Status str(std::string& s, size_t max_len);
  // An enum stored as one byte that must be <= max_value.
  template <typename E>
  Status enumeration(E& e, uint8_t max_value) {
    uint8_t v = 0;
    WATTLE_RETURN_IF_ERROR(u8(v));
    if (v > max_value) return Status(Code::kMalformed, "enum value out of range");
    e = static_cast<E>(v);
    return Status::ok();
  }
  // A list length prefix of at most max_count elements; checks that at least
  // count * min_elem_size bytes remain, so a hostile count cannot force a huge reservation.
  Status count(uint32_t& n, uint32_t max_count, size_t min_elem_size = 1);

  size_t remaining() const { return in_.size() - pos_; }
  // kMalformed unless all input was consumed.
  Status finish() const;

 private:
  Status truncated() const { return Status(Code::kMalformed, "truncated input"); }
  ByteView in_;
  size_t pos_ = 0;
};

template <typename T>
Bytes encode_to_bytes(const T& value) {
  Writer w;
  encode(w, value);
  return std::move(w).take();
}

// Decodes exactly one T from `in`; trailing bytes are an error.
template <typename T>
Result<T> decode_exact(ByteView in) {
  Reader r(in);
  T value{};
  Status st = decode(r, value);
  if (!st.is_ok()) return st;
  st = r.finish();
  if (!st.is_ok()) return st;
  return value;
}

}  // namespace wattle
