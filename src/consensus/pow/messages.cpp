#include "consensus/pow/messages.h"

namespace wattle::consensus::pow {

namespace {

template <typename T>
void encode_list(Writer& w, const std::vector<T>& items) {
  w.u32(static_cast<uint32_t>(items.size()));
  for (const T& item : items) encode(w, item);
}

template <typename T>
Status decode_list(Reader& r, std::vector<T>& items, uint32_t max_count) {
  uint32_t n = 0;
  if (Status st = r.count(n, max_count); !st) return st;
  items.resize(n);
  for (T& item : items)
    if (Status st = decode(r, item); !st) return st;
  return Status::ok();
}

}  // namespace

Bytes encode_message(const PowMessage& m) {
  Writer w;
  w.u8(static_cast<uint8_t>(m.index()));
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, BlockMsg>) encode(w, msg.block);
        if constexpr (std::is_same_v<T, GetHeadersMsg>) encode_list(w, msg.locator);
        if constexpr (std::is_same_v<T, HeadersMsg>) encode_list(w, msg.headers);
        if constexpr (std::is_same_v<T, GetBlocksMsg>) encode_list(w, msg.hashes);
      },
      m);
  return std::move(w).take();
}

Result<PowMessage> decode_message(ByteView bytes, uint32_t max_headers) {
  Reader r(bytes);
  uint8_t kind = 0;
  if (Status st = r.u8(kind); !st) return st;
  PowMessage m;
  Status st;
  switch (kind) {
    case 0:
      st = decode(r, m.emplace<BlockMsg>().block);
      break;
    case 1:
      st = decode_list(r, m.emplace<GetHeadersMsg>().locator, kMaxLocator);
      break;
    case 2:
      st = decode_list(r, m.emplace<HeadersMsg>().headers, max_headers);
      break;
    case 3:
      st = decode_list(r, m.emplace<GetBlocksMsg>().hashes, kMaxBlocksRequested);
      break;
    default:
      return Status(Code::kMalformed, "unknown pow message kind");
  }
  if (!st) return st;
  if (Status fin = r.finish(); !fin) return fin;
  return m;
}

}  // namespace wattle::consensus::pow
