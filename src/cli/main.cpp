// `wattle`: the single command-line entry point (docs/architecture.md, "Layers").
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "core/keys.h"

int main(int argc, char** argv) {
  using namespace wattle::cli;
  wattle::crypto_init();
  CLI::App app{"wattle: peer-to-peer energy trading on a Byzantine-fault-tolerant ledger"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for all subcommands");
  register_key_commands(app);
  register_chain_commands(app);
  register_client_commands(app);
  register_demo_command(app);
  register_bench_command(app);
  register_market_commands(app);
  register_consensus_commands(app);
  register_sim_command(app);
  register_events_command(app);
  register_devnet_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError with exit code 0; real parse errors are user errors (1).
    int rc = app.exit(e);
    return rc == 0 ? 0 : 1;
  } catch (const UserError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const ExitCode& e) {
    return e.code;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
