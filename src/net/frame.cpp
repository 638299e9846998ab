#include "net/frame.h"

#include <cassert>

namespace wattle::net {

Result<std::optional<FrameView>> decode_frame(ByteView in, size_t max_body) {
  if (in.size() < kFrameHeaderBytes) return std::optional<FrameView>{};
  uint32_t len = 0;
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) len |= static_cast<uint32_t>(in[i]) << (8 * i);
  if (len == 0) return Status(Code::kMalformed, "empty frame");
  // Checked before waiting for the body, so an oversized announcement is
  // refused after 4 bytes instead of after buffering it.
  if (len > max_body || len > kFrameBodyHardLimit) {
    return Status(Code::kTooLarge, "frame of " + std::to_string(len) + " bytes over the limit");
  }
  if (in.size() - kFrameHeaderBytes < len) return std::optional<FrameView>{};
  return std::optional<FrameView>{
      FrameView{in.subspan(kFrameHeaderBytes, len), kFrameHeaderBytes + static_cast<size_t>(len)}};
}

void append_frame(Bytes& out, ByteView body) {
  assert(!body.empty() && body.size() <= kFrameBodyHardLimit);
  const auto len = static_cast<uint32_t>(body.size());
  for (size_t i = 0; i < kFrameHeaderBytes; ++i)
    out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), body.begin(), body.end());
}

Result<std::vector<ByteView>> split_frames(ByteView in, size_t max_body, size_t max_frames) {
  std::vector<ByteView> frames;
  while (!in.empty()) {
    auto f = decode_frame(in, max_body);
    if (!f) return f.status();
    if (!f->has_value()) return Status(Code::kMalformed, "truncated frame");
    if (frames.size() == max_frames) return Status(Code::kTooLarge, "too many frames");
    frames.push_back((*f)->body);
    in = in.subspan((*f)->consumed);
  }
  return frames;
}

}  // namespace wattle::net
