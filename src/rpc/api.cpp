#include "rpc/api.h"

#include <charconv>
#include <exception>
#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/strict_json.h"
#include "rpc/certificate_routes.h"
#include "rpc/event_stream.h"
#include "rpc/json_view.h"
#include "rpc/market_routes.h"
#include "rpc/metrics.h"
#include "rpc/query.h"
#include "rpc/staking_routes.h"

namespace wattle::rpc {

// src/rpc/openapi.json, compiled in by CMake (openapi_data.cpp.in).
extern const std::string_view kOpenApiJson;

namespace {

using nlohmann::json;

// Our request bodies nest two levels deep; anything deeper is refused while
// parsing, before it costs a deep tree of allocations.
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

std::string echo(std::string_view s) {
  return s.size() <= kMaxEcho ? std::string(s) : std::string(s.substr(0, kMaxEcho)) + "...";
}

// Reads a POST /v1/txs body as SAX events without building a DOM: keeps only
// the hex strings (at most max_batch of them) and the first problem of each
// kind, so the verdict below can follow a fixed precedence whatever the
// order of problems in the document (syntax first, then shape, then values).
class SubmitReader : public nlohmann::json_sax<json> {
 public:
  explicit SubmitReader(size_t max_batch) : max_batch_(max_batch), guard_(kMaxJsonDepth) {}

  bool null() override { return value(Kind::kOther, nullptr); }
  bool boolean(bool) override { return value(Kind::kOther, nullptr); }
  bool number_integer(number_integer_t) override { return value(Kind::kOther, nullptr); }
  bool number_unsigned(number_unsigned_t) override { return value(Kind::kOther, nullptr); }
  bool number_float(number_float_t, const string_t&) override {
    return value(Kind::kOther, nullptr);
  }
  bool string(string_t& v) override { return value(Kind::kString, &v); }
  bool binary(binary_t&) override { return value(Kind::kOther, nullptr); }
  bool start_object(size_t) override {
    value(Kind::kObject, nullptr);
    return open(guard_.open_object());
  }
  bool start_array(size_t) override {
    if (guard_.depth() == 1 && slot_ == Slot::kTxs) in_txs_ = true;
    value(Kind::kArray, nullptr);
    return open(guard_.open_array());
  }
  bool end_object() override {
    guard_.close();
    return true;
  }
  bool end_array() override {
    if (guard_.depth() == 2) in_txs_ = false;
    guard_.close();
    return true;
  }
  bool key(string_t& k) override {
    if (!guard_.key(k)) {
      fatal_ = "duplicate key \"" + echo(k) + "\"";
      return false;
    }
    if (guard_.depth() == 1) {
      slot_ = k == "tx" ? Slot::kTx : k == "txs" ? Slot::kTxs : Slot::kOther;
      if (slot_ == Slot::kOther && !unknown_key_) unknown_key_ = k;
      has_tx_ |= slot_ == Slot::kTx;
      has_txs_ |= slot_ == Slot::kTxs;
    }
    return true;
  }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception&) override {
    if (fatal_.empty()) fatal_ = "body is not valid JSON";
    return false;
  }

  // The verdict: an error response, or nullopt with raw() holding the txs.
  std::optional<ApiResponse> verdict() {
    if (!fatal_.empty()) return error_response(400, "malformed_json", fatal_);
    if (top_not_object_) return error_response(400, "wrong_type", "body must be a JSON object");
    if (unknown_key_)
      return error_response(
          400, "unknown_field",
          "unknown field \"" + echo(*unknown_key_) + "\" (expected \"tx\" or \"txs\")");
    if (has_tx_ && has_txs_)
      return error_response(400, "invalid_argument", "give either \"tx\" or \"txs\", not both");
    if (!has_tx_ && !has_txs_)
      return error_response(400, "missing_field", "expected field \"tx\" or \"txs\"");
    if (has_tx_) {
      if (bad_index_) return error_response(400, "wrong_type", "\"tx\" must be a hex string");
      return decode("tx", 0);
    }
    if (txs_not_array_)
      return error_response(400, "wrong_type", "\"txs\" must be an array of hex strings");
    if (count_ == 0) return error_response(400, "invalid_argument", "\"txs\" is empty");
    if (count_ > max_batch_)
      return error_response(413, "too_large",
                            "batch of " + std::to_string(count_) + " txs exceeds the limit of " +
                                std::to_string(max_batch_));
    for (size_t i = 0; i < count_; ++i) {
      const std::string where = "txs[" + std::to_string(i) + "]";
      if (bad_index_ && *bad_index_ == i)
        return error_response(400, "wrong_type", where + " must be a hex string");
      if (auto err = decode(where, i)) return err;
    }
    return std::nullopt;
  }
  bool single() const { return has_tx_; }
  std::vector<Bytes>& raw() { return raw_; }

