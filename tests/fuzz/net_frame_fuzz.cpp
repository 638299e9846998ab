// libFuzzer target for the net wire format: the frame decoder, the
// message and handshake decoders, the handshake state machine and the
// session cipher must never crash, hang or over-allocate on any bytes; they
// fail only with their documented codes; and whatever they accept is
// canonical (re-encoding gives back the input).
//
// Build and run:
//   cmake --preset fuzz && ninja -C build/fuzz net_frame_fuzz
//   ./build/fuzz/tests/fuzz/net_frame_fuzz -max_total_time=60 NEW_DIR tests/fuzz/corpus/net_frame
#include <cstdint>
#include <cstdlib>

#include "net/frame.h"
#include "net/handshake.h"
#include "net/message.h"
#include "net/session_cipher.h"

namespace {

using namespace wattle;
using namespace wattle::net;

void require(bool ok) {
  if (!ok) std::abort();  // libFuzzer records the input as a crash
}

bool is(const Status& st, std::initializer_list<Code> codes) {
  for (Code c : codes)
    if (st.code() == c) return true;
  return false;
}

// Same input, fed as a stream in uneven pieces: the streaming decoder must
// find exactly the frames split_frames finds.
void check_streaming(ByteView in, size_t limit, const std::vector<ByteView>& whole) {
  size_t off = 0, n = 0;
  while (off < in.size()) {
    auto f = decode_frame(in.subspan(off), limit);
    require(f.is_ok());  // split_frames accepted all of it
    require(f->has_value());
    require((*f)->consumed == kFrameHeaderBytes + (*f)->body.size());
    require((*f)->body.data() == whole[n].data() && (*f)->body.size() == whole[n].size());
    off += (*f)->consumed;
    ++n;
  }
  require(n == whole.size());
}

void check_message(ByteView body) {
  auto m = decode_message(body);
  if (!m) {
    require(m.status().code() == Code::kMalformed);
    return;
  }
  require(encode_message(m->channel, m->payload) == Bytes(body.begin(), body.end()));
}

void check_hello(ByteView body) {
  auto h = decode_hello(body);
  if (!h) {
    require(is(h.status(), {Code::kMalformed, Code::kTooLarge}));
    return;
  }
  require(h->network_id.size() <= kMaxNetworkIdBytes);
  require(encode_hello(*h) == Bytes(body.begin(), body.end()));
}

// The listener side of a handshake fed the fuzzer's frames as the dialer's
// Hello and Auth. A forged Auth would need a signature and an AEAD tag.
void check_handshake(const std::vector<ByteView>& frames) {
  static const KeyPair key = KeyPair::from_label("fuzz-listener");
  Handshake hs(Role::kListener, key, "fuzz-net");
  if (frames.empty()) return;
  auto auth = hs.on_remote_hello(frames[0]);
  if (!auth) {
    require(is(auth.status(),
               {Code::kMalformed, Code::kTooLarge, Code::kInvalidArgument, Code::kWrongChain}));
    return;
  }
  require(auth->size() == kAuthFrameBytes);
  if (frames.size() < 2) return;
  auto id = hs.on_remote_auth(frames[1]);
  require(!id.is_ok());
  require(is(id.status(), {Code::kMalformed, Code::kCorruption}));
  require(!hs.take_cipher().has_value());
}

// Fuzzed bytes as ciphertext never open; sealing them opens to themselves.
void check_cipher(const std::vector<ByteView>& frames) {
  SessionKey k1{}, k2{};
  k1.fill(1);
  k2.fill(2);
  std::array<uint8_t, kStreamHeaderBytes> h1{}, h2{};
  SessionCipher a(k1, k2, h1), b(k2, k1, h2);
  require(b.accept_header(h1).is_ok());
  for (ByteView f : frames) {
    Bytes sealed = a.seal(f);
    auto plain = b.open(sealed);
    require(plain.is_ok() && *plain == Bytes(f.begin(), f.end()));
  }
  if (!frames.empty()) require(b.open(frames[0]).status().code() == Code::kCorruption);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  // A small limit in half the runs reaches the kTooLarge path with small inputs.
  const size_t limit = (size > 0 && (data[0] & 1)) ? 64 : kFrameBodyHardLimit;
  auto frames = split_frames(in, limit, 256);
  if (!frames) {
    require(is(frames.status(), {Code::kMalformed, Code::kTooLarge}));
    // A prefix-only view must still never crash the streaming decoder.
    (void)decode_frame(in, limit);
    return 0;
  }
  for (ByteView f : *frames) require(!f.empty() && f.size() <= limit);
  check_streaming(in, limit, *frames);
  for (ByteView f : *frames) {
    check_message(f);
    check_hello(f);
    (void)decode_auth(f);
  }
  check_handshake(*frames);
  check_cipher(*frames);
  return 0;
}
