#include "net/message.h"

namespace wattle::net {

Bytes encode_message(ChannelId channel, ByteView payload) {
  Bytes out;
  out.reserve(kMessageOverhead + payload.size());
  out.push_back(static_cast<uint8_t>(channel));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<MessageView> decode_message(ByteView plain) {
  if (plain.empty()) return Status(Code::kMalformed, "empty message");
  auto channel = channel_from_byte(plain[0]);
  if (!channel) return Status(Code::kMalformed, "unknown channel id " + std::to_string(plain[0]));
  return MessageView{*channel, plain.subspan(kMessageOverhead)};
}

}  // namespace wattle::net
