// JSON views of ledger values: the shapes the HTTP API returns and the CLI
// prints, defined once so both always agree.
//
// Promises: pure functions, thread-safe, never throw for any value (every
// field is an integer, a bool or ASCII text). Conventions:
// - hashes, public keys, signatures and certificates are lower-case hex;
// - accounts are Bech32m addresses ("wat1...");
// - money is an integer number of micro-units, heights and nonces integers
//   (never floats, never strings).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "chain/block.h"
#include "chain/tx.h"
#include "core/address.h"
#include "core/hash.h"
#include "rpc/chain_service.h"

namespace wattle::rpc {

// {"hash","chain_id","sender","sender_key","nonce","type":"transfer","to","amount","signature"}
nlohmann::json tx_json(const chain::Tx& tx);

// Header fields flattened {"height","hash","prev_hash","proposer","time_ms","tx_root",
// "evidence_root","state_root","tx_count"} plus "evidence" (hex of each item: at most
// chain::kMaxBlockEvidence small ones) and "certificate" (hex); the API adds the txs
// (hashes, or a page of tx_json) so a response stays bounded.
nlohmann::json block_header_json(const chain::Block& block);

// {"hash","status":"pending"|"committed","height","index","tx"}; height and index
// only when committed. Callers answer kUnknown with 404 instead.
nlohmann::json tx_lookup_json(const Hash256& hash, const TxLookup& lookup);

// {"address","balance","nonce","pending_nonce","exists"}
nlohmann::json account_json(const Address& address, const AccountView& view);
// account_json of the proven record plus "proof": {"height", "state_root",
// "key" (the tree path), "proof" (hex of the encoded chain::StateProof)}.
nlohmann::json account_proof_json(const Address& address, const chain::HeadProof& proof);

// {"chain_id","height","last_block_hash","state_root","last_block_time_ms",
//  "mempool_size","txs_committed","validator","halted"}
nlohmann::json status_json(const ChainStatus& status);

// {"code","message"}: the one error shape of the API.
nlohmann::json error_json(std::string_view code, std::string_view message);

}  // namespace wattle::rpc
