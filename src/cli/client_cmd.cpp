#include "cli/commands.h"
namespace wattle::cli {
void register_client_commands(CLI::App& app) {}
}  // namespace wattle::cli
