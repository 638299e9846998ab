#include "cli/commands.h"
namespace wattle::cli {
void register_demo_command(CLI::App& app) {}
}  // namespace wattle::cli
