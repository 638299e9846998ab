// `wattle tx ...` and `wattle query ...`: talk to a node over its HTTP API.
#include <cctype>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "chain/tx.h"
#include "cli/client_call.h"
#include "cli/commands.h"
#include "cli/host_port.h"
#include "cli/node_call.h"
#include "cli/sealed_secrets.h"
#include "cli/strict_int.h"
#include "core/decimal.h"
#include "modules/energy/market_membership.h"
#include "modules/energy/market_rules.h"
#include "node/chain_consensus.h"
#include "node/home.h"
#include "node/light_client.h"
#include "rpc/http_client.h"

namespace wattle::cli {

using nlohmann::json;

// One request to the node at HOST:PORT (see node_call).
json call(const std::string& rpc, const std::string& method, const std::string& target,
          const std::string& body) {
  auto [host, port] = parse_host_port(rpc);
  rpc::HttpClient client(host, port);
  return node_call(client, method, target, body);
}

void add_tx_flags(CLI::App* c, TxFlags& f, Endpoint& ep, const char* key_help) {
  c->add_option("--key", f.key_file, key_help)->required();
  c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  c->add_option("--nonce", f.nonce, "Nonce (default: the account's next pending nonce)")
      ->transform(decimal_in(0, UINT64_MAX));
  c->add_flag("--wait", f.wait,
              "Return once the tx is committed; exit 1 with the error code if it is refused");
  c->add_option("--confirmations", f.confirmations,
                "With --wait: return once the tx's block is this many blocks deep (PoW "
                "chains; BFT blocks are final at 1)")
      ->capture_default_str()
      ->transform(decimal_in(1, 10'000));
}

json submit_tx(const Endpoint& ep, const TxFlags& f, const chain::Payload& payload) {
  auto key = node::read_key_file(f.key_file);
  if (!key) throw UserError(key.status().to_string());
  json status = call(ep.rpc, "GET", "/v1/status");
  std::string chain_id = status.at("chain_id").get<std::string>();
  std::string from = Address::of(key->public_key()).to_string();
  // The pending nonce counts our txs still in the mempool, so several txs
  // in a row get consecutive nonces instead of colliding.
  uint64_t n = f.nonce ? *f.nonce : [&] {
    json acct = call(ep.rpc, "GET", "/v1/accounts/" + from);
    return acct.value("pending_nonce", acct.at("nonce").get<uint64_t>());
  }();
  chain::Tx t = chain::Tx::make_signed(chain_id, *key, n, payload);
  const std::string body = json{{"tx", to_hex(encode_to_bytes(t))}}.dump();
  json r = call(ep.rpc, "POST", "/v1/txs", body);
  if (!f.wait) return r;
  const std::string hash = r.at("hash").get<std::string>();
  auto [host, port] = parse_host_port(ep.rpc);
  rpc::HttpClient client(host, port);
  // Up to 60 s, and 10 s more per confirmation asked for beyond the first.
  const uint64_t polls = 600 + 100 * (f.confirmations - 1);
  for (uint64_t i = 0; i < polls; ++i) {
    auto got = client.get("/v1/txs/" + hash);
    if (!got) throw UserError("cannot reach node: " + got.status().to_string());
    if (got->status != 404) {
      json s = node_call(client, "GET", "/v1/txs/" + hash);
      const std::string st = s.value("status", "");
      if (st == "committed" && s.value("confirmations", uint64_t{1}) >= f.confirmations) return s;
      if (st == "dropped")
        throw UserError(s.value("code", std::string("error")) + ": " +
                        s.value("message", std::string("tx dropped")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw UserError("tx " + hash + " not committed at depth " + std::to_string(f.confirmations) +
                  " after " + std::to_string(polls / 10) + " s");
}

namespace {

// The node every tx and query command talks to (their --rpc).
Endpoint ep;
// The positional argument of the query commands (one runs per process).
std::string query_arg;

// `wattle tx transfer`: transfers micro-units to an address.
void add_transfer(CLI::App* tx) {
  auto* c = tx->add_subcommand("transfer", "Transfer micro-units to an address");
  static TxFlags f;
  static std::string to;
  static int64_t amount = 0;
  c->add_option("--to", to, "Recipient address (wat1...)")->required();
  c->add_option("--amount", amount, "Amount in micro-units (1 token = 1000000)")
      ->required()
      ->transform(decimal_in(1, INT64_MAX));
  add_tx_flags(c, f, ep, "Sender key file (wattle key new)");
  c->callback([] {
    auto addr = Address::parse(to);
    if (!addr) throw UserError("--to: " + addr.status().message());
    std::cout << submit_tx(ep, f, chain::Transfer{*addr, Money(amount)}).dump(2) << "\n";
  });
}

// `wattle tx register-meter`: the operator binds a meter to a household.
void add_register_meter(CLI::App* tx) {
  auto* c = tx->add_subcommand("register-meter",
                               "Operator only: bind a smart meter's key to a household account");
  static TxFlags f;
  static std::string meter, account, market;
  c->add_option("--meter", meter, "The meter's public key (64 hex)")->required();
  c->add_option("--account", account, "The household's address (wat1...)")->required();
  c->add_option("--market", market,
                "The leaf market of the genesis tree the household belongs to (default: the "
                "only leaf, or the flat market)");
  add_tx_flags(c, f, ep, "The market operator's key file");
  c->callback([] {
    auto pk = PublicKey::from_hex(meter);
    if (!pk) throw UserError("--meter: " + pk.status().message());
    auto addr = Address::parse(account);
    if (!addr) throw UserError("--account: " + addr.status().message());
    if (market.empty()) {
      std::cout << submit_tx(ep, f, chain::RegisterMeter{*pk, *addr}).dump(2) << "\n";
    } else {
      const auto tx = modules::RegisterMeterInMarket{*pk, *addr, market};
      std::cout << submit_tx(ep, f, modules::to_module_tx(tx)).dump(2) << "\n";
    }
  });
}

// The chain's market parameters, as the node states them.
modules::MarketParams market_params_of(const Endpoint& ep) {
  auto m = modules::market_params_from_json(call(ep.rpc, "GET", "/v1/market/params"));
  if (!m) throw UserError("the node's market parameters: " + m.status().to_string());
  return *m;
}

// `wattle tx order --sealed`: the secret goes to the file beside the key
// first, the commitment to the node; completes the entry with the order id.
// Prints order=<id> commitment=<hex>.
void place_sealed(const TxFlags& f, uint64_t slot, market::Side side, int64_t energy, int64_t price,
                  std::optional<int64_t> max_escrow) {
  auto key = node::read_key_file(f.key_file);
  if (!key) throw UserError(key.status().to_string());
  const modules::MarketParams m = market_params_of(ep);
  auto full = side == market::Side::kBuy ? modules::buy_escrow(m, Energy(energy), Price(price))
                                         : modules::sell_escrow(m, Energy(energy));
  if (!full) throw UserError(full.status().to_string());
  const Money bound = max_escrow ? Money(*max_escrow) : *full;
  if (bound < *full)
    throw UserError("invalid_argument: --max-escrow " + std::to_string(bound.value()) +
                    " is below this order's escrow " + std::to_string(full->value()));
  auto secrets = read_sealed_secrets(f.key_file);
  if (!secrets) throw UserError(secrets.status().to_string());
  SealedSecret secret{"", slot, side, energy, price, random_salt(), false};
  const Hash256 commitment = modules::sealed_commitment(Address::of(key->public_key()), slot, side,
                                                        Energy(energy), Price(price), secret.salt);
  secrets->push_back(secret);
  if (Status st = write_sealed_secrets(f.key_file, *secrets); !st) throw UserError(st.to_string());
  json r = submit_tx(ep, f, modules::to_module_tx(modules::SealedOrder{slot, commitment, bound}));
  const json& id = r.contains("tx") ? r["tx"]["hash"] : r["hash"];
  secrets->back().order = id.get<std::string>();
  if (Status st = write_sealed_secrets(f.key_file, *secrets); !st) throw UserError(st.to_string());
  std::cout << "order=" << secrets->back().order << " commitment=" << commitment.hex() << "\n";
}

// `wattle tx order`: a bid or ask; prints order=<id> (sealed: and commitment=<hex>).
void add_place_order(CLI::App* tx) {
  auto* c = tx->add_subcommand(
      "order",
      "Place a bid or ask for a delivery slot (--sealed: commit now, reveal after the "
      "gate); prints order=<id>");
  static TxFlags f;
  static uint64_t slot = 0;
  static std::string side;
  static int64_t energy = 0, price = 0;
  static bool sealed = false;
  static std::optional<int64_t> max_escrow;
  c->add_option("--slot", slot, "Delivery slot N (covers [N*slot_seconds, (N+1)*slot_seconds))")
      ->required()
      ->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--side", side, "buy or sell")->required()->check(CLI::IsMember({"buy", "sell"}));
  c->add_option("--energy-wh", energy, "Energy in Wh (> 0)")
      ->required()
      ->transform(decimal_in(1, INT64_MAX));
  c->add_option("--price", price, "Limit price in micro-units per kWh")
      ->required()
      ->transform(decimal_in(0, INT64_MAX));
  c->add_flag("--sealed", sealed,
              "Put only a commitment on chain (plus seal_deposit and the escrow bound); the "
              "secret goes to KEYFILE.sealed.json; reveal with `wattle tx reveal`");
  c->add_option("--max-escrow", max_escrow,
                "With --sealed: the escrow bound shown on chain, >= the order's escrow "
                "(default: the order's escrow); a round sum hides the order's size better")
      ->transform(decimal_in(0, INT64_MAX));
  add_tx_flags(c, f, ep, "The household's key file");
  c->callback([] {
    const market::Side s = side == "buy" ? market::Side::kBuy : market::Side::kSell;
    if (max_escrow && !sealed) throw UserError("invalid_argument: --max-escrow needs --sealed");
    if (sealed) return place_sealed(f, slot, s, energy, price, max_escrow);
    json r = submit_tx(ep, f, chain::PlaceOrder{slot, s, Energy(energy), Price(price)});
    // The order id is its tx hash.
    const json& id = r.contains("tx") ? r["tx"]["hash"] : r["hash"];
    std::cout << "order=" << id.get<std::string>() << "\n";
  });
}

// `wattle tx reveal`: reveals every unrevealed sealed order of the key for a
// slot, from the secrets file. Sends nothing before the slot's gate closure
// (the secret must not reach a node before the window); prints revealed=<id>
// per order.
void add_reveal(CLI::App* tx) {
  auto* c =
      tx->add_subcommand("reveal",
                         "Reveal your sealed orders of a slot (after its gate closure, within "
                         "reveal_blocks blocks); prints revealed=<id> per order");
  static TxFlags f;
  static uint64_t slot = 0;
  c->add_option("--slot", slot, "The slot whose sealed orders to reveal")
      ->required()
      ->transform(decimal_in(0, UINT64_MAX));
  add_tx_flags(c, f, ep, "The key file the orders were sealed with");
  c->callback([] {
    auto secrets = read_sealed_secrets(f.key_file);
    if (!secrets) throw UserError(secrets.status().to_string());
    const modules::MarketParams m = market_params_of(ep);
    const auto gate = m.gate_ms(slot);
    const json status = call(ep.rpc, "GET", "/v1/status");
    const uint64_t head_ms = status.at("last_block_time_ms").get<uint64_t>();
    if (gate && head_ms < *gate)
      throw UserError("reveal_window: slot " + std::to_string(slot) +
                      " is before its gate closure at " + std::to_string(*gate) +
                      " ms (chain time " + std::to_string(head_ms) + " ms); nothing was sent");
    int revealed = 0;
    for (SealedSecret& s : *secrets) {
      if (s.slot != slot || s.revealed) continue;
      auto r = reveal_of(s);
      if (!r) throw UserError(r.status().to_string());
      submit_tx(ep, f, modules::to_module_tx(*r));
      s.revealed = true;
      if (Status st = write_sealed_secrets(f.key_file, *secrets); !st)
        throw UserError(st.to_string());
      std::cout << "revealed=" << s.order << "\n";
      ++revealed;
    }
    if (revealed == 0)
      throw UserError("not_found: no unrevealed sealed order for slot " + std::to_string(slot) +
                      " in " + sealed_secrets_path(f.key_file));
  });
}

// `wattle tx cancel`: cancels an order before its gate closure.
void add_cancel_order(CLI::App* tx) {
  auto* c = tx->add_subcommand("cancel", "Cancel one of your orders before its gate closure");
  static TxFlags f;
  static std::string order;
  c->add_option("--order", order, "Order id (64 hex, as `wattle tx order` printed)")->required();
  add_tx_flags(c, f, ep, "The order owner's key file");
  c->callback([] {
    auto id = Hash256::from_hex(order);
    if (!id) throw UserError("--order: " + id.status().message());
    std::cout << submit_tx(ep, f, chain::CancelOrder{*id}).dump(2) << "\n";
  });
}

// `wattle tx meter`: a meter posts its cumulative counters.
void add_meter_reading(CLI::App* tx) {
  auto* c =
      tx->add_subcommand("meter", "Post a meter reading: cumulative counters at the end of a slot");
  static TxFlags f;
  static uint64_t slot = 0;
  static int64_t import_wh = 0, export_wh = 0;
  c->add_option("--slot", slot, "The slot that ended")
      ->required()
      ->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--import-wh", import_wh, "Cumulative import counter, Wh")
      ->required()
      ->transform(decimal_in(0, INT64_MAX));
  c->add_option("--export-wh", export_wh, "Cumulative export counter, Wh")
      ->required()
      ->transform(decimal_in(0, INT64_MAX));
  add_tx_flags(c, f, ep, "The meter's key file (registered with register-meter)");
  c->callback([] {
    std::cout
        << submit_tx(ep, f, chain::MeterReading{slot, Energy(import_wh), Energy(export_wh)}).dump(2)
        << "\n";
  });
}

// `wattle query account`: balance and nonce, optionally proven as a light client.
void add_account_query(CLI::App* query) {
  auto* c = query->add_subcommand("account", "Balance and nonce of an address");
  static bool prove = false;
  static std::string genesis_file;
  c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  c->add_option("address", query_arg, "address")->required();
  c->add_flag("--prove", prove,
              "Check the answer as a light client: proof -> state root -> block header -> "
              "certificate -> validator set (followed from genesis through each set change on a "
              "staked chain); prints verified=true height=H, or "
              "verified=false reason=... and exits 3");
  c->add_option("--genesis", genesis_file,
                "The chain's genesis.json to trust (required with --prove)");
  c->callback([] {
    if (!prove) {
      std::cout << call(ep.rpc, "GET", "/v1/accounts/" + query_arg).dump(2) << "\n";
      return;
    }
    if (genesis_file.empty()) throw UserError("--prove needs --genesis FILE (the trusted genesis)");
    auto address = Address::parse(query_arg);
    if (!address) throw UserError("address: " + address.status().message());
    auto genesis = node::load_genesis_file(genesis_file);
    if (!genesis) throw UserError(genesis.status().to_string());
    json account = call(ep.rpc, "GET", "/v1/accounts/" + query_arg + "?prove=true");
    std::cout << account.dump(2) << "\n";
    Result<uint64_t> verified = Status(Code::kMalformed, "answer has no proof height");
    // On a staked chain, first the set of every height (docs/staking.md,
    // "The light client"): sequentially from genesis through each change.
    const node::BlockFetcher block_at = [](uint64_t h) -> Result<json> {
      try {
        return call(ep.rpc, "GET", "/v1/blocks/" + std::to_string(h));
      } catch (const std::exception& e) {
        return Status(Code::kNotFound, e.what());
      }
    };
    Result<node::TrustedSets> sets = node::TrustedSets{};
    if (node::has_staked_sets(*genesis)) {
      json changes = call(ep.rpc, "GET", "/v1/validators/changes");
      sets = node::follow_set_changes(*genesis, changes.value("changes", json()), block_at);
      if (!sets) verified = sets.status();
    }
    if (sets && account.contains("proof") && account["proof"].contains("height") &&
        account["proof"]["height"].is_number_unsigned()) {
      auto block = block_at(account["proof"]["height"].get<uint64_t>());
      if (!block) throw UserError(block.status().message());
      verified = node::verify_account_answer(*genesis, *address, account, *block,
                                             node::has_staked_sets(*genesis) ? &*sets : nullptr);
    }
    if (!verified) {
      std::cout << "verified=false reason=" << verified.status().to_string() << "\n";
      throw ExitCode{3};
    }
    std::cout << "verified=true height=" << *verified << "\n";
  });
}

// `wattle query slot`: one delivery slot, a page of its book at a time.
void add_slot_query(CLI::App* query) {
  auto* c = query->add_subcommand(
      "slot", "A delivery slot: status, totals, and one page of its book and trades");
  static std::string slot, page = "0", limit = "100", market;
  c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  c->add_option("slot", slot, "slot")->required()->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--market", market,
                "One level of the genesis market tree: its orders, trades and prices");
  c->add_option("--page", page, "Page of the book and trades (see next_page)")
      ->capture_default_str()
      ->transform(decimal_in(0, UINT32_MAX));
  c->add_option("--limit", limit, "Orders and trades per page")
      ->capture_default_str()
      ->transform(decimal_in(1, 1000));
  c->callback([] {
    // The API matches the name as given (no percent-decoding): names it
    // cannot carry in a query are refused here rather than misread there.
    for (char ch : market)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
        throw UserError("invalid_argument: --market \"" + market +
                        "\": only letters, digits, '-', '_' and '.' can be queried");
    std::cout << call(ep.rpc, "GET",
                      "/v1/market/slots/" + slot + "?page=" + page + "&limit=" + limit +
                          (market.empty() ? "" : "&market=" + market))
                     .dump(2)
              << "\n";
  });
}

// `wattle query bill`: a household's bill for one slot.
void add_bill_query(CLI::App* query) {
  auto* c = query->add_subcommand("bill", "A household's settlement for one slot");
  static std::string address, slot;
  c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  c->add_option("address", address, "address")->required();
  c->add_option("--slot", slot, "The settled slot")
      ->required()
      ->transform(decimal_in(0, UINT64_MAX));
  c->callback([] {
    auto a = Address::parse(address);
    if (!a) throw UserError("address: " + a.status().message());
    std::cout << call(ep.rpc, "GET", "/v1/accounts/" + address + "/bills/" + slot).dump(2) << "\n";
  });
}

// A query that GETs prefix + its one argument (if any) + suffix.
void add_simple_query(CLI::App* query, const char* name, const char* help, const char* arg_name,
                      std::string prefix, std::string suffix = "") {
  auto* c = query->add_subcommand(name, help);
  c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  if (arg_name) c->add_option(arg_name, query_arg, arg_name)->required();
  c->callback([prefix, suffix, has_arg = arg_name != nullptr] {
    std::cout << call(ep.rpc, "GET", prefix + (has_arg ? query_arg : "") + suffix).dump(2) << "\n";
  });
}

}  // namespace

void register_client_commands(CLI::App& app) {
  auto* tx = app.add_subcommand("tx", "Sign and submit a transaction");
  tx->require_subcommand(1);
  add_transfer(tx);
  add_register_meter(tx);
  add_place_order(tx);
  add_cancel_order(tx);
  add_meter_reading(tx);
  add_certificate_txs(tx);
  add_staking_txs(tx, ep);
  add_reveal(tx);

  auto* query = app.add_subcommand("query", "Read chain data from a node");
  query->require_subcommand(1);
  query->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  add_account_query(query);
  add_simple_query(query, "block", "A block by height (or \"latest\")", "height", "/v1/blocks/");
  add_simple_query(query, "market", "The chain's market parameters (genesis)", nullptr,
                   "/v1/market/params");
  add_simple_query(query, "orders", "An account's unsettled orders, escrow, debt and meter",
                   "address", "/v1/accounts/", "/orders");
  add_slot_query(query);
  add_staking_queries(query, ep);
  add_bill_query(query);
  add_simple_query(query, "tx", "A transaction by hash: pending or committed", "hash", "/v1/txs/");
  add_simple_query(query, "status", "Chain head and node summary", nullptr, "/v1/status");
  add_certificate_queries(query);
}

}  // namespace wattle::cli
