// The evidence module: records the evidence of validator misbehaviour that
// blocks carry (evidence.h), under Namespace::kEvidence, so penalties
// (Proof-of-Stake slashing) can read it. It accepts_evidence(); without a
// checker (a single-validator chain) every item is refused with
// kUnauthorized. Immutable; thread-safe when its checker is.
#pragma once

#include "chain/evidence_check.h"
#include "chain/module.h"

namespace wattle::modules {

class EvidenceModule final : public chain::Module {
 public:
  explicit EvidenceModule(chain::EvidenceChecker checker) : checker_(std::move(checker)) {}

  std::string_view name() const override { return "evidence"; }
  std::vector<chain::Namespace> namespaces() const override;
  bool accepts_evidence() const override { return true; }
  Status deliver_evidence(chain::StateOverlay& state, ByteView item,
                          uint64_t block_height) const override;

 private:
  const chain::EvidenceChecker checker_;
};

}  // namespace wattle::modules
