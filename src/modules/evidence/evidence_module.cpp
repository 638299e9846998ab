#include "modules/evidence/evidence_module.h"

#include "modules/evidence/evidence.h"

namespace wattle::modules {

std::vector<chain::Namespace> EvidenceModule::namespaces() const {
  return {chain::Namespace::kEvidence};
}

Status EvidenceModule::deliver_evidence(chain::StateOverlay& state, ByteView item,
                                        uint64_t block_height) const {
  return apply_evidence(state, item, checker_, block_height);
}

}  // namespace wattle::modules
