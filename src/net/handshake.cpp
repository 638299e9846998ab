#include "net/handshake.h"

#include "core/codec.h"
#include "core/hash.h"

namespace wattle::net {

namespace {
constexpr std::string_view kChallengeDomain = "wattle/p2p/handshake/v1";
}  // namespace

Bytes encode_hello(const Hello& h) {
  Writer w;
  w.u32(kHelloMagic);
  w.u8(h.version);
  w.str(h.network_id);
  w.fixed(h.ephemeral);
  return std::move(w).take();
}

Result<Hello> decode_hello(ByteView body) {
  if (body.size() > kMaxHelloBytes) return Status(Code::kTooLarge, "hello too large");
  Reader r(body);
  uint32_t magic = 0;
  Hello h;
  WATTLE_RETURN_IF_ERROR(r.u32(magic));
  if (magic != kHelloMagic) return Status(Code::kMalformed, "not a wattle p2p hello");
  WATTLE_RETURN_IF_ERROR(r.u8(h.version));
  WATTLE_RETURN_IF_ERROR(r.str(h.network_id, kMaxNetworkIdBytes));
  WATTLE_RETURN_IF_ERROR(r.fixed(h.ephemeral));
  WATTLE_RETURN_IF_ERROR(r.finish());
  return h;
}

Bytes encode_auth(const AuthMessage& a) {
  Writer w;
  encode(w, a.node_key);
  encode(w, a.signature);
  return std::move(w).take();
}

Result<AuthMessage> decode_auth(ByteView plain) {
  Reader r(plain);
  AuthMessage a;
  WATTLE_RETURN_IF_ERROR(decode(r, a.node_key));
  WATTLE_RETURN_IF_ERROR(decode(r, a.signature));
  WATTLE_RETURN_IF_ERROR(r.finish());
  return a;
}

Handshake::Handshake(Role role, const KeyPair& node_key, std::string network_id)
    : role_(role), node_key_(node_key), network_id_(std::move(network_id)) {
  crypto_init();
  crypto_kx_keypair(eph_pk_.data(), eph_sk_.data());
  hello_ = encode_hello(Hello{kProtocolVersion, network_id_, eph_pk_});
}

Handshake::~Handshake() {
  sodium_memzero(eph_sk_.data(), eph_sk_.size());
}

Status Handshake::fail(Status st) {
  stage_ = Stage::kFailed;
  cipher_.reset();
  sodium_memzero(eph_sk_.data(), eph_sk_.size());
  return st;
}

Bytes Handshake::challenge(Role signer) const {
  const bool we_dial = role_ == Role::kDialer;
  Writer w;
  w.str(kChallengeDomain);
  w.u8(static_cast<uint8_t>(signer));  // a dialer's signature never passes as a listener's
  w.str(network_id_);
  w.bytes(we_dial ? hello_ : remote_hello_);
  w.bytes(we_dial ? remote_hello_ : hello_);
  encode(w, key_binding_);
  return std::move(w).take();
}

Result<Bytes> Handshake::on_remote_hello(ByteView body) {
  if (stage_ != Stage::kAwaitHello) return fail(Status(Code::kInternal, "hello out of order"));
  auto hello = decode_hello(body);
  if (!hello) return fail(hello.status());
  if (hello->version != kProtocolVersion) {
    return fail(Status(Code::kInvalidArgument,
                       "peer speaks protocol version " + std::to_string(hello->version)));
  }
  if (hello->network_id != network_id_) {
    return fail(Status(Code::kWrongChain, "peer is on network '" + hello->network_id + "'"));
  }
  // Our own key echoed back is a reflection attempt (or a self-dial).
  if (hello->ephemeral == eph_pk_) return fail(Status(Code::kMalformed, "reflected hello"));
  remote_hello_.assign(body.begin(), body.end());

  SessionKey rx{}, tx{};
  const int rc = role_ == Role::kDialer
                     ? crypto_kx_client_session_keys(rx.data(), tx.data(), eph_pk_.data(),
                                                     eph_sk_.data(), hello->ephemeral.data())
                     : crypto_kx_server_session_keys(rx.data(), tx.data(), eph_pk_.data(),
                                                     eph_sk_.data(), hello->ephemeral.data());
  // Forward secrecy: the ephemeral secret is gone as soon as the keys exist.
  sodium_memzero(eph_sk_.data(), eph_sk_.size());
  if (rc != 0) return fail(Status(Code::kMalformed, "weak ephemeral key"));

  // Digest of the directional keys in dialer->listener, listener->dialer
  // order, identical on both sides; signing it binds the identity to this
  // very key exchange (channel binding).
  Hasher binding;
  binding.update(as_bytes(kChallengeDomain));
  const SessionKey& d2l = role_ == Role::kDialer ? tx : rx;
  const SessionKey& l2d = role_ == Role::kDialer ? rx : tx;
  binding.update(d2l).update(l2d);
  key_binding_ = binding.finish();

  std::array<uint8_t, kStreamHeaderBytes> header{};
  cipher_.emplace(tx, rx, header);
  sodium_memzero(rx.data(), rx.size());
  sodium_memzero(tx.data(), tx.size());

  const Signature sig = node_key_.sign(challenge(role_));
  Bytes out(header.begin(), header.end());
  Bytes sealed = cipher_->seal(encode_auth(AuthMessage{node_key_.public_key(), sig}));
  out.insert(out.end(), sealed.begin(), sealed.end());
  stage_ = Stage::kAwaitAuth;
  return out;
}

Result<PublicKey> Handshake::on_remote_auth(ByteView body) {
  if (stage_ != Stage::kAwaitAuth) return fail(Status(Code::kInternal, "auth out of order"));
  if (body.size() != kAuthFrameBytes) return fail(Status(Code::kMalformed, "bad auth frame size"));
  Status st = cipher_->accept_header(body.first(kStreamHeaderBytes));
  if (!st) return fail(st);
  auto plain = cipher_->open(body.subspan(kStreamHeaderBytes));
  if (!plain) return fail(plain.status());
  auto auth = decode_auth(*plain);
  if (!auth) return fail(auth.status());
  const Role remote = role_ == Role::kDialer ? Role::kListener : Role::kDialer;
  if (!verify(auth->node_key, challenge(remote), auth->signature)) {
    return fail(Status(Code::kBadSignature, "handshake signature does not verify"));
  }
  if (auth->node_key == node_key_.public_key()) {
    return fail(Status(Code::kUnauthorized, "connected to ourselves"));
  }
  stage_ = Stage::kDone;
  return auth->node_key;
}

std::optional<SessionCipher> Handshake::take_cipher() {
  if (stage_ != Stage::kDone) return std::nullopt;
  std::optional<SessionCipher> out = std::move(cipher_);
  cipher_.reset();
  stage_ = Stage::kFailed;
  return out;
}

}  // namespace wattle::net
