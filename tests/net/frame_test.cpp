#include "net/frame.h"

#include <gtest/gtest.h>

#include "net/message.h"

namespace wattle::net {
namespace {

Bytes frame_of(ByteView body) {
  Bytes out;
  append_frame(out, body);
  return out;
}

TEST(Frame, RoundTripAndStreamingPieces) {
  Bytes wire = frame_of(as_bytes("hello"));
  append_frame(wire, as_bytes("x"));
  // Every prefix shorter than the first frame asks for more bytes.
  for (size_t n = 0; n < 9; ++n) {
    auto f = decode_frame(ByteView(wire).first(n), 100);
    ASSERT_TRUE(f.is_ok());
    EXPECT_FALSE(f->has_value()) << n;
  }
  auto f = decode_frame(wire, 100);
  ASSERT_TRUE(f.is_ok() && f->has_value());
  EXPECT_EQ((*f)->consumed, 9u);
  EXPECT_EQ(Bytes((*f)->body.begin(), (*f)->body.end()),
            Bytes(as_bytes("hello").begin(), as_bytes("hello").end()));
  auto all = split_frames(wire, 100, 10);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST(Frame, OversizedRefusedFromTheHeaderAlone) {
  // Only the 4 header bytes: the decoder must not wait for 1 GiB.
  Bytes header = {0x00, 0x00, 0x00, 0x40};
  auto f = decode_frame(header, 1024);
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), Code::kTooLarge);
  Bytes just_over = frame_of(Bytes(1025, 7));
  EXPECT_EQ(decode_frame(just_over, 1024).status().code(), Code::kTooLarge);
  EXPECT_TRUE(decode_frame(just_over, 1025).is_ok());
}

TEST(Frame, GarbageAndTruncated) {
  EXPECT_EQ(decode_frame(Bytes{0, 0, 0, 0, 1}, 100).status().code(), Code::kMalformed);
  Bytes truncated = frame_of(as_bytes("abcdef"));
  truncated.pop_back();
  EXPECT_EQ(split_frames(truncated, 100, 10).status().code(), Code::kMalformed);
  Bytes three = frame_of(as_bytes("a"));
  append_frame(three, as_bytes("b"));
  append_frame(three, as_bytes("c"));
  EXPECT_EQ(split_frames(three, 100, 2).status().code(), Code::kTooLarge);
}

TEST(Message, ChannelByteAndPayload) {
  Bytes m = encode_message(ChannelId::kBlockSync, as_bytes("blk"));
  auto v = decode_message(m);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->channel, ChannelId::kBlockSync);
  EXPECT_EQ(v->payload.size(), 3u);
  EXPECT_TRUE(decode_message(encode_message(ChannelId::kConsensus, {})).is_ok());
  EXPECT_EQ(decode_message(Bytes{}).status().code(), Code::kMalformed);
  EXPECT_EQ(decode_message(Bytes{kChannelCount, 1}).status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace wattle::net
