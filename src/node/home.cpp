#include "node/home.h"

#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace wattle::node {

namespace fs = std::filesystem;

namespace {

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Status(Code::kNotFound, "cannot read " + path + ": " + ec.message());
  if (size > max_bytes) return Status(Code::kTooLarge, path + " is too large");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) return Status(Code::kIoError, "cannot read " + path);
  return ss.str();
}

Status write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status(Code::kIoError, "cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), mode);
  std::error_code ec;
  fs::rename(tmp, path, ec);  // atomic replace: a crash leaves the old or the new file
  if (ec) return Status(Code::kIoError, "cannot write " + path + ": " + ec.message());
  return Status::ok();
}

}  // namespace

std::string data_dir(const std::string& home) {
  return (fs::path(home) / "data").string();
}

Status write_key_file(const std::string& path, const KeyPair& key, bool overwrite) {
  if (!overwrite && fs::exists(path)) return Status(Code::kDuplicate, path + " already exists");
  nlohmann::json j = {{"seed", to_hex(key.seed())},
                      {"public_key", key.public_key().hex()},
                      {"address", Address::of(key.public_key()).to_string()}};
  return write_file(path, j.dump(2) + "\n", 0600);
}

Result<KeyPair> read_key_file(const std::string& path) {
  auto text = read_file(path, 4096);
  if (!text) return text.status();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("seed") || !j["seed"].is_string())
    return Status(Code::kMalformed, path + ": expected {\"seed\": \"<64 hex chars>\"}");
  auto seed = from_hex(j["seed"].get<std::string>());
  if (!seed || seed->size() != 32)
    return Status(Code::kMalformed, path + ": seed must be 32 bytes hex");
  std::array<uint8_t, 32> s{};
  std::memcpy(s.data(), seed->data(), 32);
  return KeyPair::from_seed(s);
}

Status init_home(const std::string& home, const InitOptions& options) {
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + home + ": " + ec.message());
  fs::path genesis_path = fs::path(home) / "genesis.json";
  if (fs::exists(genesis_path))
    return Status(Code::kDuplicate,
                  genesis_path.string() + " already exists; refusing to overwrite");
  KeyPair key = options.validator_key ? *options.validator_key : KeyPair::generate();
  ledger::Genesis g;
  g.chain_id = options.chain_id;
  g.block_interval_ms = options.block_interval_ms;
  g.genesis_time_ms =
      options.genesis_time_ms
          ? options.genesis_time_ms
          : static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  g.validators.push_back({key.public_key(), 1});
  g.balances = options.balances;
  g.min_balance = options.min_balance;
  // Round-trip through the strict parser so init can never write a genesis the node rejects.
  auto checked = ledger::Genesis::from_json(g.to_json());
  if (!checked) return checked.status();
  WATTLE_RETURN_IF_ERROR(write_key_file((fs::path(home) / "validator.key").string(), key, true));
  return write_file(genesis_path.string(), g.to_json(), 0644);
}

Result<ledger::Genesis> load_genesis(const std::string& home) {
  return load_genesis_file((fs::path(home) / "genesis.json").string());
}

Result<ledger::Genesis> load_genesis_file(const std::string& path) {
  auto text = read_file(path, 64 * 1024 * 1024);
  if (!text) return text.status();
  return ledger::Genesis::from_json(*text);
}

Result<KeyPair> load_validator_key(const std::string& home) {
  return read_key_file((fs::path(home) / "validator.key").string());
}

}  // namespace wattle::node
