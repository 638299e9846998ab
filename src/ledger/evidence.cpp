#include "ledger/evidence.h"

#include "ledger/block.h"

namespace wattle::ledger {

void encode(Writer& w, const EvidenceRecord& r) {
  encode(w, r.accused);
  w.u64(r.height);
  w.u64(r.included_at);
}

Status decode(Reader& r, EvidenceRecord& rec) {
  WATTLE_RETURN_IF_ERROR(decode(r, rec.accused));
  WATTLE_RETURN_IF_ERROR(r.u64(rec.height));
  return r.u64(rec.included_at);
}

StateKey evidence_key(const Hash256& evidence_hash) {
  return StateKey{Namespace::kEvidence,
                  Bytes(evidence_hash.bytes.begin(), evidence_hash.bytes.end())};
}

Status apply_evidence(StateOverlay& state, ByteView item, const EvidenceChecker& checker,
                      uint64_t block_height) {
  if (!checker) return Status(Code::kUnauthorized, "this chain takes no evidence");
  if (item.size() > kMaxEvidenceBytes) return Status(Code::kTooLarge, "evidence item too large");
  auto info = checker(item);
  if (!info) return info.status();
  if (info->height >= block_height)
    return Status(Code::kInvalidArgument, "evidence for height " + std::to_string(info->height) +
                                              " in a block at " + std::to_string(block_height));
  const StateKey key = evidence_key(evidence_hash(item));
  auto existing = state.read(key);
  if (!existing) return existing.status();
  if (*existing) return Status(Code::kDuplicate, "evidence already committed");
  state.put(key, encode_to_bytes(EvidenceRecord{info->accused, info->height, block_height}));
  return Status::ok();
}

}  // namespace wattle::ledger
