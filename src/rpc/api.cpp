#include "rpc/api.h"

#include <charconv>
#include <exception>
#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "rpc/json_view.h"
#include "rpc/metrics.h"

namespace wattle::rpc {

namespace {

using nlohmann::json;

// Our request bodies nest two levels deep; refusing deeper input before
// parsing keeps a hostile body from costing a deep tree of allocations.
constexpr int kMaxJsonDepth = 8;
// Echoed user text (field names) is cut so an error body stays small.
constexpr size_t kMaxEcho = 64;

// Invalid UTF-8 (a hostile chain id, a field name) must not make dump() throw.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

ApiResponse ok_json(const json& j) {
  ApiResponse r;
  r.body = dump(j);
  return r;
}

ApiResponse status_error(const Status& st) {
  return error_response(error_http_status(st.code()), code_name(st.code()), st.message());
}

ApiResponse method_not_allowed(std::string_view method, std::string_view path,
                               std::string_view allow) {
  ApiResponse r = error_response(405, "method_not_allowed",
                                 std::string(method.substr(0, kMaxEcho)) + " is not allowed on " +
                                     std::string(path.substr(0, kMaxEcho)) +
                                     " (allowed: " + std::string(allow) + ")");
  r.allow = allow;
  return r;
}

// Depth of [ and { outside strings; stops counting past the limit.
bool json_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::string echo(std::string_view s) {
  return s.size() <= kMaxEcho ? std::string(s) : std::string(s.substr(0, kMaxEcho)) + "...";
}

}  // namespace

unsigned error_http_status(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
    case Code::kMalformed:
    case Code::kOverflow:
    case Code::kBadSignature:
    case Code::kWrongChain:
      return 400;
    case Code::kUnauthorized:
      return 401;
    case Code::kNotFound:
      return 404;
    case Code::kNonceReplay:
    case Code::kNonceGap:
    case Code::kInsufficientFunds:
    case Code::kBelowMinBalance:
    case Code::kUnknownAccount:
    case Code::kDuplicate:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kMempoolFull:
    case Code::kUnavailable:
      return 503;
    case Code::kIoError:
    case Code::kCorruption:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

ApiResponse error_response(unsigned http_status, std::string_view code, std::string_view message) {
  ApiResponse r;
  r.status = http_status;
  r.body = dump(error_json(code, message));
  return r;
}

ApiResponse Api::handle(std::string_view method, std::string_view target,
                        std::string_view body) const noexcept {
  try {
    const size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
    return route(method, path, query, body);
  } catch (const std::exception& e) {
    return error_response(500, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return error_response(500, "internal", "internal error");
  }
}

ApiResponse Api::route(std::string_view method, std::string_view path, std::string_view query,
                       std::string_view body) const {
  // `prefix` + one non-empty segment: the parameter, else nullopt.
  auto param = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!path.starts_with(prefix)) return std::nullopt;
    std::string_view rest = path.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
    return rest;
  };
  auto get_only = [&](auto&& fn) {
    return method == "GET" ? fn() : method_not_allowed(method, path, "GET");
  };

  if (path == "/v1/txs") {
    return method == "POST" ? submit_txs(body) : method_not_allowed(method, path, "POST");
  }
  if (auto hash = param("/v1/txs/")) return get_only([&] { return get_tx(*hash); });
  if (auto height = param("/v1/blocks/")) return get_only([&] { return get_block(*height); });
  if (auto addr = param("/v1/accounts/"))
    return get_only([&] { return get_account(*addr, query); });
  if (path == "/v1/status") return get_only([&] { return get_status(); });
  if (path == "/metrics") return get_only([&] { return get_metrics(); });
  return error_response(404, "not_found", "no route for " + echo(path));
}

ApiResponse Api::submit_txs(std::string_view body) const {
  if (json_too_deep(body)) return error_response(400, "malformed_json", "JSON nested too deeply");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return error_response(400, "malformed_json", "body is not valid JSON");
  if (!j.is_object()) return error_response(400, "wrong_type", "body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "tx" && key != "txs")
      return error_response(400, "unknown_field",
                            "unknown field \"" + echo(key) + "\" (expected \"tx\" or \"txs\")");
  }
  const bool single = j.contains("tx");
  const bool batch = j.contains("txs");
  if (single && batch)
    return error_response(400, "invalid_argument", "give either \"tx\" or \"txs\", not both");
  if (!single && !batch)
    return error_response(400, "missing_field", "expected field \"tx\" or \"txs\"");

  // Decode every hex string before submitting anything: a bad request is
  // rejected as a whole, never half-applied.
  std::vector<Bytes> raw;
  if (single) {
    const json& tx = j["tx"];
    if (!tx.is_string()) return error_response(400, "wrong_type", "\"tx\" must be a hex string");
    auto bytes = from_hex(tx.get_ref<const std::string&>());
    if (!bytes) return error_response(400, "malformed_hex", "tx: " + bytes.status().message());
    raw.push_back(std::move(bytes).value());
  } else {
    const json& txs = j["txs"];
    if (!txs.is_array())
      return error_response(400, "wrong_type", "\"txs\" must be an array of hex strings");
    if (txs.empty()) return error_response(400, "invalid_argument", "\"txs\" is empty");
    if (txs.size() > max_batch_)
      return error_response(413, "too_large",
                            "batch of " + std::to_string(txs.size()) +
                                " txs exceeds the limit of " + std::to_string(max_batch_));
    raw.reserve(txs.size());
    for (size_t i = 0; i < txs.size(); ++i) {
      const std::string where = "txs[" + std::to_string(i) + "]";
      if (!txs[i].is_string())
        return error_response(400, "wrong_type", where + " must be a hex string");
      auto bytes = from_hex(txs[i].get_ref<const std::string&>());
      if (!bytes)
        return error_response(400, "malformed_hex", where + ": " + bytes.status().message());
      raw.push_back(std::move(bytes).value());
    }
  }

  std::vector<SubmitResult> results = chain_.submit(raw);
  if (results.size() != raw.size())
    return error_response(500, "internal",
                          "chain returned " + std::to_string(results.size()) + " results for " +
                              std::to_string(raw.size()) + " txs");

  if (single) {
    const SubmitResult& r = results[0];
    if (!r.status.is_ok()) return status_error(r.status);
    return ok_json({{"hash", r.hash.hex()}, {"status", "accepted"}});
  }
  json out = json::array();
  size_t accepted = 0;
  for (const SubmitResult& r : results) {
    // Bytes that did not decode have no hash: null, not a fake zero hash.
    json item = {{"hash", r.hash.is_zero() ? json(nullptr) : json(r.hash.hex())},
                 {"code", code_name(r.status.code())}};
    if (r.status.is_ok()) {
      ++accepted;
    } else {
      item["message"] = r.status.message();
    }
    out.push_back(std::move(item));
  }
  return ok_json({{"results", std::move(out)}, {"accepted", accepted}});
}

ApiResponse Api::get_tx(std::string_view hash_hex) const {
  auto hash = Hash256::from_hex(hash_hex);
  if (!hash) return error_response(400, "invalid_hash", "tx hash: " + hash.status().message());
  TxLookup found = chain_.lookup_tx(*hash);
  if (found.state == TxState::kUnknown)
    return error_response(404, "not_found", "tx " + hash->hex() + " not found");
  return ok_json(tx_lookup_json(*hash, found));
}

ApiResponse Api::get_block(std::string_view height_text) const {
  uint64_t height = 0;
  if (height_text == "latest") {
    height = chain_.status().height;
  } else {
    auto [end, ec] =
        std::from_chars(height_text.data(), height_text.data() + height_text.size(), height, 10);
    if (ec != std::errc() || end != height_text.data() + height_text.size())
      return error_response(400, "invalid_height",
                            "block height must be a decimal integer or \"latest\", got \"" +
                                echo(height_text) + "\"");
  }
  auto block = chain_.block(height);
  if (!block) return status_error(block.status());
  return ok_json(block_json(*block));
}

ApiResponse Api::get_account(std::string_view address_text, std::string_view query) const {
  auto address = Address::parse(address_text);
  if (!address) return error_response(400, "invalid_address", address.status().message());
  if (query.empty() || query == "prove=false")
    return ok_json(account_json(*address, chain_.account(*address)));
  if (query != "prove=true")
    return error_response(400, "invalid_query",
                          "accepted query: prove=true or prove=false, got \"" + echo(query) + "\"");
  // Balance, nonce and proof come from one snapshot, so they agree.
  auto proof = chain_.account_proof(*address);
  if (!proof) return status_error(proof.status());
  return ok_json(account_proof_json(*address, *proof));
}

ApiResponse Api::get_status() const {
  return ok_json(status_json(chain_.status()));
}

ApiResponse Api::get_metrics() const {
  ApiResponse r;
  r.content_type = kPrometheusContentType;
  r.body = chain_.metrics_text();
  return r;
}

}  // namespace wattle::rpc
