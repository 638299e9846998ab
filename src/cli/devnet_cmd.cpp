// `wattle devnet init`: the homes of a local N-validator network
// (node/devnet.h); `devnet start` comes with the node host.
#include <iostream>

#include "cli/commands.h"
#include "cli/strict_int.h"
#include "node/devnet.h"

namespace wattle::cli {

void register_devnet_commands(CLI::App& app) {
  static node::DevnetOptions opts;
  auto* devnet = app.add_subcommand("devnet", "A local multi-validator network");
  devnet->require_subcommand(1);
  auto* init = devnet->add_subcommand(
      "init",
      "Write one home per validator (keys, config.toml, shared genesis) and a funded "
      "DIR/faucet.key; node i serves RPC on base-port+2i and P2P on base-port+2i+1");
  init->add_option("--validators", opts.validators, "Number of validators")
      ->required()
      ->transform(decimal_in(1, node::kMaxDevnetValidators));
  init->add_option("--home", opts.dir, "Directory to create (must not exist or be empty)")
      ->required();
  init->add_option("--base-port", opts.base_port, "First port (RPC of node0)")
      ->capture_default_str()
      ->transform(decimal_in(1, 65535));
  init->add_option("--chain-id", opts.chain_id, "Chain id")->capture_default_str();
  init->add_option("--host", opts.host, "Address every node listens on and dials")
      ->capture_default_str();
  init->callback([] {
    auto nodes = node::init_devnet(opts);
    if (!nodes) throw UserError(nodes.status().to_string());
    for (size_t i = 0; i < nodes->size(); ++i) {
      const node::DevnetNode& n = (*nodes)[i];
      std::cout << "node" << i << " rpc=" << n.config.rpc_listen.to_string()
                << " p2p=" << n.config.p2p_listen.to_string() << " home=" << n.home << "\n";
    }
  });
}

}  // namespace wattle::cli
