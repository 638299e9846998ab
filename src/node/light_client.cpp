#include "node/light_client.h"

#include "chain/state.h"
#include "consensus/bft/messages.h"
#include "modules/staking/staking_state.h"
#include "node/chain_consensus.h"

namespace wattle::node {

using nlohmann::json;

namespace {

Result<uint64_t> get_u64(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned())
    return Status(Code::kMalformed, std::string("answer lacks unsigned \"") + key + "\"");
  return j[key].get<uint64_t>();
}

Result<std::string> get_str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string())
    return Status(Code::kMalformed, std::string("answer lacks string \"") + key + "\"");
  return j[key].get<std::string>();
}

Result<Hash256> get_hash(const json& j, const char* key) {
  auto s = get_str(j, key);
  if (!s) return s.status();
  return Hash256::from_hex(*s);
}

Status link(const char* which, const std::string& why) {
  return Status(Code::kCorruption, std::string(which) + ": " + why);
}

// A block answer's header, rebuilt from its fields (and hashed by the
// caller), and its certificate bytes.
struct HeaderAnswer {
  chain::BlockHeader header;
  Bytes certificate;
};

Result<HeaderAnswer> header_of(const json& block) {
  HeaderAnswer out;
  chain::BlockHeader& h = out.header;
  auto bh = get_u64(block, "height");
  auto prev = get_hash(block, "prev_hash");
  auto proposer = get_str(block, "proposer");
  auto time = get_u64(block, "time_ms");
  auto tx_root = get_hash(block, "tx_root");
  auto evidence_root = get_hash(block, "evidence_root");
  auto state_root = get_hash(block, "state_root");
  auto tx_count = get_u64(block, "tx_count");
  auto last_commit_hash = get_hash(block, "last_commit_hash");
  auto cert_hex = get_str(block, "certificate");
  for (const Status& s : {bh.status(), prev.status(), proposer.status(), time.status(),
                          tx_root.status(), evidence_root.status(), state_root.status(),
                          tx_count.status(), last_commit_hash.status(), cert_hex.status()})
    if (!s) return s;
  auto pk = PublicKey::from_hex(*proposer);
  if (!pk) return pk.status();
  if (*tx_count > UINT32_MAX) return link("header", "tx_count out of range");
  auto cert = from_hex(*cert_hex);
  if (!cert) return cert.status();
  h.height = *bh;
  h.prev_hash = *prev;
  h.proposer = *pk;
  h.time_ms = *time;
  h.tx_root = *tx_root;
  h.evidence_root = *evidence_root;
  h.state_root = *state_root;
  h.tx_count = static_cast<uint32_t>(*tx_count);
  h.last_commit_hash = *last_commit_hash;
  out.certificate = std::move(*cert);
  return out;
}

// The set in force at `height`: the trusted one with the latest effective
// height at or before it.
const consensus::bft::ValidatorSet* set_in_force(const TrustedSets& sets, uint64_t height) {
  auto it = sets.upper_bound(height);
  return it == sets.begin() ? nullptr : &std::prev(it)->second;
}

// header -> commit certificate -> validator set (h.height > 0).
Status check_certificate(const chain::Genesis& genesis, const chain::BlockHeader& h,
                         ByteView certificate, const TrustedSets* sets) {
  if (!has_staked_sets(genesis)) {
    bool known = false;
    for (const auto& v : genesis.validators) known |= v.public_key == h.proposer;
    if (!known) return link("header", "proposer is not a genesis validator");
    if (Status cs = verify_block_certificate(genesis, h, certificate); !cs)
      return link("certificate", cs.message());
    return Status::ok();
  }
  if (sets == nullptr) return link("certificate", "a staked chain needs its set changes followed");
  const consensus::bft::ValidatorSet* set = set_in_force(*sets, h.height);
  if (set == nullptr) return link("certificate", "no trusted set at this height");
  if (!set->index_of(h.proposer))
    return link("header", "proposer is not in the set in force at its height");
  auto cert = decode_exact<consensus::bft::CommitCertificate>(certificate);
  if (!cert) return link("certificate", "does not decode: " + cert.status().message());
  if (cert->height != h.height || cert->value_id != h.hash())
    return link("certificate", "is for another height or block");
  if (Status st = consensus::bft::verify_certificate(genesis.chain_id, *set, *cert); !st)
    return link("certificate",
                st.message() + " (by the set in force at " + std::to_string(h.height) + ")");
  return Status::ok();
}

// One proven record {"value": hex, "proof": hex} under `root`: its bytes.
Result<Bytes> proven_value(const json& j, const Hash256& root, const chain::StateKey& key,
                           const char* which) {
  if (!j.is_object()) return link(which, "missing");
  auto value_hex = get_str(j, "value");
  auto proof_hex = get_str(j, "proof");
  if (!value_hex || !proof_hex) return link(which, "missing value or proof");
  auto value = from_hex(*value_hex);
  auto proof_bytes = from_hex(*proof_hex);
  if (!value || !proof_bytes) return link(which, "not hex");
  auto proof = decode_exact<chain::StateProof>(*proof_bytes);
  if (!proof) return link(which, "does not decode: " + proof.status().message());
  if (Status st = chain::verify_proof(root, key.path(), blake2b256(*value), *proof); !st)
    return link(which, st.message());
  return std::move(*value);
}

