#include "rpc/json_view.h"

#include <variant>

namespace wattle::rpc {

using nlohmann::json;

json tx_json(const chain::Tx& tx) {
  json j = {
      {"hash", tx.hash().hex()},
      {"chain_id", tx.chain_id},
      {"sender", tx.sender_address().to_string()},
      {"sender_key", tx.sender.hex()},
      {"nonce", tx.nonce},
  };
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, chain::Transfer>) {
          j["type"] = "transfer";
          j["to"] = p.to.to_string();
          j["amount"] = p.amount.value();
        } else if constexpr (std::is_same_v<P, chain::PlaceOrder>) {
          j["type"] = "order";
          j["slot"] = p.slot;
          j["side"] = p.side == market::Side::kBuy ? "buy" : "sell";
          j["energy_wh"] = p.energy.value();
          j["price"] = p.price.value();
        } else if constexpr (std::is_same_v<P, chain::CancelOrder>) {
          j["type"] = "cancel";
          j["order"] = p.order_id.hex();
        } else if constexpr (std::is_same_v<P, chain::RegisterMeter>) {
          j["type"] = "register_meter";
          j["meter"] = p.meter_key.hex();
          j["account"] = p.account.to_string();
        } else if constexpr (std::is_same_v<P, chain::MeterReading>) {
          j["type"] = "meter_reading";
          j["slot"] = p.slot;
          j["import_wh"] = p.import_wh.value();
          j["export_wh"] = p.export_wh.value();
        } else if constexpr (std::is_same_v<P, chain::ModuleTx>) {
          j["type"] = "module";
          j["kind"] = p.kind;
          j["body"] = to_hex(p.body);
        }
      },
      tx.payload);
  j["signature"] = to_hex(tx.signature.bytes);
  return j;
}

json block_header_json(const chain::Block& block) {
  const chain::BlockHeader& h = block.header;
  json evidence = json::array();
  for (const Bytes& e : block.evidence) evidence.push_back(to_hex(e));
  return {
      {"height", h.height},
      {"hash", h.hash().hex()},
      {"prev_hash", h.prev_hash.hex()},
      {"proposer", h.proposer.hex()},
      {"time_ms", h.time_ms},
      {"tx_root", h.tx_root.hex()},
      {"evidence_root", h.evidence_root.hex()},
      {"state_root", h.state_root.hex()},
      {"tx_count", h.tx_count},
      {"evidence", evidence},
      {"certificate", to_hex(block.certificate)},
  };
}

json tx_lookup_json(const Hash256& hash, const TxLookup& lookup) {
  const char* status = lookup.state == TxState::kCommitted ? "committed"
                       : lookup.state == TxState::kDropped ? "dropped"
                                                           : "pending";
  json j = {{"hash", hash.hex()}, {"status", status}};
  if (lookup.state == TxState::kCommitted) {
    j["height"] = lookup.height;
    j["index"] = lookup.index;
  }
  if (lookup.state == TxState::kDropped) {
    j["height"] = lookup.height;
    j["code"] = std::string(code_name(lookup.reason.code()));
    j["message"] = lookup.reason.message();
  }
  if (lookup.tx) j["tx"] = tx_json(*lookup.tx);
  return j;
}

json account_json(const Address& address, const AccountView& view) {
  return {
      {"address", address.to_string()},
      {"balance", view.account.balance.value()},
      {"nonce", view.account.nonce},
      {"pending_nonce", std::max(view.pending_nonce, view.account.nonce)},
      {"exists", view.exists},
  };
}

json account_proof_json(const Address& address, const chain::HeadProof& p) {
  AccountView view;
  if (p.value) {
    auto acct = decode_exact<chain::Account>(*p.value);
    if (!acct) throw std::runtime_error("stored account record does not decode");
    view = AccountView{*acct, true};
  }
  json j = account_json(address, view);
  j["proof"] = {{"height", p.height},
                {"state_root", p.state_root.hex()},
                {"key", chain::StateKey::account(address).path().hex()},
                {"proof", to_hex(encode_to_bytes(p.proof))}};
  return j;
}

json status_json(const ChainStatus& s) {
  json j = {
      {"chain_id", s.chain_id},
      {"height", s.height},
      {"last_block_hash", s.last_block_hash.hex()},
      {"state_root", s.state_root.hex()},
      {"last_block_time_ms", s.last_block_time_ms},
      {"mempool_size", s.mempool_size},
      {"txs_committed", s.txs_committed},
      {"validator", s.validator},
      {"halted", s.halted},
      {"catching_up", s.catching_up},
  };
  if (s.chainwork) j["chainwork"] = *s.chainwork;
  if (s.reorgs) j["reorgs"] = *s.reorgs;
  return j;
}

json error_json(std::string_view code, std::string_view message) {
  return {{"code", code}, {"message", message}};
}

}  // namespace wattle::rpc