 private:
  enum class Kind { kString, kObject, kArray, kOther };
  enum class Slot { kNone, kTx, kTxs, kOther };

  bool open(bool within_depth) {
    if (within_depth) return true;
    fatal_ = "JSON nested too deeply";
    return false;
  }

  // Every value, scalar or container start, before the guard opens it.
  bool value(Kind kind, std::string* text) {
    const int depth = guard_.depth();
    if (depth == 0) {
      top_not_object_ = kind != Kind::kObject;
    } else if (depth == 1 && !top_not_object_) {
      if (slot_ == Slot::kTx) {
        count_ = 1;
        if (kind == Kind::kString) {
          hex_.push_back(std::move(*text));
        } else {
          bad_index_ = 0;
        }
      } else if (slot_ == Slot::kTxs) {
        txs_not_array_ = kind != Kind::kArray;
      }
    } else if (depth == 2 && in_txs_) {
      const size_t i = count_++;
      if (kind != Kind::kString) {
        if (!bad_index_) bad_index_ = i;
      } else if (!bad_index_ && hex_.size() < max_batch_) {
        hex_.push_back(std::move(*text));
      }
    }
    return true;
  }

  std::optional<ApiResponse> decode(const std::string& where, size_t i) {
    auto bytes = from_hex(hex_[i]);
    if (!bytes)
      return error_response(400, "malformed_hex", where + ": " + bytes.status().message());
    raw_.push_back(std::move(bytes).value());
    std::string().swap(hex_[i]);  // the hex is not needed twice
    return std::nullopt;
  }

