#include "consensus/bft/messages.h"

#include <algorithm>
#include <tuple>

#include "core/assert.h"

namespace wattle::consensus {

void encode(Writer& w, const Value& v) {
  encode(w, v.id);
  w.bytes(v.data);
}

Status decode(Reader& r, Value& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.id));
  return r.bytes(v.data, kMaxValueBytes);
}

}  // namespace wattle::consensus

namespace wattle::consensus::bft {

namespace {

class LibsodiumVerifier final : public SignatureVerifier {
 public:
  bool verify(const PublicKey& key, ByteView message, const Signature& sig) const override {
    return wattle::verify(key, message, sig);
  }
};

void encode_optional_id(Writer& w, const std::optional<Hash256>& id) {
  w.boolean(id.has_value());
  if (id) encode(w, *id);
}

Status decode_optional_id(Reader& r, std::optional<Hash256>& id) {
  bool has = false;
  WATTLE_RETURN_IF_ERROR(r.boolean(has));
  id.reset();
  if (!has) return Status::ok();
  Hash256 h;
  WATTLE_RETURN_IF_ERROR(decode(r, h));
  id = h;
  return Status::ok();
}

// Encoded sizes used as minimum element sizes for list counts.
constexpr size_t kMinVoteBytes = 1 + 8 + 4 + 1 + 4 + 64;
constexpr size_t kCommitSigBytes = 4 + 64;

enum class Kind : uint8_t { kProposal = 0, kVote = 1, kDecision = 2 };

}  // namespace

const SignatureVerifier& default_verifier() {
  static const LibsodiumVerifier verifier;
  return verifier;
}

const char* vote_type_name(VoteType t) {
  return t == VoteType::kPrevote ? "prevote" : "precommit";
}

Bytes vote_sign_bytes(std::string_view chain_id, VoteType type, uint64_t height, uint32_t round,
                      const std::optional<Hash256>& value_id) {
  Writer w;
  w.str("wattle/bft/vote/v1");
  w.str(chain_id);
  w.u8(static_cast<uint8_t>(type));
  w.u64(height);
  w.u32(round);
  encode_optional_id(w, value_id);
  return std::move(w).take();
}

Bytes proposal_sign_bytes(std::string_view chain_id, uint64_t height, uint32_t round,
                          const Hash256& value_id, int64_t valid_round) {
  Writer w;
  w.str("wattle/bft/proposal/v1");
  w.str(chain_id);
  w.u64(height);
  w.u32(round);
  encode(w, value_id);
  w.i64(valid_round);
  return std::move(w).take();
}

Vote sign_vote(std::string_view chain_id, const KeyPair& key, NodeIndex index, VoteType type,
               uint64_t height, uint32_t round, std::optional<Hash256> value_id) {
  Vote v{type, height, round, value_id, index, {}};
  v.signature = key.sign(vote_sign_bytes(chain_id, type, height, round, value_id));
  return v;
}

Proposal sign_proposal(std::string_view chain_id, const KeyPair& key, NodeIndex index,
                       uint64_t height, uint32_t round, Value value, int64_t valid_round) {
  Proposal p{height, round, std::move(value), valid_round, index, {}};
  p.signature = key.sign(proposal_sign_bytes(chain_id, height, round, p.value.id, valid_round));
  return p;
}

Status verify_vote(std::string_view chain_id, const ValidatorSet& set, const Vote& vote,
                   const SignatureVerifier& verifier) {
  if (!set.contains(vote.validator))
    return Status(Code::kUnauthorized, "vote from a validator index outside the set");
  if (!verifier.verify(set.at(vote.validator).key,
                       vote_sign_bytes(chain_id, vote.type, vote.height, vote.round, vote.value_id),
                       vote.signature))
    return Status(Code::kBadSignature, "vote signature does not verify");
  return Status::ok();
}

Status verify_proposal(std::string_view chain_id, const ValidatorSet& set, const Proposal& p,
                       const SignatureVerifier& verifier) {
  if (!set.contains(p.proposer) || p.proposer != set.proposer(p.height, p.round))
    return Status(Code::kUnauthorized, "proposal not signed by proposer(h, r)");
  if (p.valid_round < -1 || p.valid_round >= static_cast<int64_t>(p.round))
    return Status(Code::kInvalidArgument, "proposal valid round out of range");
  if (!verifier.verify(set.at(p.proposer).key,
                       proposal_sign_bytes(chain_id, p.height, p.round, p.value.id, p.valid_round),
                       p.signature))
    return Status(Code::kBadSignature, "proposal signature does not verify");
  return Status::ok();
}

CommitCertificate make_certificate(const ValidatorSet& set, uint64_t height, uint32_t round,
                                   const Hash256& value_id, std::vector<Vote> precommits) {
  std::sort(precommits.begin(), precommits.end(),
            [](const Vote& a, const Vote& b) { return a.validator < b.validator; });
  CommitCertificate c{height, round, value_id, set.hash(), {}};
  for (const auto& v : precommits) {
    WATTLE_ASSERT(v.type == VoteType::kPrecommit && v.height == height && v.round == round &&
                      v.value_id == value_id,
                  "a certificate is built from the precommits it counts");
    if (!c.signatures.empty() && c.signatures.back().validator == v.validator) continue;
    c.signatures.push_back({v.validator, v.signature});
  }
  return c;
}

Status verify_certificate(std::string_view chain_id, const ValidatorSet& set,
                          const CommitCertificate& cert, const SignatureVerifier& verifier) {
  if (cert.validator_set_hash != set.hash())
    return Status(Code::kUnauthorized, "certificate is for another validator set");
  uint64_t power = 0;
  const Bytes msg =
      vote_sign_bytes(chain_id, VoteType::kPrecommit, cert.height, cert.round, cert.value_id);
  for (size_t i = 0; i < cert.signatures.size(); ++i) {
    const auto& s = cert.signatures[i];
    if (!set.contains(s.validator))
      return Status(Code::kUnauthorized, "certificate signer outside the validator set");
    if (i > 0 && cert.signatures[i - 1].validator >= s.validator)
      return Status(Code::kMalformed, "certificate signers not strictly ascending");
    if (!verifier.verify(set.at(s.validator).key, msg, s.signature))
      return Status(Code::kBadSignature, "certificate precommit signature does not verify");
    power += set.at(s.validator).power;
  }
  if (!set.is_two_thirds(power))
    return Status(Code::kUnauthorized, "certificate holds no more than 2/3 of the voting power");
  return Status::ok();
}

Result<Evidence> make_evidence(Vote a, Vote b) {
  if (a.validator != b.validator || a.type != b.type || a.height != b.height ||
      a.round != b.round || a.value_id == b.value_id)
    return Status(Code::kInvalidArgument, "votes do not conflict");
  if (b.value_id < a.value_id) std::swap(a, b);
  return Evidence{std::move(a), std::move(b)};
}

Status verify_evidence(std::string_view chain_id, const ValidatorSet& set, const Evidence& ev,
                       const SignatureVerifier& verifier) {
  const Vote& a = ev.first;
  const Vote& b = ev.second;
  if (a.validator != b.validator || a.type != b.type || a.height != b.height || a.round != b.round)
    return Status(Code::kInvalidArgument, "evidence votes are not for one validator/height/round");
  if (!(a.value_id < b.value_id))
    return Status(Code::kInvalidArgument, "evidence votes do not conflict (or not canonical)");
  WATTLE_RETURN_IF_ERROR(verify_vote(chain_id, set, a, verifier));
  return verify_vote(chain_id, set, b, verifier);
}

namespace {
bool proposal_less(const Proposal& a, const Proposal& b) {
  return std::tie(a.value.id, a.valid_round) < std::tie(b.value.id, b.valid_round);
}
}  // namespace

Result<ProposalEvidence> make_proposal_evidence(Proposal a, Proposal b) {
  if (a.proposer != b.proposer || a.height != b.height || a.round != b.round ||
      (a.value.id == b.value.id && a.valid_round == b.valid_round))
    return Status(Code::kInvalidArgument, "proposals do not conflict");
  if (proposal_less(b, a)) std::swap(a, b);
  return ProposalEvidence{std::move(a), std::move(b)};
}

Status verify_proposal_evidence(std::string_view chain_id, const ValidatorSet& set,
                                const ProposalEvidence& ev, const SignatureVerifier& verifier) {
  const Proposal& a = ev.first;
  const Proposal& b = ev.second;
  if (a.proposer != b.proposer || a.height != b.height || a.round != b.round)
    return Status(Code::kInvalidArgument,
                  "evidence proposals are not for one proposer/height/round");
  if (!proposal_less(a, b))
    return Status(Code::kInvalidArgument, "evidence proposals do not conflict (or not canonical)");
  WATTLE_RETURN_IF_ERROR(verify_proposal(chain_id, set, a, verifier));
  return verify_proposal(chain_id, set, b, verifier);
}

Bytes encode_evidence(const AnyEvidence& ev) {
  Writer w;
  if (const auto* p = std::get_if<ProposalEvidence>(&ev)) {
    w.u8(kProposalEvidenceTag);
    encode(w, *p);
  } else {
    encode(w, std::get<Evidence>(ev));
  }
  return std::move(w).take();
}

Result<AnyEvidence> decode_evidence(ByteView bytes) {
  if (!bytes.empty() && bytes[0] == kProposalEvidenceTag) {
    auto p = decode_exact<ProposalEvidence>(bytes.subspan(1));
    if (!p) return p.status();
    return AnyEvidence{std::move(*p)};
  }
  auto v = decode_exact<Evidence>(bytes);
  if (!v) return v.status();
  return AnyEvidence{std::move(*v)};
}

Status verify_any_evidence(std::string_view chain_id, const ValidatorSet& set,
                           const AnyEvidence& ev, const SignatureVerifier& verifier) {
  if (const auto* p = std::get_if<ProposalEvidence>(&ev))
    return verify_proposal_evidence(chain_id, set, *p, verifier);
  return verify_evidence(chain_id, set, std::get<Evidence>(ev), verifier);
}

NodeIndex accused(const AnyEvidence& ev) {
  if (const auto* p = std::get_if<ProposalEvidence>(&ev)) return p->first.proposer;
  return std::get<Evidence>(ev).first.validator;
}

// --- codec ---------------------------------------------------------------------

void encode(Writer& w, const Vote& v) {
  w.u8(static_cast<uint8_t>(v.type));
  w.u64(v.height);
  w.u32(v.round);
  encode_optional_id(w, v.value_id);
  w.u32(v.validator);
  encode(w, v.signature);
}

Status decode(Reader& r, Vote& v) {
  WATTLE_RETURN_IF_ERROR(r.enumeration(v.type, 1));
  WATTLE_RETURN_IF_ERROR(r.u64(v.height));
  WATTLE_RETURN_IF_ERROR(r.u32(v.round));
  WATTLE_RETURN_IF_ERROR(decode_optional_id(r, v.value_id));
  WATTLE_RETURN_IF_ERROR(r.u32(v.validator));
  return decode(r, v.signature);
}

void encode(Writer& w, const Proposal& p) {
  w.u64(p.height);
  w.u32(p.round);
  encode(w, p.value);
  w.i64(p.valid_round);
  w.u32(p.proposer);
  encode(w, p.signature);
}

Status decode(Reader& r, Proposal& p) {
  WATTLE_RETURN_IF_ERROR(r.u64(p.height));
  WATTLE_RETURN_IF_ERROR(r.u32(p.round));
  WATTLE_RETURN_IF_ERROR(decode(r, p.value));
  WATTLE_RETURN_IF_ERROR(r.i64(p.valid_round));
  if (p.valid_round < -1 || p.valid_round >= static_cast<int64_t>(p.round))
    return Status(Code::kMalformed, "proposal valid round out of range");
  WATTLE_RETURN_IF_ERROR(r.u32(p.proposer));
  return decode(r, p.signature);
}

void encode(Writer& w, const CommitCertificate& c) {
  w.u64(c.height);
  w.u32(c.round);
  encode(w, c.value_id);
  encode(w, c.validator_set_hash);
  w.u32(static_cast<uint32_t>(c.signatures.size()));
  for (const auto& s : c.signatures) {
    w.u32(s.validator);
    encode(w, s.signature);
  }
}

Status decode(Reader& r, CommitCertificate& c) {
  WATTLE_RETURN_IF_ERROR(r.u64(c.height));
  WATTLE_RETURN_IF_ERROR(r.u32(c.round));
  WATTLE_RETURN_IF_ERROR(decode(r, c.value_id));
  WATTLE_RETURN_IF_ERROR(decode(r, c.validator_set_hash));
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, ValidatorSet::kMaxValidators, kCommitSigBytes));
  c.signatures.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    WATTLE_RETURN_IF_ERROR(r.u32(c.signatures[i].validator));
    WATTLE_RETURN_IF_ERROR(decode(r, c.signatures[i].signature));
    if (i > 0 && c.signatures[i - 1].validator >= c.signatures[i].validator)
      return Status(Code::kMalformed, "certificate signers not strictly ascending");
  }
  return Status::ok();
}

