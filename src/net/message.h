// A Message is the plaintext of one encrypted frame: the channel it belongs
// to and the application payload (opaque to net; reactors define it).
//
//   message := u8 channel id | payload        (payload may be empty)
//
// An empty plaintext is not a message but the connection's keepalive; the
// Connection handles it before calling decode_message, which rejects it.
//
// Pure functions; thread-safe. decode_message returns a view into its input.
#pragma once

#include "core/bytes.h"
#include "core/status.h"
#include "net/channel.h"

namespace wattle::net {

struct MessageView {
  ChannelId channel;
  ByteView payload;
};

// Bytes a message adds to its payload before encryption.
inline constexpr size_t kMessageOverhead = 1;

Bytes encode_message(ChannelId channel, ByteView payload);
// kMalformed for an empty input or an unknown channel id.
Result<MessageView> decode_message(ByteView plain);

}  // namespace wattle::net
