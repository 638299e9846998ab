#include "modules/certificates/cert_txs.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

Status positive_wh(Energy wh) {
  if (wh.value() <= 0) return Status(Code::kInvalidArgument, "wh must be > 0");
  return Status::ok();
}

Status decode_body(Reader& r, RegisterDevice& t) {
  WATTLE_RETURN_IF_ERROR(decode(r, t.meter));
  WATTLE_RETURN_IF_ERROR(decode(r, t.account));
  WATTLE_RETURN_IF_ERROR(r.enumeration(t.technology, kMaxTechnology));
  WATTLE_RETURN_IF_ERROR(r.u64(t.capacity_w));
  if (t.capacity_w == 0 || t.capacity_w > kMaxCapacityW)
    return Status(Code::kInvalidArgument, "capacity_w must be 1.." + std::to_string(kMaxCapacityW));
  return Status::ok();
}
Status decode_body(Reader& r, CertTransfer& t) {
  int64_t wh = 0;
  WATTLE_RETURN_IF_ERROR(r.u64(t.bundle));
  WATTLE_RETURN_IF_ERROR(r.i64(wh));
  WATTLE_RETURN_IF_ERROR(decode(r, t.to));
  t.wh = Energy(wh);
  return positive_wh(t.wh);
}
Status decode_body(Reader& r, CertCancel& t) {
  int64_t wh = 0;
  WATTLE_RETURN_IF_ERROR(r.u64(t.bundle));
  WATTLE_RETURN_IF_ERROR(r.i64(wh));
  WATTLE_RETURN_IF_ERROR(r.u64(t.slot));
  t.wh = Energy(wh);
  return positive_wh(t.wh);
}

template <typename T>
Result<CertTx> decode_as(ByteView body) {
  Reader r(body);
  T t;
  // Field errors first (a zero Wh is kInvalidArgument), then trailing bytes.
  WATTLE_RETURN_IF_ERROR(decode_body(r, t));
  WATTLE_RETURN_IF_ERROR(r.finish());
  return CertTx(t);
}

}  // namespace

ModuleTx to_payload(const CertTx& tx) {
  Writer w;
  uint8_t kind = 0;
  if (const auto* d = std::get_if<RegisterDevice>(&tx)) {
    kind = kRegisterDeviceKind;
    encode(w, d->meter);
    encode(w, d->account);
    w.u8(static_cast<uint8_t>(d->technology));
    w.u64(d->capacity_w);
  } else if (const auto* t = std::get_if<CertTransfer>(&tx)) {
    kind = kCertTransferKind;
    w.u64(t->bundle);
    w.i64(t->wh.value());
    encode(w, t->to);
  } else {
    const auto& c = std::get<CertCancel>(tx);
    kind = kCertCancelKind;
    w.u64(c.bundle);
    w.i64(c.wh.value());
    w.u64(c.slot);
  }
  return ModuleTx{kind, std::move(w).take()};
}

Result<CertTx> decode_cert_tx(const ModuleTx& payload) {
  switch (payload.kind) {
    case kRegisterDeviceKind:
      return decode_as<RegisterDevice>(payload.body);
    case kCertTransferKind:
      return decode_as<CertTransfer>(payload.body);
    case kCertCancelKind:
      return decode_as<CertCancel>(payload.body);
    default:
      return Status(Code::kInvalidArgument, "not a certificates tx kind");
  }
}

}  // namespace wattle::modules
