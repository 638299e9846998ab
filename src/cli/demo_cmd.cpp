// `wattle demo`: a one-node chain in a temp dir, driven through its HTTP API.
//
// Creates a genesis with a funded community operator, starts a node on an
// ephemeral loopback port, creates household accounts, pays each of them via
// signed transfers over HTTP, waits for the commits, prints the blocks and
// balances, shows the market mechanism comparison for one slot, and ends with
// a day of the market on the chain (market_day_demo.cpp).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "cli/node_call.h"
#include "cli/strict_int.h"
#include "ledger/tx.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"

namespace wattle::cli {

namespace {

using nlohmann::json;

std::string tokens(int64_t micro) {
  std::ostringstream s;
  s << micro / kMicroPerUnit << "." << std::setw(6) << std::setfill('0') << micro % kMicroPerUnit;
  return s.str();
}

}  // namespace

void register_demo_command(CLI::App& app) {
  auto* demo =
      app.add_subcommand("demo", "Run a one-node chain, trade through the HTTP API, show results");
  static int households = 5;
  static bool keep = false;
  demo->add_option("--households", households, "Household accounts to create")
      ->capture_default_str()
      ->transform(decimal_in(1, 100));
  demo->add_flag("--keep", keep, "Keep the temporary home dir");
  demo->callback([] {
    spdlog::set_level(spdlog::level::warn);
    namespace fs = std::filesystem;
    fs::path home = fs::temp_directory_path() / ("wattle-demo-" + std::to_string(::getpid()));
    fs::remove_all(home);
    KeyPair operator_key = KeyPair::from_label("wattle-demo/operator");
    Address operator_addr = Address::of(operator_key.public_key());
    node::InitOptions init;
    init.chain_id = "wattle-demo";
    init.block_interval_ms = 100;
    init.balances = {{operator_addr, Money(1'000 * kMicroPerUnit)}};
    Status st = node::init_home(home.string(), init);
    if (!st) throw std::runtime_error(st.to_string());

    node::NodeConfig cfg;
    cfg.home = home.string();
    cfg.rpc_port = 0;  // any free loopback port
    auto n = node::Node::open(cfg);
    if (!n) throw std::runtime_error(n.status().to_string());
    st = (*n)->start();
    if (!st) throw std::runtime_error(st.to_string());
    std::cout << "== Wattle demo: node up on http://127.0.0.1:" << (*n)->rpc_port() << " (chain "
              << init.chain_id << ", data in " << home.string() << ")\n";

    rpc::HttpClient client("127.0.0.1", (*n)->rpc_port());
    std::vector<KeyPair> keys;
    json batch = {{"txs", json::array()}};
    for (int i = 0; i < households; ++i) {
      keys.push_back(KeyPair::from_label("wattle-demo/household-" + std::to_string(i)));
      Address to = Address::of(keys.back().public_key());
      int64_t amount = (10 + 5 * i) * kMicroPerUnit;
      ledger::Tx tx = ledger::Tx::make_signed(init.chain_id, operator_key, static_cast<uint64_t>(i),
                                              ledger::Transfer{to, Money(amount)});
      batch["txs"].push_back(to_hex(encode_to_bytes(tx)));
      std::cout << "  operator -> household " << i << " (" << to.to_string()
                << "): " << tokens(amount) << " tokens\n";
    }
    json submitted = node_call(client, "POST", "/v1/txs", batch.dump());
    std::cout << "submitted " << households << " signed transfers: " << submitted["accepted"]
              << " accepted\n";
    // Household 0 pays household 1 once it is funded: a second block.
    std::vector<std::string> hashes;
    for (const auto& r : submitted["results"]) hashes.push_back(r["hash"]);
    auto wait_committed = [&](const std::string& hash) {
      for (int i = 0; i < 300; ++i) {
        if (node_call(client, "GET", "/v1/txs/" + hash)["status"] == "committed") return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      throw std::runtime_error("tx " + hash + " was not committed in 6 s");
    };
    for (const auto& h : hashes) wait_committed(h);
    if (households >= 2) {
      ledger::Tx tx = ledger::Tx::make_signed(
          init.chain_id, keys[0], 0,
          ledger::Transfer{Address::of(keys[1].public_key()), Money(2'500'000)});
      json one =
          node_call(client, "POST", "/v1/txs", json{{"tx", to_hex(encode_to_bytes(tx))}}.dump());
      std::cout << "household 0 -> household 1: 2.500000 tokens (tx "
                << one["hash"].get<std::string>().substr(0, 16) << "...)\n";
      wait_committed(one["hash"]);
    }

    json status = node_call(client, "GET", "/v1/status");
    std::cout << "\n== Blocks (height " << status["height"] << ")\n";
    for (uint64_t h = 0; h <= status["height"].get<uint64_t>(); ++h) {
      json b = node_call(client, "GET", "/v1/blocks/" + std::to_string(h));
      std::cout << "  #" << h << " " << b["hash"].get<std::string>().substr(0, 16)
                << "...  txs=" << b["tx_count"]
                << "  state_root=" << b["state_root"].get<std::string>().substr(0, 16) << "...\n";
    }
    std::cout << "\n== Balances (tokens)\n";
    auto show = [&](const std::string& name, const Address& a) {
      json acct = node_call(client, "GET", "/v1/accounts/" + a.to_string());
      std::cout << "  " << std::left << std::setw(12) << name << " " << a.to_string() << "  "
                << std::right << std::setw(14) << tokens(acct["balance"].get<int64_t>())
                << "  nonce=" << acct["nonce"] << "\n";
    };
    show("operator", operator_addr);
    for (int i = 0; i < households; ++i)
      show("household " + std::to_string(i), Address::of(keys[i].public_key()));
    (*n)->stop();
    if (!keep) fs::remove_all(home);

    std::cout
        << "\n== One 15-minute slot of a 20-household community, cleared by every mechanism\n";
    print_market_demo(std::cout);
    run_market_day_demo(std::cout, home.string() + "-market", keep);
  });
}

}  // namespace wattle::cli
