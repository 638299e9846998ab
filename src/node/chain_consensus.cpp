#include "node/chain_consensus.h"

#include <algorithm>
#include <memory>

#include "consensus/single_engine.h"
#include "modules/staking/staking_state.h"

namespace wattle::node {

Result<consensus::bft::ValidatorSet> validator_set(const chain::Genesis& genesis) {
  std::vector<consensus::bft::Validator> vs;
  vs.reserve(genesis.validators.size());
  for (const auto& v : genesis.validators) vs.push_back({v.public_key, v.power});
  return consensus::bft::ValidatorSet::create(std::move(vs));
}

bool has_staked_sets(const chain::Genesis& genesis) {
  return genesis.engine == chain::EngineKind::kBft && genesis.staking &&
         genesis.staking->consensus != modules::ConsensusKind::kSingle;
}

Result<consensus::bft::ValidatorSet> validator_set_at(const chain::Genesis& genesis,
                                                      const chain::StateReader& committed,
                                                      uint64_t height) {
  if (!has_staked_sets(genesis)) {
    auto set = validator_set(genesis);
    if (!set) return set.status();
    return set->at_height(height);
  }
  auto index = modules::read_or_default<modules::SetIndex>(committed, modules::set_index_key());
  if (!index) return index.status();
  const auto& hs = index->heights;
  auto it = std::upper_bound(hs.begin(), hs.end(), height);
  if (it == hs.begin())
    return Status(Code::kNotFound,
                  "no validator set recorded for height " + std::to_string(height));
  const uint64_t effective = *std::prev(it);
  auto record =
      modules::read_or_default<modules::ValidatorSetRecord>(committed, modules::set_key(effective));
  if (!record) return record.status();
  std::vector<consensus::bft::Validator> vs;
  for (const auto& e : record->validators) vs.push_back({e.key, e.power});
  auto set = consensus::bft::ValidatorSet::create(std::move(vs));
  if (!set) return Status(Code::kCorruption, "recorded set: " + set.status().message());
  return set->restarted_at(effective).at_height(height);
}

namespace {
class BlockValueHasher final : public consensus::ValueHasher {
 public:
  Hash256 id_of(ByteView data) const override {
    auto block = chain::decode_block_hashed(data);
    return block ? block->id : Hash256{};
  }
};
}  // namespace

const consensus::ValueHasher& block_value_hasher() {
  static const BlockValueHasher hasher;
  return hasher;
}

Hash256 BlockValues::id_of(ByteView data) const {
  auto id = chain::block_id(data);
  if (!id) return Hash256{};
  // The header names the id; the body is checked against the header's roots
  // when these bytes are first seen, so the id is never granted to bytes
  // other than the block the signatures are about.
  return find_or_decode(*id, data) ? *id : Hash256{};
}

std::shared_ptr<const chain::DecodedBlock> BlockValues::decoded(
    const consensus::Value& value) const {
  return find_or_decode(value.id, value.data);
}

std::shared_ptr<const chain::DecodedBlock> BlockValues::find_or_decode(const Hash256& id,
                                                                       ByteView data) const {
  for (const Entry& e : entries_)
    if (e.block->id == id && std::equal(e.data.begin(), e.data.end(), data.begin(), data.end()))
      return e.block;
  auto block = chain::decode_block_hashed(data);
  if (!block || block->id != id) return nullptr;
  auto shared = std::make_shared<const chain::DecodedBlock>(std::move(*block));
  remember(data, shared);
  return shared;
}

void BlockValues::remember(ByteView data, std::shared_ptr<const chain::DecodedBlock> block) const {
  if (entries_.size() >= kCapacity) entries_.pop_front();
  entries_.push_back(Entry{Bytes(data.begin(), data.end()), std::move(block)});
}

void BlockValues::forget_through(uint64_t height) const {
  std::erase_if(entries_, [&](const Entry& e) { return e.block->block.header.height <= height; });
}

Result<std::vector<PublicKey>> certificate_signers(const chain::Genesis& genesis,
                                                   const chain::BlockHeader& header,
                                                   ByteView certificate,
                                                   const chain::StateReader* committed) {
  const std::string at = "block " + std::to_string(header.height) + ": certificate ";
  if (genesis.engine == chain::EngineKind::kSingle) {
    const PublicKey& validator = genesis.validators.at(0).public_key;
    if (!consensus::SingleEngine::verify_certificate(genesis.chain_id, validator, header.height,
                                                     header.hash(), certificate))
      return Status(Code::kCorruption, at + "does not verify for the genesis validator");
    return std::vector<PublicKey>{validator};
  }
  auto cert = decode_exact<consensus::bft::CommitCertificate>(certificate);
  if (!cert) return Status(Code::kCorruption, at + "does not decode: " + cert.status().message());
  if (cert->height != header.height || cert->value_id != header.hash())
    return Status(Code::kCorruption, at + "is for another height or block");
  if (has_staked_sets(genesis) && committed == nullptr)
    return Status(Code::kCorruption, at + "needs the state that names its validator set");
  auto set =
      committed ? validator_set_at(genesis, *committed, header.height) : validator_set(genesis);
  if (!set) return Status(Code::kCorruption, at + set.status().message());
  Status st = consensus::bft::verify_certificate(genesis.chain_id, *set, *cert);
  if (!st) return Status(Code::kCorruption, at + st.message());
  // verify_certificate checked each index is in the set and named once.
  std::vector<PublicKey> signers;
  signers.reserve(cert->signatures.size());
  for (const auto& sig : cert->signatures) signers.push_back(set->at(sig.validator).key);
  return signers;
}

Status verify_block_certificate(const chain::Genesis& genesis, const chain::BlockHeader& header,
                                ByteView certificate, const chain::StateReader* committed) {
  return certificate_signers(genesis, header, certificate, committed).status();
}

chain::LastCommitChecker last_commit_checker(const chain::Genesis& genesis,
                                             const chain::StateReader* committed) {
  // A PoW block's certificate is its own PoW header, not a commit: such
  // chains have no last commit (and no downtime rule).
  if (genesis.engine == chain::EngineKind::kPow) return nullptr;
  auto shared = std::make_shared<const chain::Genesis>(genesis);
  return [shared, committed](const chain::BlockHeader& parent,
                             ByteView certificate) -> Result<chain::LastCommit> {
    auto signers = certificate_signers(*shared, parent, certificate, committed);
    if (!signers) return signers.status();
    return chain::LastCommit{parent.height, std::move(*signers)};
  };
}

chain::EvidenceChecker evidence_checker(const chain::Genesis& genesis,
                                        const chain::StateReader* committed) {
  if (genesis.engine != chain::EngineKind::kBft) return nullptr;
  auto set = validator_set(genesis);
  if (!set) return nullptr;  // genesis validation refuses such a set first
  auto shared = std::make_shared<const consensus::bft::ValidatorSet>(std::move(*set));
  // With staked sets a vote's validator index is into the set of its height.
  std::shared_ptr<const chain::Genesis> staked;
  if (committed && has_staked_sets(genesis)) staked = std::make_shared<chain::Genesis>(genesis);
  return [chain_id = genesis.chain_id, set = std::move(shared), staked,
          committed](ByteView item) -> Result<chain::EvidenceInfo> {
    auto any = consensus::bft::decode_evidence(item);
    if (!any) return any.status();
    const auto* ev = std::get_if<consensus::bft::Evidence>(&*any);
    if (!ev) return Status(Code::kInvalidArgument, "only vote equivocation is committed");
    // One encoding per evidence, so its hash (the state key) names it once.
    const Bytes canonical = consensus::bft::encode_evidence(*any);
    if (!std::equal(canonical.begin(), canonical.end(), item.begin(), item.end()))
      return Status(Code::kMalformed, "evidence is not canonically encoded");
    if (!staked) {
      WATTLE_RETURN_IF_ERROR(consensus::bft::verify_evidence(chain_id, *set, *ev));
      return chain::EvidenceInfo{set->at(ev->first.validator).key, ev->first.height};
    }
    auto at = validator_set_at(*staked, *committed, ev->first.height);
    if (!at) return at.status();
    WATTLE_RETURN_IF_ERROR(consensus::bft::verify_evidence(chain_id, *at, *ev));
    return chain::EvidenceInfo{at->at(ev->first.validator).key, ev->first.height};
  };
}

}  // namespace wattle::node
