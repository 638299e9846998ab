#include "node/light_client.h"

#include "chain/state.h"
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

}  // namespace

Result<uint64_t> verify_account_answer(const chain::Genesis& genesis, const Address& address,
                                       const json& account, const json& block) {
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
  chain::BlockHeader h;
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
  for (const Status& s :
       {bh.status(), prev.status(), proposer.status(), time.status(), tx_root.status(),
        state_root.status(), tx_count.status(), last_commit_hash.status(), cert_hex.status()})
    if (!s) return s;
  auto pk = PublicKey::from_hex(*proposer);
  if (!pk) return pk.status();
  if (*tx_count > UINT32_MAX) return link("header", "tx_count out of range");
  h.height = *bh;
  h.prev_hash = *prev;
  h.proposer = *pk;
  h.time_ms = *time;
  h.tx_root = *tx_root;
  h.evidence_root = *evidence_root;
  h.state_root = *state_root;
  h.tx_count = static_cast<uint32_t>(*tx_count);
  h.last_commit_hash = *last_commit_hash;
  if (h.height != *height) return link("header", "block is not at the proof's height");
  if (h.state_root != *root) return link("header", "block's state root is not the proof's root");

  // 3. header -> commit certificate -> genesis validator set.
  auto cert = from_hex(*cert_hex);
  if (!cert) return cert.status();
  if (h.height == 0) {
    if (h.hash() != genesis.block().header.hash())
      return link("header", "height-0 block is not this genesis");
    return h.height;
  }
  bool known = false;
  for (const auto& v : genesis.validators) known |= v.public_key == h.proposer;
  if (!known) return link("header", "proposer is not a genesis validator");
  if (Status cs = verify_block_certificate(genesis, h, *cert); !cs)
    return link("certificate", cs.message());
  return h.height;
}

}  // namespace wattle::node
