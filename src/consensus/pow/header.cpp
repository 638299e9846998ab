#include "consensus/pow/header.h"

namespace wattle::consensus::pow {

Hash256 PowHeader::hash() const {
  return blake2b256(encode_to_bytes(*this));
}

void encode(Writer& w, const PowHeader& h) {
  w.u64(h.height);
  encode(w, h.prev);
  encode(w, h.tx_root);
  encode(w, h.state_root);
  w.u64(h.time_ms);
  w.u32(h.bits);
  w.u64(h.nonce);
}

Status decode(Reader& r, PowHeader& h) {
  for (Status st : {r.u64(h.height), decode(r, h.prev), decode(r, h.tx_root),
                    decode(r, h.state_root), r.u64(h.time_ms), r.u32(h.bits), r.u64(h.nonce)})
    if (!st) return st;
  return Status::ok();
}

void encode(Writer& w, const PowBlock& b) {
  encode(w, b.header);
  w.bytes(b.body);
}

Status decode(Reader& r, PowBlock& b) {
  if (Status st = decode(r, b.header); !st) return st;
  return r.bytes(b.body, kMaxBodyBytes);
}

}  // namespace wattle::consensus::pow
