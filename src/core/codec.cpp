#include "core/codec.h"

namespace wattle {

namespace {
template <typename U>
U get_le(const uint8_t* p) {
  U v = 0;
  for (size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(p[i]) << (8 * i);
  return v;
}
}  // namespace

Status Reader::u8(uint8_t& v) {
  if (remaining() < 1) return truncated();
  v = in_[pos_++];
  return Status::ok();
}

Status Reader::boolean(bool& v) {
  uint8_t b = 0;
  WATTLE_RETURN_IF_ERROR(u8(b));
  if (b > 1) return Status(Code::kMalformed, "boolean byte is not 0 or 1");
  v = b == 1;
  return Status::ok();
}

Status Reader::u32(uint32_t& v) {
  if (remaining() < 4) return truncated();
  v = get_le<uint32_t>(in_.data() + pos_);
  pos_ += 4;
  return Status::ok();
}

Status Reader::u64(uint64_t& v) {
  if (remaining() < 8) return truncated();
  v = get_le<uint64_t>(in_.data() + pos_);
  pos_ += 8;
  return Status::ok();
}

Status Reader::i64(int64_t& v) {
  uint64_t u = 0;
  WATTLE_RETURN_IF_ERROR(u64(u));
  v = static_cast<int64_t>(u);
  return Status::ok();
}

Status Reader::bytes(Bytes& b, size_t max_len) {
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(u32(n));
  if (n > max_len) return Status(Code::kTooLarge, "byte string longer than its limit");
  if (remaining() < n) return truncated();
  b.assign(in_.begin() + pos_, in_.begin() + pos_ + n);
  pos_ += n;
  return Status::ok();
}

Status Reader::str(std::string& s, size_t max_len) {
  Bytes b;
  WATTLE_RETURN_IF_ERROR(bytes(b, max_len));
  s.assign(b.begin(), b.end());
  return Status::ok();
}

Status Reader::count(uint32_t& n, uint32_t max_count, size_t min_elem_size) {
  WATTLE_RETURN_IF_ERROR(u32(n));
  if (n > max_count) return Status(Code::kTooLarge, "list longer than its limit");
  if (static_cast<uint64_t>(n) * min_elem_size > remaining()) return truncated();
  return Status::ok();
}

Status Reader::finish() const {
  if (remaining() != 0) return Status(Code::kMalformed, "trailing bytes after value");
  return Status::ok();
}

}  // namespace wattle
