// `wattle tx ...` and `wattle query ...`: talk to a node over its HTTP API.
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "cli/host_port.h"
#include "cli/node_call.h"
#include "cli/strict_int.h"
#include "ledger/tx.h"
#include "node/home.h"
#include "node/light_client.h"
#include "rpc/http_client.h"

namespace wattle::cli {

namespace {

using nlohmann::json;

struct Endpoint {
  std::string rpc = "127.0.0.1:8645";
};

// One request to the node at HOST:PORT (see node_call).
json call(const std::string& rpc, const std::string& method, const std::string& target,
          const std::string& body = "") {
  auto [host, port] = parse_host_port(rpc);
  rpc::HttpClient client(host, port);
  return node_call(client, method, target, body);
}

}  // namespace

void register_client_commands(CLI::App& app) {
  static Endpoint ep;
  auto* tx = app.add_subcommand("tx", "Sign and submit a transaction");
  tx->require_subcommand(1);
  auto* transfer = tx->add_subcommand("transfer", "Transfer micro-units to an address");
  static std::string to, key_file;
  static int64_t amount = 0;
  static bool wait = false;
  static std::optional<uint64_t> nonce;
  transfer->add_option("--to", to, "Recipient address (wat1...)")->required();
  transfer->add_option("--amount", amount, "Amount in micro-units (1 token = 1000000)")
      ->required()
      ->transform(decimal_in(1, INT64_MAX));
  transfer->add_option("--key", key_file, "Sender key file (wattle key new)")->required();
  transfer->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  transfer->add_option("--nonce", nonce, "Nonce (default: the account's next pending nonce)")
      ->transform(decimal_in(0, UINT64_MAX));
  transfer->add_flag("--wait", wait, "Wait until the tx is committed");
  transfer->callback([] {
    auto addr = Address::parse(to);
    if (!addr) throw UserError("--to: " + addr.status().message());
    if (amount <= 0) throw UserError("--amount must be > 0");
    auto key = node::read_key_file(key_file);
    if (!key) throw UserError(key.status().to_string());
    json status = call(ep.rpc, "GET", "/v1/status");
    std::string chain_id = status.at("chain_id").get<std::string>();
    std::string from = Address::of(key->public_key()).to_string();
    // The pending nonce counts our txs still in the mempool, so several
    // transfers in a row get consecutive nonces instead of colliding.
    uint64_t n = nonce ? *nonce : [&] {
      json acct = call(ep.rpc, "GET", "/v1/accounts/" + from);
      return acct.value("pending_nonce", acct.at("nonce").get<uint64_t>());
    }();
    ledger::Tx t =
        ledger::Tx::make_signed(chain_id, *key, n, ledger::Transfer{*addr, Money(amount)});
    json body = {{"tx", to_hex(encode_to_bytes(t))}};
    json r = call(ep.rpc, "POST", "/v1/txs", body.dump());
    std::string hash = r.at("hash").get<std::string>();
    if (wait) {
      for (int i = 0; i < 600; ++i) {  // up to 60 s
        json s = call(ep.rpc, "GET", "/v1/txs/" + hash);
        if (s.value("status", "") == "committed") {
          std::cout << s.dump(2) << "\n";
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      throw UserError("tx " + hash + " not committed after 60 s");
    }
    std::cout << r.dump(2) << "\n";
  });

  auto* query = app.add_subcommand("query", "Read chain data from a node");
  query->require_subcommand(1);
  query->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  static std::string arg;
  auto add = [&](const char* name, const char* help, const char* arg_name, std::string prefix) {
    auto* c = query->add_subcommand(name, help);
    c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
    if (arg_name) c->add_option(arg_name, arg, arg_name)->required();
    c->callback([prefix, has_arg = arg_name != nullptr] {
      std::cout << call(ep.rpc, "GET", prefix + (has_arg ? arg : "")).dump(2) << "\n";
    });
  };
  {
    auto* c = query->add_subcommand("account", "Balance and nonce of an address");
    static bool prove = false;
    static std::string genesis_file;
    c->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
    c->add_option("address", arg, "address")->required();
    c->add_flag("--prove", prove,
                "Check the answer as a light client: proof -> state root -> block header -> "
                "certificate -> genesis validators; prints verified=true height=H, or "
                "verified=false reason=... and exits 3");
    c->add_option("--genesis", genesis_file,
                  "The chain's genesis.json to trust (required with --prove)");
    c->callback([] {
      if (!prove) {
        std::cout << call(ep.rpc, "GET", "/v1/accounts/" + arg).dump(2) << "\n";
        return;
      }
      if (genesis_file.empty())
        throw UserError("--prove needs --genesis FILE (the trusted genesis)");
      auto address = Address::parse(arg);
      if (!address) throw UserError("address: " + address.status().message());
      auto genesis = node::load_genesis_file(genesis_file);
      if (!genesis) throw UserError(genesis.status().to_string());
      json account = call(ep.rpc, "GET", "/v1/accounts/" + arg + "?prove=true");
      std::cout << account.dump(2) << "\n";
      Result<uint64_t> verified = Status(Code::kMalformed, "answer has no proof height");
      if (account.contains("proof") && account["proof"].contains("height") &&
          account["proof"]["height"].is_number_unsigned()) {
        json block =
            call(ep.rpc, "GET",
                 "/v1/blocks/" + std::to_string(account["proof"]["height"].get<uint64_t>()));
        verified = node::verify_account_answer(*genesis, *address, account, block);
      }
      if (!verified) {
        std::cout << "verified=false reason=" << verified.status().to_string() << "\n";
        throw ExitCode{3};
      }
      std::cout << "verified=true height=" << *verified << "\n";
    });
  }
  add("block", "A block by height (or \"latest\")", "height", "/v1/blocks/");
  add("tx", "A transaction by hash: pending or committed", "hash", "/v1/txs/");
  add("status", "Chain head and node summary", nullptr, "/v1/status");
}

}  // namespace wattle::cli