// One change: header at `height` checked with the trusted sets, then the
// index and the new set proven against its state root.
Status follow_change(const chain::Genesis& genesis, const json& c, const BlockFetcher& block_at,
                     TrustedSets& sets, std::vector<uint64_t>& followed) {
  auto height = get_u64(c, "height");
  auto effective = get_u64(c, "effective");
  auto root = get_hash(c, "state_root");
  if (!height || !effective || !root)
    return link("header", "change lacks height, effective or state_root");
  if (*effective <= followed.back() || *height >= *effective || *height == 0)
    return link("index", "change heights out of order");
  auto block = block_at(*height);
  if (!block) return link("header", "block unavailable: " + block.status().message());
  auto answer = header_of(*block);
  if (!answer) return link("header", answer.status().message());
  const chain::BlockHeader& h = answer->header;
  if (h.height != *height || h.state_root != *root)
    return link("header", "block is not the change's height or state root");
  WATTLE_RETURN_IF_ERROR(check_certificate(genesis, h, answer->certificate, &sets));
  // The index at that height lists every change up to it: the ones
  // followed so far (its oldest may have been dropped) and this one last.
  auto index_bytes =
      proven_value(c.value("index", json()), *root, modules::set_index_key(), "index");
  if (!index_bytes) return index_bytes.status();
  auto index = decode_exact<modules::SetIndex>(*index_bytes);
  if (!index || index->heights.empty() || index->heights.back() != *effective)
    return link("index", "does not end with this change");
  const auto& hs = index->heights;
  if (hs.size() - 1 > followed.size() ||
      !std::equal(hs.begin(), hs.end() - 1, followed.end() - static_cast<long>(hs.size() - 1)))
    return link("index", "lists a change this client was not given");
  auto set_bytes =
      proven_value(c.value("set", json()), *root, modules::set_key(*effective), "set proof");
  if (!set_bytes) return set_bytes.status();
  auto record = decode_exact<modules::ValidatorSetRecord>(*set_bytes);
  if (!record) return link("set proof", "record does not decode");
  std::vector<consensus::bft::Validator> vs;
  for (const auto& e : record->validators) vs.push_back({e.key, e.power});
  auto set = consensus::bft::ValidatorSet::create(std::move(vs));
  if (!set) return link("set proof", "not a valid set: " + set.status().message());
  sets.insert_or_assign(*effective, std::move(*set));
  followed.push_back(*effective);
  return Status::ok();
}

}  // namespace

Result<TrustedSets> follow_set_changes(const chain::Genesis& genesis, const json& changes,
                                       const BlockFetcher& block_at) {
  TrustedSets sets;
  // The genesis set as the genesis state records it (its order is the one
  // certificates hash).
  auto first = has_staked_sets(genesis) ? validator_set_at(genesis, genesis.initial_state(), 1)
                                        : validator_set(genesis);
  if (!first) return first.status();
  sets.emplace(0, std::move(*first));
  if (!has_staked_sets(genesis)) return sets;
  if (!changes.is_array()) return Status(Code::kMalformed, "answer lacks array \"changes\"");
  std::vector<uint64_t> followed{0};
  for (const json& c : changes) {
    Status st = follow_change(genesis, c, block_at, sets, followed);
    if (!st)
      return Status(st.code(), "set change at " +
                                   (c.is_object() && c.contains("height") ? c["height"].dump()
                                                                          : std::string("?")) +
                                   ": " + st.message());
  }
  return sets;
}

Result<uint64_t> verify_account_answer(const chain::Genesis& genesis, const Address& address,
                                       const json& account, const json& block,
                                       const TrustedSets* sets) {
  if (!account.is_object() || !account.contains("proof"))
    return Status(Code::kMalformed, "answer has no \"proof\" (node too old, or no ?prove=true)");
  const json& p = account["proof"];
  auto height = get_u64(p, "height");
  if (!height) return height.status();
  auto root = get_hash(p, "state_root");
  if (!root) return root.status();
  auto proof_hex = get_str(p, "proof");
  if (!proof_hex) return proof_hex.status();
  auto proof_bytes = from_hex(*proof_hex);
  if (!proof_bytes) return proof_bytes.status();
  auto proof = decode_exact<chain::StateProof>(*proof_bytes);
  if (!proof) return link("proof", "does not decode: " + proof.status().message());

  // 1. proof -> state root, for the record the answer claims.
  if (!account.contains("exists") || !account["exists"].is_boolean())
    return Status(Code::kMalformed, "answer lacks boolean \"exists\"");
  std::optional<Hash256> value_hash;
  if (account["exists"].get<bool>()) {
    auto balance = get_u64(account, "balance");
    auto nonce = get_u64(account, "nonce");
    if (!balance || !nonce) return Status(Code::kMalformed, "answer lacks balance or nonce");
    if (*balance > static_cast<uint64_t>(INT64_MAX)) return link("proof", "balance out of range");
    chain::Account a{Money(static_cast<int64_t>(*balance)), *nonce};
    value_hash = blake2b256(encode_to_bytes(a));
  }
  Status st =
      chain::verify_proof(*root, chain::StateKey::account(address).path(), value_hash, *proof);
  if (!st) return link("proof", st.message());

  // 2. state root -> block header (rebuilt from its fields and hashed here).
  auto answer = header_of(block);
  if (!answer) return answer.status();
  const chain::BlockHeader& h = answer->header;
  if (h.height != *height) return link("header", "block is not at the proof's height");
  if (h.state_root != *root) return link("header", "block's state root is not the proof's root");

  // 3. header -> commit certificate -> the validator set of its height.
  if (h.height == 0) {
    if (h.hash() != genesis.block().header.hash())
      return link("header", "height-0 block is not this genesis");
    return h.height;
  }
  WATTLE_RETURN_IF_ERROR(check_certificate(genesis, h, answer->certificate, sets));
  return h.height;
}

}  // namespace wattle::node
