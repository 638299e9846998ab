// Consensus messages of the Tendermint engine, their canonical encoding and
// their signatures.
//
// Promises:
//  - Every signature covers a domain tag, the chain id, the height, the round
//    and the message type (plus the value id and, for proposals, the valid
//    round), so a signed vote cannot be replayed on another chain, height,
//    round or step (docs/architecture.md).
//  - Encodings are canonical (core/codec.h): one byte string per message;
//    decoders reject trailing bytes, out-of-range enums, unsorted or duplicate
//    certificate signers and over-limit sizes.
//  - A CommitCertificate and an Evidence verify from the ValidatorSet and the
//    chain id alone: the ledger stores the first with each block and slashes
//    with the second, without trusting whoever relayed them.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "consensus/bft/validator_set.h"
#include "consensus/engine.h"
#include "core/codec.h"
#include "core/keys.h"

namespace wattle::consensus {
// The opaque block value takes part in the codec here (engine.h stays codec-free).
inline constexpr size_t kMaxValueBytes = size_t{1} << 20;
void encode(Writer& w, const Value& v);
Status decode(Reader& r, Value& v);
}  // namespace wattle::consensus

namespace wattle::consensus::bft {

// Signature checking as a seam: production uses wattle::verify; the
// simulator plugs in a memoising wrapper (the same Ed25519 check, done once
// per distinct (key, message, signature) instead of once per receiver).
class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  virtual bool verify(const PublicKey& key, ByteView message, const Signature& sig) const = 0;
};
const SignatureVerifier& default_verifier();

enum class VoteType : uint8_t { kPrevote = 0, kPrecommit = 1 };
const char* vote_type_name(VoteType t);

// ⟨PREVOTE|PRECOMMIT, h, r, id(v) or nil⟩ signed by validator `validator`.
struct Vote {
  VoteType type = VoteType::kPrevote;
  uint64_t height = 0;
  uint32_t round = 0;
  std::optional<Hash256> value_id;  // nullopt is the paper's nil
  NodeIndex validator = 0;
  Signature signature;
  bool operator==(const Vote&) const = default;
};

// ⟨PROPOSAL, h, r, v, validRound⟩ signed by proposer(h, r).
struct Proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  Value value;
  int64_t valid_round = -1;  // -1 or 0 <= valid_round < round
  NodeIndex proposer = 0;
  Signature signature;
};

// A proposal plus the prevotes that justify its valid round (the paper's
// "2f + 1 ⟨PREVOTE, h, vr, id(v)⟩" of rule 28). Shipping them along is how
// this engine meets the paper's gossip assumption for proof-of-lock prevotes
// that a receiver missed (CometBFT gossips the same votes separately).
struct ProposalMessage {
  Proposal proposal;
  std::vector<Vote> proof_of_lock;
};

struct CommitSig {
  NodeIndex validator = 0;
  Signature signature;
  bool operator==(const CommitSig&) const = default;
};

// > 2/3 of the voting power precommitted value_id at (height, round).
// Signers are sorted by index, each at most once; indexes are into the
// validator set whose hash the certificate names (sets may change between
// heights: PoS/DPoS), so it cannot be checked against another set.
struct CommitCertificate {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash256 value_id;
  Hash256 validator_set_hash;
  std::vector<CommitSig> signatures;
  bool operator==(const CommitCertificate&) const = default;
};

// A decided value with its certificate: the reply to a peer stuck at a height
// we already decided (catch-up; block sync takes over for older heights).
struct DecisionMessage {
  Value value;
  CommitCertificate certificate;
};

// Two votes of one validator, same type, height and round, different values.
// Canonical order: first.value_id < second.value_id (nil sorts first).
struct Evidence {
  Vote first;
  Vote second;
};