  const size_t max_batch_;
  DuplicateKeyGuard guard_;
  std::string fatal_;  // malformed_json: syntax, depth or duplicate key
  bool top_not_object_ = false;
  std::optional<std::string> unknown_key_;
  Slot slot_ = Slot::kNone;
  bool has_tx_ = false, has_txs_ = false, txs_not_array_ = false, in_txs_ = false;
  size_t count_ = 0;                 // txs seen (counted past max_batch, never stored)
  std::optional<size_t> bad_index_;  // first element that is not a string
  std::vector<std::string> hex_;     // the strings before bad_index_, at most max_batch
  std::vector<Bytes> raw_;
};

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
    case Code::kNotAuthority:
      return 401;
    case Code::kNotFound:
      return 404;
    case Code::kNonceReplay:
    case Code::kNonceGap:
    case Code::kInsufficientFunds:
    case Code::kBelowMinBalance:
    case Code::kSlotClosed:
    case Code::kSlotTooFar:
    case Code::kInDebt:
    case Code::kUnknownMeter:
    case Code::kReadingWindow:
    case Code::kCounterDecrease:
    case Code::kKeyInUse:
    case Code::kNotCandidate:
    case Code::kNotJailed:
    case Code::kJailed:
    case Code::kTombstoned:
    case Code::kAlreadyVoted:
    case Code::kOverPhysicalMax:
    case Code::kRevealWindow:
    case Code::kRevealMismatch:
    case Code::kUnknownAccount:
    case Code::kDuplicate:
    case Code::kBundleInactive:
    case Code::kOutsideMatchWindow:
    case Code::kAboveConsumption:
    case Code::kNotEnoughCertificates:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kNoMarket:
    case Code::kNoStaking:
      return 404;
    case Code::kMempoolFull:
    case Code::kUnavailable:
    case Code::kHalted:
    case Code::kCatchingUp:
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

ApiResponse json_response(const Result<nlohmann::json>& r) {
  if (!r)
    return error_response(error_http_status(r.status().code()), code_name(r.status().code()),
                          r.status().message());
  ApiResponse out;
  out.body = dump(*r);
  return out;
}

ApiResponse Api::handle(std::string_view method, std::string_view target, std::string_view body,
                        std::string_view client) const noexcept {
  try {
    const size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query =
        q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    return route(method, path, query, body, client);
  } catch (const std::exception& e) {
    return error_response(500, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return error_response(500, "internal", "internal error");
  }
}

// The route table: one row per (method, path template). handle() dispatches
// on it and routes() lists it, so the two cannot disagree.
struct Api::Route {
  RouteInfo info;
  ApiResponse (*run)(const Api&, const Call&);
};

const std::vector<Api::Route>& Api::table() {
  static const std::vector<Route> kTable = {
      {{"POST", "/v1/txs"},
       [](const Api& a, const Call& c) { return a.submit_txs(c.body, c.client); }},
      {{"GET", "/v1/txs/{hash}"},
       [](const Api& a, const Call& c) { return a.get_tx(c.params[0]); }},
      {{"GET", "/v1/blocks/{height}"},
       [](const Api& a, const Call& c) { return a.get_block(c.params[0], c.query); }},
      {{"GET", "/v1/accounts/{address}"},
       [](const Api& a, const Call& c) { return a.get_account(c.params[0], c.query); }},
      {{"GET", "/v1/status"}, [](const Api& a, const Call&) { return a.get_status(); }},
      {{"GET", "/v1/events"}, [](const Api& a, const Call& c) { return a.get_events(c.query); }},
      {{"GET", "/v1/openapi.json"}, [](const Api& a, const Call&) { return a.get_openapi(); }},
      {{"GET", "/metrics"}, [](const Api& a, const Call&) { return a.get_metrics(); }},
      // The market's routes (market_routes.h parses their parameters).
      {{"GET", "/v1/market/params"}, &Api::market_route},
      {{"GET", "/v1/market/slots/{slot}"}, &Api::market_route},
      {{"GET", "/v1/accounts/{address}/orders"}, &Api::market_route},
      {{"GET", "/v1/accounts/{address}/bills/{slot}"}, &Api::market_route},
      // The certificates module's routes (certificate_routes.h).
      {{"GET", "/v1/certificates/params"},
       [](const Api& a, const Call& c) {
         return certificate_route(a.chain_, CertificateRoute::kParams, {}, c.query);
       }},
      {{"GET", "/v1/certificates/bundles/{id}"},
       [](const Api& a, const Call& c) {
         return certificate_route(a.chain_, CertificateRoute::kBundle, c.params[0], c.query);
       }},
      {{"GET", "/v1/certificates/devices/{meter}"},
       [](const Api& a, const Call& c) {
         return certificate_route(a.chain_, CertificateRoute::kDevice, c.params[0], c.query);
       }},
      {{"GET", "/v1/certificates/holdings/{address}"},
       [](const Api& a, const Call& c) {
         return certificate_route(a.chain_, CertificateRoute::kHoldings, c.params[0], c.query);
       }},
      {{"GET", "/v1/accounts/{address}/matching"},
       [](const Api& a, const Call& c) {
         return certificate_route(a.chain_, CertificateRoute::kMatching, c.params[0], c.query);
       }},
      // The staking module's routes (staking_routes.h).
      {{"GET", "/v1/validators"},
       [](const Api& a, const Call& c) { return get_validators(a.chain_, c.query); }},
      {{"GET", "/v1/validators/changes"},
       [](const Api& a, const Call& c) { return get_validator_changes(a.chain_, c.query); }},
      {{"GET", "/v1/staking/{address}"},
       [](const Api& a, const Call& c) { return get_stake(a.chain_, c.params[0]); }},
  };
  return kTable;
}

ApiResponse Api::market_route(const Api& a, const Call& c) {
  // The table matched: it is one.
  return *route_market(a.chain_, "GET", c.path, c.query,
                       MarketRouteContext{&a.slot_pages_, a.query_limiter_, c.client});
}

std::vector<RouteInfo> Api::routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : table()) out.push_back(r.info);
  return out;
}

namespace {

// Matches `path` against a template; fills `params` with the {segments}.
bool match_path(std::string_view pattern, std::string_view path,
                std::vector<std::string_view>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view want = pattern.substr(0, pattern.find('/'));
    const std::string_view got = path.substr(0, path.find('/'));
    if (want.starts_with('{')) {
      if (got.empty()) return false;
      params.push_back(got);
    } else if (want != got) {
      return false;
    }
    pattern.remove_prefix(want.size());
    path.remove_prefix(got.size());
  }
  return true;
}

}  // namespace

ApiResponse Api::route(std::string_view method, std::string_view path, std::string_view query,
                       std::string_view body, std::string_view client) const {
  Call call{{}, query, body, client, path};
  std::string allow;  // methods of the routes whose path matched
  for (const Route& r : table()) {
    if (!match_path(r.info.path, path, call.params)) continue;
    if (r.info.method == method) return r.run(*this, call);
    if (allow.find(r.info.method) == std::string::npos)
      allow += (allow.empty() ? "" : ", ") + std::string(r.info.method);
  }
  if (!allow.empty()) return method_not_allowed(method, path, allow);
  return error_response(404, "not_found", "no route for " + echo(path));
}

