// `wattle key new|show`: Ed25519 key files for accounts, meters and validators.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/address.h"
#include "node/home.h"

namespace wattle::cli {

namespace {

void print_key(const KeyPair& key) {
  nlohmann::json j = {{"public_key", key.public_key().hex()},
                      {"address", Address::of(key.public_key()).to_string()}};
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void register_key_commands(CLI::App& app) {
  auto* key = app.add_subcommand("key", "Create and inspect keys");
  key->require_subcommand(1);

  auto* create = key->add_subcommand("new", "Generate a key; writes it to --out (mode 0600)");
  static std::string out;
  static bool force = false;
  create->add_option("--out", out, "Key file to write")->required();
  create->add_flag("--force", force, "Overwrite an existing file");
  create->callback([] {
    KeyPair k = KeyPair::generate();
    Status st = node::write_key_file(out, k, force);
    if (!st) throw UserError(st.to_string());
    print_key(k);
  });

  auto* show = key->add_subcommand("show", "Print a key file's public key and address");
  static std::string file;
  show->add_option("file", file, "Key file")->required();
  show->callback([] {
    auto k = node::read_key_file(file);
    if (!k) throw UserError(k.status().to_string());
    print_key(*k);
  });
}

}  // namespace wattle::cli