void encode(Writer& w, const Evidence& e) {
  encode(w, e.first);
  encode(w, e.second);
}

Status decode(Reader& r, Evidence& e) {
  WATTLE_RETURN_IF_ERROR(decode(r, e.first));
  WATTLE_RETURN_IF_ERROR(decode(r, e.second));
  if (!(e.first.value_id < e.second.value_id))
    return Status(Code::kMalformed, "evidence votes not in canonical order");
  return Status::ok();
}

void encode(Writer& w, const ProposalEvidence& e) {
  encode(w, e.first);
  encode(w, e.second);
}

Status decode(Reader& r, ProposalEvidence& e) {
  WATTLE_RETURN_IF_ERROR(decode(r, e.first));
  WATTLE_RETURN_IF_ERROR(decode(r, e.second));
  if (!proposal_less(e.first, e.second))
    return Status(Code::kMalformed, "evidence proposals not in canonical order");
  return Status::ok();
}

Bytes encode_message(const Message& m) {
  Writer w;
  if (const auto* p = std::get_if<ProposalMessage>(&m)) {
    w.u8(static_cast<uint8_t>(Kind::kProposal));
    encode(w, p->proposal);
    w.u32(static_cast<uint32_t>(p->proof_of_lock.size()));
    for (const auto& v : p->proof_of_lock) encode(w, v);
  } else if (const auto* v = std::get_if<Vote>(&m)) {
    w.u8(static_cast<uint8_t>(Kind::kVote));
    encode(w, *v);
  } else {
    const auto& d = std::get<DecisionMessage>(m);
    w.u8(static_cast<uint8_t>(Kind::kDecision));
    encode(w, d.value);
    encode(w, d.certificate);
  }
  return std::move(w).take();
}

Result<Message> decode_message(ByteView bytes) {
  Reader r(bytes);
  Kind kind{};
  WATTLE_RETURN_IF_ERROR(r.enumeration(kind, 2));
  Message out;
  switch (kind) {
    case Kind::kProposal: {
      ProposalMessage p;
      WATTLE_RETURN_IF_ERROR(decode(r, p.proposal));
      uint32_t n = 0;
      WATTLE_RETURN_IF_ERROR(r.count(n, ValidatorSet::kMaxValidators, kMinVoteBytes));
      p.proof_of_lock.resize(n);
      for (auto& v : p.proof_of_lock) WATTLE_RETURN_IF_ERROR(decode(r, v));
      out = std::move(p);
      break;
    }
    case Kind::kVote: {
      Vote v;
      WATTLE_RETURN_IF_ERROR(decode(r, v));
      out = v;
      break;
    }
    case Kind::kDecision: {
      DecisionMessage d;
      WATTLE_RETURN_IF_ERROR(decode(r, d.value));
      WATTLE_RETURN_IF_ERROR(decode(r, d.certificate));
      out = std::move(d);
      break;
    }
  }
  WATTLE_RETURN_IF_ERROR(r.finish());
  return out;
}

}  // namespace wattle::consensus::bft