// Two proposals of one proposer for one (height, round) that differ (value
// or valid round): a proposer signs one proposal per round. Canonical order:
// (value id, valid round) ascending.
struct ProposalEvidence {
  Proposal first;
  Proposal second;
};
// What EvidenceFound carries: vote evidence encodes as before; proposal
// evidence is tagged with a leading kProposalEvidenceTag (a byte no vote
// encoding starts with).
using AnyEvidence = std::variant<Evidence, ProposalEvidence>;
inline constexpr uint8_t kProposalEvidenceTag = 0xE1;

using Message = std::variant<ProposalMessage, Vote, DecisionMessage>;

// --- signing ------------------------------------------------------------------
Bytes vote_sign_bytes(std::string_view chain_id, VoteType type, uint64_t height, uint32_t round,
                      const std::optional<Hash256>& value_id);
Bytes proposal_sign_bytes(std::string_view chain_id, uint64_t height, uint32_t round,
                          const Hash256& value_id, int64_t valid_round);
Vote sign_vote(std::string_view chain_id, const KeyPair& key, NodeIndex index, VoteType type,
               uint64_t height, uint32_t round, std::optional<Hash256> value_id);
Proposal sign_proposal(std::string_view chain_id, const KeyPair& key, NodeIndex index,
                       uint64_t height, uint32_t round, Value value, int64_t valid_round);

// --- verification (kBadSignature, kInvalidArgument, kUnauthorized) -------------
Status verify_vote(std::string_view chain_id, const ValidatorSet& set, const Vote& vote,
                   const SignatureVerifier& verifier = default_verifier());
// Also checks that the signer is proposer(height, round) and the valid round's range.
Status verify_proposal(std::string_view chain_id, const ValidatorSet& set, const Proposal& p,
                       const SignatureVerifier& verifier = default_verifier());
// Builds a certificate from precommits for one (height, round, value) by
// members of `set`; the caller passes exactly the precommits it counted.
CommitCertificate make_certificate(const ValidatorSet& set, uint64_t height, uint32_t round,
                                   const Hash256& value_id, std::vector<Vote> precommits);
Status verify_certificate(std::string_view chain_id, const ValidatorSet& set,
                          const CommitCertificate& cert,
                          const SignatureVerifier& verifier = default_verifier());
// kInvalidArgument unless a and b conflict (same validator, type, height and round;
// different value); orders them canonically.
Result<Evidence> make_evidence(Vote a, Vote b);
Status verify_evidence(std::string_view chain_id, const ValidatorSet& set, const Evidence& ev,
                       const SignatureVerifier& verifier = default_verifier());
// kInvalidArgument unless a and b are two different proposals of one
// proposer for one (height, round); orders them canonically.
Result<ProposalEvidence> make_proposal_evidence(Proposal a, Proposal b);
// Both proposals verify (signer = proposer(h, r)) and differ.
Status verify_proposal_evidence(std::string_view chain_id, const ValidatorSet& set,
                                const ProposalEvidence& ev,
                                const SignatureVerifier& verifier = default_verifier());
Bytes encode_evidence(const AnyEvidence& ev);
Result<AnyEvidence> decode_evidence(ByteView bytes);
Status verify_any_evidence(std::string_view chain_id, const ValidatorSet& set,
                           const AnyEvidence& ev,
                           const SignatureVerifier& verifier = default_verifier());
// The validator the evidence accuses.
NodeIndex accused(const AnyEvidence& ev);

// --- codec ---------------------------------------------------------------------
void encode(Writer& w, const Vote& v);
Status decode(Reader& r, Vote& v);
void encode(Writer& w, const Proposal& p);
Status decode(Reader& r, Proposal& p);
void encode(Writer& w, const CommitCertificate& c);
Status decode(Reader& r, CommitCertificate& c);
void encode(Writer& w, const Evidence& e);
Status decode(Reader& r, Evidence& e);
void encode(Writer& w, const ProposalEvidence& e);
Status decode(Reader& r, ProposalEvidence& e);

// Wire format: one kind byte (0 proposal, 1 vote, 2 decision) then the body.
Bytes encode_message(const Message& m);
Result<Message> decode_message(ByteView bytes);

}  // namespace wattle::consensus::bft
