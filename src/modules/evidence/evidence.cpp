#include "modules/evidence/evidence.h"

#include "chain/block.h"

namespace wattle::modules {
using namespace ::wattle::chain;

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

Result<std::optional<EvidenceRecord>> committed_evidence(const StateReader& state,
                                                         const Hash256& hash) {
  auto rec = state.read(evidence_key(hash));
  if (!rec) return rec.status();
  if (!*rec) return std::optional<EvidenceRecord>{};
  auto r = decode_exact<EvidenceRecord>(**rec);
  if (!r) return Status(Code::kCorruption, "bad evidence record: " + r.status().message());
  return std::optional<EvidenceRecord>{*r};
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

}  // namespace wattle::modules
