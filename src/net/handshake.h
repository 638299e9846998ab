// Handshake: the authenticated key exchange that opens every peer
// connection, as a pure state machine (bytes in, bytes out; no sockets, no
// clocks), so the Connection, the tests' hand-driven raw peers and the fuzzer
// all run the same code. docs/network.md walks through it and its threat
// model. The construction follows CometBFT's SecretConnection, built only
// from libsodium primitives:
//
//  1. Each side sends Hello {magic, version, network id, fresh X25519 key}.
//  2. On the peer's Hello: crypto_kx session keys (the dialer is the kx
//     "client"), one secretstream per direction, and our Auth frame =
//     stream header | seal(our Ed25519 node key | signature over the
//     challenge). The challenge hashes the role of the signer, the network
//     id, both Hellos and a digest of the session keys, so a signature is
//     good for this one connection only.
//  3. On the peer's Auth: open it with the receiving stream, verify the
//     signature; the verified key is the peer's node id. Whether that id is
//     admitted (allow-list, bans, duplicates) is the caller's decision.
//
// Errors (stable codes): kMalformed (bad Hello/Auth bytes, weak or reflected
// ephemeral key), kInvalidArgument (protocol version), kWrongChain (network
// id), kCorruption (Auth that does not decrypt: tampered or replayed),
// kBadSignature, kUnauthorized (the peer is ourselves), kInternal (a call out
// of order). After any error the object is failed and refuses everything.
//
// Ownership: owns the ephemeral secret (wiped on destruction) and a copy of
// the node key. Thread safety: none; one connection drives it.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "core/hash.h"
#include "core/keys.h"
#include "net/session_cipher.h"

namespace wattle::net {

enum class Role : uint8_t { kDialer = 0, kListener = 1 };

inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr uint32_t kHelloMagic = 0x504c5457;  // "WTLP" little-endian
inline constexpr size_t kMaxNetworkIdBytes = 64;
inline constexpr size_t kEphemeralKeyBytes = crypto_kx_PUBLICKEYBYTES;
inline constexpr size_t kMaxHelloBytes = 4 + 1 + 4 + kMaxNetworkIdBytes + kEphemeralKeyBytes;
// stream header | seal(node key | signature)
inline constexpr size_t kAuthFrameBytes = kStreamHeaderBytes + 32 + 64 + kSealOverhead;
// Frame limit while the handshake runs: an unauthenticated peer can make us
// buffer at most this much.
inline constexpr size_t kMaxHandshakeFrameBytes =
    kMaxHelloBytes > kAuthFrameBytes ? kMaxHelloBytes : kAuthFrameBytes;

struct Hello {
  uint8_t version = kProtocolVersion;
  std::string network_id;
  std::array<uint8_t, kEphemeralKeyBytes> ephemeral{};
};
Bytes encode_hello(const Hello& h);
// kMalformed / kTooLarge on bad bytes (strict codec: no trailing bytes).
Result<Hello> decode_hello(ByteView body);

// The plaintext inside the sealed part of an Auth frame.
struct AuthMessage {
  PublicKey node_key;
  Signature signature;
};
Bytes encode_auth(const AuthMessage& a);
Result<AuthMessage> decode_auth(ByteView plain);

class Handshake {
 public:
  Handshake(Role role, const KeyPair& node_key, std::string network_id);
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;
  ~Handshake();

  Role role() const { return role_; }
  // Our Hello frame body; send it as soon as the TCP connection is up.
  const Bytes& hello() const { return hello_; }
  // Step 2: the peer's Hello body -> our Auth frame body.
  Result<Bytes> on_remote_hello(ByteView body);
  // Step 3: the peer's Auth frame body -> the peer's verified node key.
  Result<PublicKey> on_remote_auth(ByteView body);
  bool done() const { return stage_ == Stage::kDone; }
  // The session, once done(); the handshake is spent afterwards.
  std::optional<SessionCipher> take_cipher();

 private:
  enum class Stage { kAwaitHello, kAwaitAuth, kDone, kFailed };
  Bytes challenge(Role signer) const;
  Status fail(Status st);

  Role role_;
  KeyPair node_key_;
  std::string network_id_;
  std::array<uint8_t, kEphemeralKeyBytes> eph_pk_{};
  std::array<uint8_t, crypto_kx_SECRETKEYBYTES> eph_sk_{};
  Bytes hello_;
  Bytes remote_hello_;
  Hash256 key_binding_;
  std::optional<SessionCipher> cipher_;
  Stage stage_ = Stage::kAwaitHello;
};

}  // namespace wattle::net
