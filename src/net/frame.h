// Wire frames: the length-prefixed unit every byte on a peer connection
// travels in, before and after the handshake.
//
//   frame := u32 little-endian body length | body        (1 <= length <= max_body)
//
// The decoder is a pure function over bytes (no I/O, no allocation beyond
// what it returns) so it can be fuzzed directly, and it rejects a hostile
// length from the 4-byte header alone, before any body byte is buffered:
// a peer can never make us hold more than max_body + kFrameHeaderBytes bytes
// of one frame. Errors (stable codes): kTooLarge for a length over the
// limit, kMalformed for a zero length or, in split_frames, a truncated tail.
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace wattle::net {

inline constexpr size_t kFrameHeaderBytes = 4;
// No configuration may raise the frame limit above this (the u32 header could
// announce 4 GiB; we never accept a buffer that size from a peer).
inline constexpr size_t kFrameBodyHardLimit = 16u << 20;

// One complete frame at the start of a buffer: its body (a view into the
// input) and how many input bytes it used, header included.
struct FrameView {
  ByteView body;
  size_t consumed = 0;
};

// Decodes the frame at the start of `in`. std::nullopt means "need more
// bytes" (not an error: a stream delivers frames in pieces).
Result<std::optional<FrameView>> decode_frame(ByteView in, size_t max_body);

// Appends one frame carrying `body` to `out`. body.size() must be in
// [1, kFrameBodyHardLimit] (asserted: callers bound their messages first).
void append_frame(Bytes& out, ByteView body);

// Splits a complete buffer into at most max_frames frames; a partial frame at
// the end is kMalformed ("truncated frame"), more frames than max_frames is
// kTooLarge. For tests and the fuzzer; streams use decode_frame.
Result<std::vector<ByteView>> split_frames(ByteView in, size_t max_body, size_t max_frames);

}  // namespace wattle::net