ApiResponse Api::submit_txs(std::string_view body, std::string_view client) const {
  // Decode every hex string before submitting anything: a bad request is
  // rejected as a whole, never half-applied.
  SubmitReader reader(max_batch_);
  json::sax_parse(body.begin(), body.end(), &reader);
  if (auto err = reader.verdict()) return std::move(*err);
  std::vector<Bytes>& raw = reader.raw();
  const bool single = reader.single();

  // Charged before the signature checks, which are the expensive part.
  if (limiter_ && !limiter_->try_take(client, raw.size()))
    return error_response(429, "rate_limited",
                          "too many txs from this client; retry later (budget " +
                              std::to_string(raw.size()) + " txs not available)");

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
  json j = tx_lookup_json(*hash, found);
  if (found.state == TxState::kCommitted) j["confirmations"] = chain_.confirmations(found.height);
  return ok_json(j);
}

ApiResponse Api::get_block(std::string_view height_text, std::string_view query) const {
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
  // Query: txs=hashes|full, page, limit, each at most once; anything else is
  // refused, not ignored.
  Query q;
  if (auto err = Query::parse(
          query, {"txs", "page", "limit"},
          "txs=hashes|full, page>=0, limit 1.." + std::to_string(kMaxBlockPage) + ", each once", q))
    return std::move(*err);
  const auto txs = q.get("txs");
  if (txs && *txs != "full" && *txs != "hashes")
    return error_response(400, "invalid_argument",
                          "bad query parameter \"txs=" + echo(*txs) + "\" (txs=hashes|full)");
  const bool full = txs == "full";
  std::optional<ApiResponse> err;
  const auto page = q.uint("page", 0, UINT32_MAX, 0, err);
  const auto limit = q.uint("limit", 1, kMaxBlockPage, kDefaultBlockPage, err);
  if (err) return std::move(*err);
  auto block = chain_.block(height);
  if (!block) return status_error(block.status());
  json j = block_header_json(*block);
  if (auto pow = chain_.pow_block(height)) j.update(*pow);
  json hashes = json::array();
  for (const chain::Tx& tx : block->txs) hashes.push_back(tx.hash().hex());
  j["tx_hashes"] = std::move(hashes);
  if (full) {
    json page_txs = json::array();
    const uint64_t first = *page * *limit;
    for (uint64_t i = first; i < block->txs.size() && i < first + *limit; ++i)
      page_txs.push_back(tx_json(block->txs[i]));
    j["txs"] = std::move(page_txs);
    j["page"] = *page;
    j["limit"] = *limit;
    j["next_page"] = first + *limit < block->txs.size() ? json(*page + 1) : json(nullptr);
  }
  return ok_json(j);
}

ApiResponse Api::get_account(std::string_view address_text, std::string_view query) const {
  auto address = Address::parse(address_text);
  if (!address) return error_response(400, "invalid_address", address.status().message());
  if (query.empty() || query == "prove=false")
    return ok_json(account_json(*address, chain_.account(*address)));
  if (query != "prove=true")
    return error_response(400, "invalid_argument",
                          "accepted query: prove=true or prove=false, got \"" + echo(query) + "\"");
  // Balance, nonce and proof come from one snapshot, so they agree.
  auto proof = chain_.account_proof(*address);
  if (!proof) return status_error(proof.status());
  return ok_json(account_proof_json(*address, *proof));
}

ApiResponse Api::get_status() const {
  return ok_json(status_json(chain_.status()));
}

ApiResponse Api::get_events(std::string_view query) const {
  // The stream itself needs the WebSocket upgrade, which HttpServer does
  // before the request reaches here; a plain GET learns what is wrong with
  // its query first, then that it must upgrade.
  EventFilter filter;
  if (auto err = parse_event_query(query, filter)) return std::move(*err);
  return error_response(426, "upgrade_required",
                        "GET /v1/events is a WebSocket stream: send a WebSocket upgrade request");
}

ApiResponse Api::get_openapi() const {
  ApiResponse r;
  r.body = std::string(openapi_json());
  return r;
}

std::string_view Api::openapi_json() {
  return kOpenApiJson;
}

ApiResponse Api::get_metrics() const {
  ApiResponse r;
  r.content_type = kPrometheusContentType;
  r.body = chain_.metrics_text();
  return r;
}

}  // namespace wattle::rpc
