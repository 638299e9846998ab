#include "cli/commands.h"
namespace wattle::cli {
void register_chain_commands(CLI::App& app) {}
}  // namespace wattle::cli
