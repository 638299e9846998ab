// ChainService: what the HTTP API needs from a running node.
//
// The rpc layer depends on this interface, not on node/, so the arrow points
// down (docs/architecture.md): node implements it, tests implement fakes. Every
// method must be safe to call from many HTTP threads at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chain/account.h"
#include "chain/block.h"
#include "chain/events.h"
#include "chain/store.h"
#include "core/address.h"
#include "core/hash.h"
#include "rpc/certificate_json.h"

namespace wattle::rpc {

struct SubmitResult {
  Hash256 hash;   // zero if the bytes did not decode
  Status status;  // ok = accepted into the mempool
};

enum class TxState { kUnknown, kPending, kCommitted, kDropped };

struct TxLookup {
  TxState state = TxState::kUnknown;
  uint64_t height = 0;  // when committed, or the block that dropped it
  uint32_t index = 0;   // position in the block, when committed
  std::optional<chain::Tx> tx;
  Status reason;  // kDropped: why (its stable code)
};

struct AccountView {
  chain::Account account;  // zero balance and nonce for an address never seen
  bool exists = false;
  // The nonce the next tx from this address should carry: account.nonce plus
  // its txs waiting in the mempool (never less than account.nonce).
  uint64_t pending_nonce = 0;
};

struct ChainStatus {
  std::string chain_id;
  uint64_t height = 0;  // last committed block
  Hash256 last_block_hash;
  Hash256 state_root;
  uint64_t last_block_time_ms = 0;
  size_t mempool_size = 0;
  uint64_t txs_committed = 0;
  std::string validator;  // hex public key of this node's validator key
  bool halted = false;    // block production stopped (e.g. disk full); txs get 503 "halted"
  // More than the node's catch-up threshold behind its peers (docs/rpc.md):
  // txs get 503 "catching_up", account views and nonces are stale.
  bool catching_up = false;
  // Proof-of-work chains only (docs/consensus.md): the best chain's
  // cumulative work (hex) and how many reorgs this node went through.
  std::optional<std::string> chainwork;
  std::optional<uint64_t> reorgs;
};

class ChainService {
 public:
  virtual ~ChainService() = default;
  // CheckTx for each raw tx (decode, chain id, signature, nonce, funds); accepted
  // ones enter the mempool. One result per input, in order.
  virtual std::vector<SubmitResult> submit(const std::vector<Bytes>& raw_txs) = 0;
  virtual TxLookup lookup_tx(const Hash256& hash) = 0;
  // kNotFound above the current height.
  virtual Result<chain::Block> block(uint64_t height) = 0;
  virtual AccountView account(const Address& address) = 0;
  // The account record (or its absence) and its proof against the latest
  // block's state root, from one consistent snapshot.
  virtual Result<chain::HeadProof> account_proof(const Address& address) {
    return Status(Code::kUnavailable, "this node serves no proofs");
  }
  virtual ChainStatus status() = 0;
  // Prometheus text exposition format.
  virtual std::string metrics_text() = 0;
  // The bus the node publishes committed blocks and tx results to, for the
  // WebSocket stream GET /v1/events (rpc/event_stream.h). Asked once, when
  // the HttpServer is constructed; the bus must outlive the server. Null:
  // this node has no stream (the route answers 503 unavailable).
  virtual chain::EventBus* events() { return nullptr; }
  // The events block `height` published when it committed, positions set
  // (chain::block_events), for GET /v1/events?from_height=H. kNotFound
  // above the head. Default: this node keeps no event history.
  virtual Result<std::vector<chain::Event>> committed_events(uint64_t height) {
    return Status(Code::kUnavailable, "this node keeps no event history");
  }

  // The energy market's views (ledger/market_json.h), from the committed
  // state; kNoMarket on a chain without a market, kNotFound for a bill the
  // account does not have. Defaults: no market.
  virtual Result<nlohmann::json> market_params() { return no_market(); }
  virtual Result<nlohmann::json> market_slot(uint64_t slot) { return no_market(); }
  virtual Result<nlohmann::json> account_orders(const Address& address) { return no_market(); }
  virtual Result<nlohmann::json> account_bill(const Address& address, uint64_t slot) {
    return no_market();
  }

  // The certificates module's views (rpc/certificate_json.h). Default: none.
  virtual Result<nlohmann::json> certificates(const CertificateRequest&) {
    return Status(Code::kInvalidArgument, "this chain has no certificates");
  }

  // The staking module's views (rpc/staking_json.h); kNoStaking by default.
  virtual Result<nlohmann::json> validators(std::optional<uint64_t> height) { return no_staking(); }
  virtual Result<nlohmann::json> stake(const Address& address) { return no_staking(); }

 private:
  static Status no_staking() { return Status(Code::kNoStaking, "this chain has no staking"); }
  static Status no_market() { return Status(Code::kNoMarket, "this chain has no market"); }
};

}  // namespace wattle::rpc
