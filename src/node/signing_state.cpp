#include "node/signing_state.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/strict_json.h"
#include "node/home.h"

namespace wattle::node {

using consensus::bft::LastSigned;
using consensus::bft::SignStep;

namespace {

std::string to_json(const LastSigned& s) {
  nlohmann::json j = {{"height", std::to_string(s.height)},
                      {"round", s.round},
                      {"step", static_cast<int>(s.step)},
                      {"signbytes", to_hex(s.sign_bytes)}};
  return j.dump(2) + "\n";
}

Result<LastSigned> from_json(const std::string& path, const std::string& text) {
  auto bad = [&](const std::string& why) { return Status(Code::kMalformed, path + ": " + why); };
  auto parsed = parse_json_strict(text);
  if (!parsed) return bad(parsed.status().message());
  const nlohmann::json& j = *parsed;
  if (!j.is_object() || j.size() != 4 || !j.contains("height") || !j["height"].is_string() ||
      !j.contains("round") || !j["round"].is_number_unsigned() || !j.contains("step") ||
      !j["step"].is_number_unsigned() || !j.contains("signbytes") || !j["signbytes"].is_string())
    return bad(
        R"(expected {"height": "<decimal>", "round": N, "step": 0-3, "signbytes": "<hex>"})");
  LastSigned s;
  const std::string h = j["height"].get<std::string>();
  if (h.empty() || h.size() > 20 || h.find_first_not_of("0123456789") != std::string::npos ||
      (h.size() > 1 && h[0] == '0'))
    return bad("height must be a decimal string");
  try {
    s.height = std::stoull(h);
  } catch (const std::exception&) {
    return bad("height out of range");
  }
  const uint64_t round = j["round"].get<uint64_t>();
  const uint64_t step = j["step"].get<uint64_t>();
  if (round > UINT32_MAX) return bad("round out of range");
  if (step > static_cast<uint64_t>(SignStep::kPrecommit)) return bad("step must be 0 to 3");
  s.round = static_cast<uint32_t>(round);
  s.step = static_cast<SignStep>(step);
  auto bytes = from_hex(j["signbytes"].get<std::string>());
  if (!bytes) return bad("signbytes: " + bytes.status().message());
  s.sign_bytes = std::move(*bytes);
  if ((s.step == SignStep::kNone) != s.sign_bytes.empty())
    return bad("signbytes must be empty exactly when nothing was signed (step 0)");
  return s;
}

}  // namespace

std::string signing_state_path(const std::string& home) {
  return (std::filesystem::path(home) / kSigningStateFile).string();
}

Result<std::unique_ptr<SigningStateFile>> SigningStateFile::open(const std::string& path) {
  auto text = read_home_file(path, 64 * 1024);
  if (!text) return text.status();
  auto last = from_json(path, *text);
  if (!last) return last.status();
  return std::unique_ptr<SigningStateFile>(new SigningStateFile(path, std::move(*last)));
}

Status SigningStateFile::write_fresh(const std::string& path, bool overwrite) {
  return write_home_file(path, to_json(LastSigned{}), 0600, overwrite);
}

Status SigningStateFile::approve(uint64_t height, uint32_t round, SignStep step,
                                 ByteView sign_bytes) {
  Status st = consensus::bft::check_sign(last_, height, round, step, sign_bytes);
  if (st && last_.height == height && last_.round == round && last_.step == step)
    return st;  // the identical message: already on record
  if (st) {
    LastSigned next{height, round, step, Bytes(sign_bytes.begin(), sign_bytes.end())};
    st = write_home_file(path_, to_json(next), 0600, /*overwrite=*/true);
    if (st) {
      last_ = std::move(next);
      return st;
    }
  }
  ++refusals_;
  spdlog::error("{} (signing state {})", st.message(), path_);
  return st;
}

}  // namespace wattle::node
