#include "node/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/strict_json.h"
#include "node/signing_state.h"

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

Status errno_status(const std::string& what) {
  return Status(Code::kIoError, what + ": " + std::strerror(errno));
}

// Syncs the directory holding `path`, so a rename into it survives a crash.
Status sync_parent_dir(const fs::path& path) {
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open " + dir.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return errno_status("cannot sync " + dir.string());
  return Status::ok();
}

// Writes `text` to `path` atomically and durably, never through a symlink:
// a fresh temporary file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode
// 0600 (so a secret is never readable by others, and a planted file or
// symlink at that name is refused, not followed), written, fsynced, given
// `mode`, then renamed over `path` (rename replaces a symlink at `path`
// itself, never its target; without `overwrite` an existing `path`, symlink
// included, is kDuplicate) and the directory is fsynced. On failure nothing
// is left behind.
Status write_file(const std::string& path, const std::string& text, mode_t mode, bool overwrite) {
  std::random_device rd;
  const std::string tmp = path + ".tmp-" + std::to_string(rd()) + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("cannot create " + tmp);
  auto fail = [&](Status st) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(errno_status("cannot write " + tmp));
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0) return fail(errno_status("cannot chmod " + tmp));
  if (::fsync(fd) != 0) return fail(errno_status("cannot sync " + tmp));
  if (::close(fd) != 0) {
    fd = -1;
    return fail(errno_status("cannot close " + tmp));
  }
  fd = -1;
  if (overwrite) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno_status("cannot write " + path));
  } else if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return fail(Status(Code::kDuplicate, path + " already exists"));
    return fail(errno_status("cannot write " + path));
  }
  return sync_parent_dir(path);
}

}  // namespace

std::string data_dir(const std::string& home) {
  return (fs::path(home) / "data").string();
}

Status write_key_file(const std::string& path, const KeyPair& key, bool overwrite) {
  nlohmann::json j = {{"seed", to_hex(key.seed())},
                      {"public_key", key.public_key().hex()},
                      {"address", Address::of(key.public_key()).to_string()}};
  return write_file(path, j.dump(2) + "\n", 0600, overwrite);
}

Result<KeyPair> read_key_file(const std::string& path) {
  auto text = read_file(path, 4096);
  if (!text) return text.status();
  auto parsed = parse_json_strict(*text);
  if (!parsed) return Status(Code::kMalformed, path + ": " + parsed.status().message());
  nlohmann::json& j = *parsed;
  if (!j.is_object() || !j.contains("seed") || !j["seed"].is_string())
    return Status(Code::kMalformed, path + ": expected {\"seed\": \"<64 hex chars>\"}");
  auto seed = from_hex(j["seed"].get<std::string>());
  if (!seed || seed->size() != 32)
    return Status(Code::kMalformed, path + ": seed must be 32 bytes hex");
  std::array<uint8_t, 32> s{};
  std::memcpy(s.data(), seed->data(), 32);
  return KeyPair::from_seed(s);
}

Status write_home_file(const std::string& path, const std::string& text, unsigned mode,
                       bool overwrite) {
  return write_file(path, text, static_cast<mode_t>(mode), overwrite);
}

Result<std::string> read_home_file(const std::string& path, size_t max_bytes) {
  return read_file(path, max_bytes);
}

Status init_home(const std::string& home, const InitOptions& options) {
  // What this call creates, so a failure can remove exactly that: the
  // outermost directory that did not exist yet, or else the files written.
  std::error_code ec;
  fs::path created_dir;
  for (fs::path p = fs::absolute(home, ec); !p.empty() && !fs::exists(fs::symlink_status(p));
       p = p.parent_path()) {
    created_dir = p;
    if (p == p.parent_path()) break;
  }
  fs::create_directories(home, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + home + ": " + ec.message());
  std::vector<fs::path> written;
  auto cleanup = [&](Status st) {
    std::error_code ignored;
    if (!created_dir.empty()) {
      fs::remove_all(created_dir, ignored);
    } else {
      for (const auto& f : written) fs::remove(f, ignored);
    }
    return st;
  };
  const fs::path genesis_path = fs::path(home) / "genesis.json";
  const fs::path key_path = fs::path(home) / "validator.key";
  if (fs::exists(fs::symlink_status(genesis_path)))
    return cleanup(
        Status(Code::kDuplicate, genesis_path.string() + " already exists; refusing to overwrite"));
  KeyPair key = options.validator_key ? *options.validator_key : KeyPair::generate();
  chain::Genesis g;
  g.chain_id = options.chain_id;
  g.block_interval_ms = options.block_interval_ms;
  g.genesis_time_ms =
      options.genesis_time_ms
          ? options.genesis_time_ms
          : static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  g.validators = options.validators;
  if (g.validators.empty()) g.validators.push_back({key.public_key(), 1});
  g.balances = options.balances;
  g.min_balance = options.min_balance;
  g.engine = options.engine;
  g.market = options.market;
  g.certificates = options.certificates;
  g.staking = options.staking;
  if (g.engine == chain::EngineKind::kPow) g.pow = options.pow.value_or(chain::GenesisPow{});
  // Round-trip through the strict parser so init can never write a genesis the node rejects.
  auto checked = chain::Genesis::from_json(g.to_json());
  if (!checked) return cleanup(checked.status());
  Status st = write_key_file(key_path.string(), key, /*overwrite=*/false);
  if (!st) return cleanup(st);
  written.push_back(key_path);
  // Nothing signed yet: a "bft" validator refuses to start without this
  // record (signing_state.h), and a fresh home has signed nothing.
  const fs::path signing_path = signing_state_path(home);
  st = SigningStateFile::write_fresh(signing_path.string(), /*overwrite=*/false);
  if (!st) return cleanup(st);
  written.push_back(signing_path);
  st = write_file(genesis_path.string(), g.to_json(), 0644, /*overwrite=*/false);
  if (!st) return cleanup(st);
  return Status::ok();
}

Result<chain::Genesis> load_genesis(const std::string& home) {
  return load_genesis_file((fs::path(home) / "genesis.json").string());
}

Result<chain::Genesis> load_genesis_file(const std::string& path) {
  auto text = read_file(path, 64 * 1024 * 1024);
  if (!text) return text.status();
  return chain::Genesis::from_json(*text);
}

Result<KeyPair> load_validator_key(const std::string& home) {
  return read_key_file((fs::path(home) / "validator.key").string());
}

std::string node_key_path(const std::string& home) {
  return (fs::path(home) / "node.key").string();
}

Result<KeyPair> load_node_key(const std::string& home) {
  return read_key_file(node_key_path(home));
}

}  // namespace wattle::node
