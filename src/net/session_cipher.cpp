#include "net/session_cipher.h"

#include <utility>

namespace wattle::net {

SessionCipher::SessionCipher(const SessionKey& tx_key, const SessionKey& rx_key,
                             std::array<uint8_t, kStreamHeaderBytes>& header)
    : rx_key_(rx_key) {
  crypto_secretstream_xchacha20poly1305_init_push(&push_, header.data(), tx_key.data());
}

SessionCipher::SessionCipher(SessionCipher&& other) noexcept {
  *this = std::move(other);
}

SessionCipher& SessionCipher::operator=(SessionCipher&& other) noexcept {
  if (this != &other) {
    push_ = other.push_;
    pull_ = other.pull_;
    rx_key_ = other.rx_key_;
    pull_ready_ = other.pull_ready_;
    broken_ = other.broken_;
    other.wipe();
    other.broken_ = true;  // a moved-from cipher must not seal with a wiped key
  }
  return *this;
}

SessionCipher::~SessionCipher() {
  wipe();
}

void SessionCipher::wipe() {
  sodium_memzero(&push_, sizeof push_);
  sodium_memzero(&pull_, sizeof pull_);
  sodium_memzero(rx_key_.data(), rx_key_.size());
}

Status SessionCipher::accept_header(ByteView header) {
  if (pull_ready_) return Status(Code::kInternal, "stream header accepted twice");
  if (header.size() != kStreamHeaderBytes) return Status(Code::kMalformed, "bad stream header");
  if (crypto_secretstream_xchacha20poly1305_init_pull(&pull_, header.data(), rx_key_.data()) != 0) {
    return Status(Code::kMalformed, "bad stream header");
  }
  // The key is in the state now; the copy has no further use.
  sodium_memzero(rx_key_.data(), rx_key_.size());
  pull_ready_ = true;
  return Status::ok();
}

Bytes SessionCipher::seal(ByteView plain) {
  Bytes out(plain.size() + kSealOverhead);
  crypto_secretstream_xchacha20poly1305_push(&push_, out.data(), nullptr, plain.data(),
                                             plain.size(), nullptr, 0,
                                             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return out;
}

Result<Bytes> SessionCipher::open(ByteView sealed) {
  if (!pull_ready_) return Status(Code::kInternal, "open before the stream header");
  if (broken_) return Status(Code::kCorruption, "stream already failed");
  if (sealed.size() < kSealOverhead) {
    broken_ = true;
    return Status(Code::kCorruption, "ciphertext shorter than its tag");
  }
  Bytes out(sealed.size() - kSealOverhead);
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&pull_, out.data(), nullptr, &tag, sealed.data(),
                                                 sealed.size(), nullptr, 0) != 0 ||
      tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
    // Only TAG_MESSAGE is ever sealed; any other tag is an attacker's or a bug.
    broken_ = true;
    return Status(Code::kCorruption, "ciphertext failed authentication");
  }
  return out;
}

}  // namespace wattle::net
