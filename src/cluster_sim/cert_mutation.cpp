#include "cluster_sim/cert_mutation.h"

#include "core/assert.h"
#include "modules/certificates/cert_ledger.h"
#include "modules/certificates/certificates_module.h"

namespace wattle::cluster_sim {

namespace {

// Forwards to a CertificatesModule built with kSplitKeepsSource, except its
// conservation term: only minus the rewards minted (the bank term's other
// half), without the identity check that would refuse the block.
class UncheckedCertificates final : public chain::Module {
 public:
  explicit UncheckedCertificates(const chain::Genesis& g)
      : inner_(g.market, g.certificates, modules::CertMutation::kSplitKeepsSource) {}

  std::string_view name() const override { return inner_.name(); }
  std::vector<uint8_t> tx_kinds() const override { return inner_.tx_kinds(); }
  std::vector<chain::Namespace> namespaces() const override { return inner_.namespaces(); }
  Status check_tx(const chain::Tx& tx) const override { return inner_.check_tx(tx); }
  Status deliver_tx(chain::TxScope& scope) const override { return inner_.deliver_tx(scope); }
  Status end_block(chain::StateOverlay& state, const chain::BlockHeader& header,
                   std::vector<chain::Event>* events) const override {
    return inner_.end_block(state, header, events);
  }
  Result<bool> block_due(const chain::StateReader& state, uint64_t time_ms) const override {
    return inner_.block_due(state, time_ms);
  }
  Result<__int128> value_delta(const chain::StateReader& base,
                               const chain::StateWrites& writes) const override {
    auto before = modules::read_cursor(base);
    if (!before) return before.status();
    auto it = writes.find(modules::cert_keys::cursor());
    if (it == writes.end() || !it->second) return __int128{0};
    auto after = decode_exact<modules::CertCursor>(*it->second);
    if (!after) return after.status();
    return -(__int128{after->minted.value()} - before->minted.value());
  }

 private:
  modules::CertificatesModule inner_;
};

}  // namespace

std::shared_ptr<const chain::ModuleSet> double_counting_modules(const chain::Genesis& genesis,
                                                                chain::EvidenceChecker checker) {
  auto standard = genesis.params(std::move(checker)).modules;
  std::vector<std::shared_ptr<const chain::Module>> modules;
  for (const auto& m : standard->modules())
    modules.push_back(m->name() == "certificates" ? std::make_shared<UncheckedCertificates>(genesis)
                                                  : m);
  auto set = chain::ModuleSet::make(std::move(modules));
  WATTLE_ASSERT(set.is_ok(), "the mutated modules collide");
  return *set;
}

}  // namespace wattle::cluster_sim
