// `wattle demo`: a 4-validator BFT network in a temp dir, driven through the
// nodes' HTTP APIs.
//
// Writes a devnet (node/devnet.h) whose genesis funds a community operator,
// runs its four validators in this process over encrypted loopback P2P,
// pays each household via signed transfers sent to one node and a payment
// between households sent to another, waits for the commits, prints the
// blocks with txs, each node's head (one chain) and the balances, shows the
// market mechanism comparison for one slot, and ends with a day of the
// market on the chain (market_day_demo.cpp).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "chain/tx.h"
#include "cli/commands.h"
#include "cli/node_call.h"
#include "cli/strict_int.h"
#include "node/devnet.h"
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

namespace fs = std::filesystem;

// Writes the devnet into net.dir (on free ports) and starts its validators
// in this process.
std::vector<std::unique_ptr<node::Node>> start_validators(node::DevnetOptions& net) {
  auto base = node::free_port_range(net.host, 2 * net.validators);
  if (!base) throw std::runtime_error(base.status().to_string());
  net.base_port = *base;
  auto homes = node::init_devnet(net);
  if (!homes) throw std::runtime_error(homes.status().to_string());
  std::vector<std::unique_ptr<node::Node>> nodes;
  for (const auto& h : *homes) {
    node::NodeConfig cfg;
    cfg.home = h.home;
    Status st = node::apply_home_config(cfg, /*keep_rpc=*/false);
    if (!st) throw std::runtime_error(st.to_string());
    auto n = node::Node::open(cfg);
    if (!n) throw std::runtime_error(n.status().to_string());
    st = (*n)->start();
    if (!st) throw std::runtime_error(st.to_string());
    nodes.push_back(std::move(*n));
  }
  return nodes;
}

// Waits until the tx is committed on the node it was sent to (another may
// not have heard of it yet).
void wait_committed(rpc::HttpClient& via, const std::string& hash) {
  for (int i = 0; i < 300; ++i) {
    if (node_call(via, "GET", "/v1/txs/" + hash)["status"] == "committed") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("tx " + hash + " was not committed in 6 s");
}

// The operator pays each household in one batch of signed transfers; returns
// the households' keys once every transfer is committed.
std::vector<KeyPair> fund_households(rpc::HttpClient& client, const std::string& chain_id,
                                     const KeyPair& operator_key, int households) {
  std::vector<KeyPair> keys;
  json batch = {{"txs", json::array()}};
  for (int i = 0; i < households; ++i) {
    keys.push_back(KeyPair::from_label("wattle-demo/household-" + std::to_string(i)));
    Address to = Address::of(keys.back().public_key());
    int64_t amount = (10 + 5 * i) * kMicroPerUnit;
    chain::Tx tx = chain::Tx::make_signed(chain_id, operator_key, static_cast<uint64_t>(i),
                                          chain::Transfer{to, Money(amount)});
    batch["txs"].push_back(to_hex(encode_to_bytes(tx)));
    std::cout << "  operator -> household " << i << " (" << to.to_string()
              << "): " << tokens(amount) << " tokens\n";
  }
  json submitted = node_call(client, "POST", "/v1/txs", batch.dump());
  std::cout << "submitted " << households << " signed transfers: " << submitted["accepted"]
            << " accepted\n";
  std::vector<std::string> hashes;
  for (const auto& r : submitted["results"]) hashes.push_back(r["hash"]);
  for (const auto& h : hashes) wait_committed(client, h);
  return keys;
}

// Household 0 pays household 1 once it is funded (a second block), sent to
// another validator: tx gossip and consensus carry it.
void pay_between_households(rpc::HttpClient& other, const std::string& chain_id,
                            const std::vector<KeyPair>& keys) {
  chain::Tx tx = chain::Tx::make_signed(
      chain_id, keys[0], 0, chain::Transfer{Address::of(keys[1].public_key()), Money(2'500'000)});
  json one = node_call(other, "POST", "/v1/txs", json{{"tx", to_hex(encode_to_bytes(tx))}}.dump());
  std::cout << "household 0 -> household 1 (via node2): 2.500000 tokens (tx "
            << one["hash"].get<std::string>().substr(0, 16) << "...)\n";
  wait_committed(other, one["hash"]);
}

// Prints the blocks that carry txs; returns the height it read up to.
uint64_t print_blocks(rpc::HttpClient& client) {
  json status = node_call(client, "GET", "/v1/status");
  const uint64_t top = status["height"].get<uint64_t>();
  uint64_t empty = 0;
  std::cout << "\n== Blocks with txs (of " << top
            << "; BFT makes a block every interval, empty or not)\n";
  for (uint64_t h = 1; h <= top; ++h) {
    json b = node_call(client, "GET", "/v1/blocks/" + std::to_string(h));
    if (b["tx_count"] == 0) {
      ++empty;
      continue;
    }
    std::cout << "  #" << h << " " << b["hash"].get<std::string>().substr(0, 16)
              << "...  txs=" << b["tx_count"]
              << "  state_root=" << b["state_root"].get<std::string>().substr(0, 16) << "...\n";
  }
  std::cout << "  (" << empty << " empty blocks)\n\n== One chain: block " << top
            << " on every node\n";
  return top;
}

// Every node's block at `top`: one chain.
void print_heads(const std::vector<std::unique_ptr<node::Node>>& nodes, uint64_t top) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i]->wait_for_height(top, std::chrono::seconds(10)))
      throw std::runtime_error("node" + std::to_string(i) + " did not reach height " +
                               std::to_string(top));
    auto b = nodes[i]->block(top);
    if (!b) throw std::runtime_error(b.status().to_string());
    std::cout << "  node" << i << " #" << top << " " << b->header.hash().hex().substr(0, 16)
              << "...  state_root=" << b->header.state_root.hex().substr(0, 16) << "...\n";
  }
}

void print_balances(rpc::HttpClient& client, const Address& operator_addr,
                    const std::vector<KeyPair>& keys) {
  std::cout << "\n== Balances (tokens)\n";
  auto show = [&](const std::string& name, const Address& a) {
    json acct = node_call(client, "GET", "/v1/accounts/" + a.to_string());
    std::cout << "  " << std::left << std::setw(12) << name << " " << a.to_string() << "  "
              << std::right << std::setw(14) << tokens(acct["balance"].get<int64_t>())
              << "  nonce=" << acct["nonce"] << "\n";
  };
  show("operator", operator_addr);
  for (size_t i = 0; i < keys.size(); ++i)
    show("household " + std::to_string(i), Address::of(keys[i].public_key()));
}

void run_demo(int households, bool keep) {
  spdlog::set_level(spdlog::level::warn);
  fs::path home = fs::temp_directory_path() / ("wattle-demo-" + std::to_string(::getpid()));
  fs::remove_all(home);
  KeyPair operator_key = KeyPair::from_label("wattle-demo/operator");
  Address operator_addr = Address::of(operator_key.public_key());
  node::DevnetOptions net;
  net.dir = home.string();
  net.validators = 4;
  net.chain_id = "wattle-demo";
  net.block_interval_ms = 100;
  net.extra_balances = {{operator_addr, Money(1'000 * kMicroPerUnit)}};
  std::vector<std::unique_ptr<node::Node>> nodes = start_validators(net);
  std::cout << "== Wattle demo: 4 validators (BFT over encrypted P2P, data in " << home.string()
            << ")\n";
  for (size_t i = 0; i < nodes.size(); ++i)
    std::cout << "  node" << i << " rpc=http://127.0.0.1:" << nodes[i]->rpc_port()
              << " p2p=127.0.0.1:" << nodes[i]->p2p_port() << "\n";
  if (!nodes[0]->wait_for_height(1, std::chrono::seconds(30)))
    throw std::runtime_error("the validators did not agree on a first block in 30 s");

  rpc::HttpClient client("127.0.0.1", nodes[0]->rpc_port());
  rpc::HttpClient other("127.0.0.1", nodes[2]->rpc_port());
  const std::vector<KeyPair> keys = fund_households(client, net.chain_id, operator_key, households);
  if (households >= 2) pay_between_households(other, net.chain_id, keys);
  const uint64_t top = print_blocks(client);
  print_heads(nodes, top);
  print_balances(client, operator_addr, keys);
  for (auto& node : nodes) node->stop();
  nodes.clear();
  if (!keep) fs::remove_all(home);

  std::cout << "\n== One 15-minute slot of a 20-household community, cleared by every mechanism\n";
  print_market_demo(std::cout);
  run_market_day_demo(std::cout, home.string() + "-market", keep);
}

}  // namespace

void register_demo_command(CLI::App& app) {
  auto* demo = app.add_subcommand(
      "demo", "Run a 4-validator chain, trade through the HTTP API, show results");
  static int households = 5;
  static bool keep = false;
  demo->add_option("--households", households, "Household accounts to create")
      ->capture_default_str()
      ->transform(decimal_in(1, 100));
  demo->add_flag("--keep", keep, "Keep the temporary home dir");
  demo->callback([] { run_demo(households, keep); });
}

}  // namespace wattle::cli
