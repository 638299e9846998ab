// GET /v1/openapi.json against what the server really does: the document
// names exactly the routes Api::routes() serves, and every route's actual
// answers (good and bad requests, over real HTTP) have a declared status and
// a body matching the declared schema. The schema checker below implements
// the subset of JSON Schema the document uses (Debian 12 has no validator
// package): type, nullable, required, properties (and no undeclared ones
// unless additionalProperties is true), items, enum, pattern, minimum,
// maximum, oneOf, allOf, $ref.
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "chain/application.h"
#include "modules/energy/market_params.h"
#include "rpc/api.h"
#include "rpc/event_client.h"
#include "rpc/event_stream.h"
#include "rpc/market_json.h"
#include "rpc/staking_json.h"
#include "rpc_test_util.h"
#include "test_dir.h"

namespace wattle::rpc::testing {
namespace {

using namespace std::chrono_literals;

const json& document() {
  static const json doc = json::parse(Api::openapi_json());
  return doc;
}

// Follows a local "$ref": "#/components/schemas/Name".
const json& resolve(const json& schema) {
  if (!schema.contains("$ref")) return schema;
  const std::string ref = schema["$ref"];
  const std::string prefix = "#/components/schemas/";
  if (!ref.starts_with(prefix)) throw std::runtime_error("unsupported $ref " + ref);
  return document().at("components").at("schemas").at(ref.substr(prefix.size()));
}

// The properties a schema declares, through allOf and $ref.
void declared_properties(const json& raw, std::set<std::string>& out) {
  const json& s = resolve(raw);
  if (s.contains("properties"))
    for (auto& [k, v] : s["properties"].items()) out.insert(k);
  if (s.contains("allOf"))
    for (const json& sub : s["allOf"]) declared_properties(sub, out);
}

// Appends what is wrong with `value` under `schema` to `errors`, naming the
// JSON path. `strict`: properties the schema does not declare are errors
// (off inside allOf, whose union is checked instead).
void check(const json& raw, const json& value, const std::string& path,
           std::vector<std::string>& errors, bool strict = true) {
  const json& s = resolve(raw);
  auto fail = [&](const std::string& why) { errors.push_back(path + ": " + why); };
  if (s.contains("allOf")) {
    for (const json& sub : s["allOf"]) check(sub, value, path, errors, false);
    if (strict && value.is_object()) {
      std::set<std::string> known;
      declared_properties(s, known);
      for (auto& [k, v] : value.items())
        if (!known.count(k)) fail("undeclared property \"" + k + "\"");
    }
    return;
  }
  if (s.contains("oneOf")) {
    int matches = 0;
    std::vector<std::string> why;
    for (const json& sub : s["oneOf"]) {
      std::vector<std::string> e;
      check(sub, value, path, e, strict);
      matches += e.empty();
      if (!e.empty()) why.push_back(e.front());
    }
    if (matches != 1) {
      std::string all;
      for (const auto& w : why) all += "\n    " + w;
      fail("matches " + std::to_string(matches) + " of oneOf (want 1)" + all);
    }
    return;
  }
  if (value.is_null()) {
    if (!s.value("nullable", false)) fail("null but not nullable");
    return;
  }
  if (s.contains("type")) {
    const std::string type = s["type"];
    const bool ok = type == "object"    ? value.is_object()
                    : type == "array"   ? value.is_array()
                    : type == "string"  ? value.is_string()
                    : type == "integer" ? value.is_number_integer()
                    : type == "number"  ? value.is_number()
                    : type == "boolean" ? value.is_boolean()
                                        : false;
    if (!ok) return fail("want " + type + ", got " + value.dump().substr(0, 80));
  }
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), value) == s["enum"].end())
    fail("not in enum: " + value.dump());
  if (s.contains("pattern") && value.is_string() &&
      !std::regex_search(value.get<std::string>(), std::regex(s["pattern"].get<std::string>())))
    fail("does not match " + s["pattern"].get<std::string>() + ": " + value.dump().substr(0, 80));
  if (s.contains("minimum") && value.is_number() &&
      value.get<double>() < s["minimum"].get<double>())
    fail("below minimum");
  if (s.contains("maximum") && value.is_number() &&
      value.get<double>() > s["maximum"].get<double>())
    fail("above maximum");
  if (value.is_object()) {
    strict = strict && !s.value("additionalProperties", false);
    for (const json& r : s.value("required", json::array()))
      if (!value.contains(r.get<std::string>()))
        fail("missing required \"" + r.get<std::string>() + "\"");
    const json props = s.value("properties", json::object());
    for (auto& [k, v] : value.items()) {
      if (props.contains(k)) {
        check(props[k], v, path + "." + k, errors);
      } else if (strict) {
        fail("undeclared property \"" + k + "\"");
      }
    }
  }
  if (value.is_array() && s.contains("items"))
    for (size_t i = 0; i < value.size(); ++i)
      check(s["items"], value[i], path + "[" + std::to_string(i) + "]", errors);
}

// {method, OpenAPI path} pairs of the document.
std::set<std::pair<std::string, std::string>> documented_routes() {
  std::set<std::pair<std::string, std::string>> out;
  for (auto& [path, item] : document().at("paths").items())
    for (auto& [method, op] : item.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      out.insert({m, path});
    }
  return out;
}

std::set<std::pair<std::string, std::string>> served_routes() {
  std::set<std::pair<std::string, std::string>> out;
  for (const RouteInfo& r : Api::routes()) out.insert({std::string(r.method), std::string(r.path)});
  return out;
}

TEST(OpenApi, DocumentIsOpenApi3AndServedVerbatim) {
  ASSERT_TRUE(document().is_object());
  EXPECT_TRUE(document().value("openapi", "").starts_with("3."));
  EXPECT_TRUE(document().contains("info"));
  FakeChainService chain;
  Api api(chain);
  ApiResponse r = api.handle("GET", "/v1/openapi.json", "");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, Api::openapi_json());
}

TEST(OpenApi, DocumentListsExactlyTheServedRoutes) {
  const auto served = served_routes();
  const auto documented = documented_routes();
  ASSERT_GE(served.size(), 8u);  // the table is really read
  for (const auto& [method, path] : served)
    EXPECT_TRUE(documented.count({method, path}))
        << method << " " << path
        << " is served (Api::routes() in src/rpc/api.cpp) but missing from src/rpc/openapi.json";
  for (const auto& [method, path] : documented)
    EXPECT_TRUE(served.count({method, path}))
        << method << " " << path << " is in src/rpc/openapi.json but not served by Api::routes()";
}

// A route dispatched outside the table would escape the check above: every
// "/v1/..." literal in api.cpp must be a path of the table.
TEST(OpenApi, NoRouteInApiCppBypassesTheTable) {
  std::ifstream in(std::string(WATTLE_SOURCE_DIR) + "/src/rpc/api.cpp");
  const std::string text(std::istreambuf_iterator<char>(in), {});
  ASSERT_FALSE(text.empty());
  std::set<std::string> paths;
  for (const auto& [m, p] : served_routes()) paths.insert(p);
  const std::regex literal(R"re("(/v1/[^"]*|/metrics[^"]*)")re");
  int seen = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it, ++seen)
    EXPECT_TRUE(paths.count((*it)[1]))
        << "src/rpc/api.cpp names \"" << (*it)[1]
        << "\" outside the route table: add the route to Api::table() and src/rpc/openapi.json";
  EXPECT_GE(seen, 8);
}

class OpenApiServerTest : public ServerTest {
 protected:
  struct Match {
    std::string path;            // the template
    const json* item = nullptr;  // its path item (operations by method)
    const json* op = nullptr;    // null: the path exists but not with this method
  };
  // The document's operation for a request, matched by its path templates.
  std::optional<Match> operation(const std::string& method, const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    std::string m = method;
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    for (auto& [tmpl, item] : document().at("paths").items()) {
      std::regex re("^" + std::regex_replace(tmpl, std::regex(R"(\{[^}]+\})"), "[^/]+") + "$");
      if (!std::regex_match(path, re)) continue;
      if (!item.contains(m)) return Match{tmpl, &item, nullptr};
      matched_.insert(tmpl + " " + method);
      return Match{tmpl, &item, &item[m]};
    }
    return std::nullopt;
  }

  // Calls and checks one request; returns the reply for the caller's own checks.
  Reply expect_conforms(const std::string& method, const std::string& target,
                        const std::string& body = "") {
    SCOPED_TRACE(method + " " + target);
    Reply r = call(method, target, body);
    auto match = operation(method, target);
    if (!match) {
      ADD_FAILURE() << "no path in the document";
      return r;
    }
    if (!match->op) {
      // A method the path does not have: 405 listing the documented ones.
      std::string allow;
      for (auto& [m, op] : match->item->items()) {
        std::string up = m;
        std::transform(up.begin(), up.end(), up.begin(), ::toupper);
        allow += (allow.empty() ? "" : ", ") + up;
      }
      expect_error(r, 405, "method_not_allowed");
      EXPECT_EQ(r.raw.header("Allow"), allow);
      return r;
    }
    const json* op = match->op;
    const std::string status = std::to_string(r.status);
    if (!op->at("responses").contains(status)) {
      ADD_FAILURE() << "status " << status << " not declared; body: " << r.raw.body;
      return r;
    }
    const json& declared = op->at("responses")[status];
    if (!declared.contains("content")) {
      ADD_FAILURE() << "status " << status << " declares no body";
      return r;
    }
    const std::string media = r.raw.content_type.substr(0, r.raw.content_type.find(';'));
    if (!declared["content"].contains(media)) {
      ADD_FAILURE() << "content type " << r.raw.content_type << " not declared for " << status;
      return r;
    }
    if (media == "application/json") {
      std::vector<std::string> errors;
      check(declared["content"][media]["schema"], r.body, "body", errors);
      for (const auto& e : errors) ADD_FAILURE() << e << "\n  in: " << r.raw.body.substr(0, 400);
    }
    statuses_[method + " " + match->path].insert(r.status);
    return r;
  }

  std::set<std::string> matched_;
  std::map<std::string, std::set<unsigned>> statuses_;
};

TEST_F(OpenApiServerTest, EveryRouteAnswersAsDocumented) {
  HttpServerConfig config;
  config.max_batch = 3;
  start(config);
  const chain::Tx t0 = transfer(alice_, 0, bob_addr_, 100);
  const chain::Tx t1 = transfer(alice_, 1, bob_addr_, 100);
  const chain::Tx gap = transfer(alice_, 7, bob_addr_, 100);
  const chain::Tx broke = transfer(bob_, 0, alice_addr_, 100);

  // POST /v1/txs
  EXPECT_EQ(expect_conforms("POST", "/v1/txs", json{{"tx", tx_hex(t0)}}.dump()).status, 200u);
  EXPECT_EQ(
      expect_conforms("POST", "/v1/txs", json{{"txs", {tx_hex(t1), "00", tx_hex(gap)}}}.dump())
          .status,
      200u);
  EXPECT_EQ(expect_conforms("POST", "/v1/txs", "{").status, 400u);
  EXPECT_EQ(expect_conforms("POST", "/v1/txs", json{{"tx", tx_hex(gap)}}.dump()).status, 409u);
  EXPECT_EQ(expect_conforms("POST", "/v1/txs", json{{"tx", tx_hex(broke)}}.dump()).status, 409u);
  EXPECT_EQ(
      expect_conforms("POST", "/v1/txs", json{{"txs", {"00", "00", "00", "00"}}}.dump()).status,
      413u);
  EXPECT_EQ(expect_conforms("GET", "/v1/txs").status, 405u);
  // GET /v1/txs/{hash}: pending, committed, bad, unknown
  EXPECT_EQ(expect_conforms("GET", "/v1/txs/" + t0.hash().hex()).status, 200u);
  chain_.commit_block();
  EXPECT_EQ(expect_conforms("GET", "/v1/txs/" + t0.hash().hex()).status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/txs/zz").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/txs/" + std::string(64, 'a')).status, 404u);
  // GET /v1/blocks/{height}
  for (const char* t : {"/v1/blocks/0", "/v1/blocks/1", "/v1/blocks/latest",
                        "/v1/blocks/1?txs=full&limit=1", "/v1/blocks/1?txs=hashes"})
    EXPECT_EQ(expect_conforms("GET", t).status, 200u) << t;
  EXPECT_EQ(expect_conforms("GET", "/v1/blocks/x").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/blocks/1?foo=1").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/blocks/99").status, 404u);
  EXPECT_EQ(expect_conforms("DELETE", "/v1/blocks/1").status, 405u);
  // GET /v1/accounts/{address}
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/" + alice_addr_.to_string()).status, 200u);
  const std::string nobody = Address::of(KeyPair::from_label("nobody").public_key()).to_string();
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/" + nobody).status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/wat1bad").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/" + nobody + "?prove=maybe").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/" + nobody + "?prove=true").status, 503u);
  // GET /v1/status, /v1/events (plain HTTP), /v1/openapi.json, /metrics
  EXPECT_EQ(expect_conforms("GET", "/v1/status").status, 200u);
  EXPECT_EQ(expect_conforms("POST", "/v1/status", "{}").status, 405u);
  EXPECT_EQ(expect_conforms("GET", "/v1/events").status, 426u);
  EXPECT_EQ(expect_conforms("GET", "/v1/events?account=wat1bad").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/openapi.json").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/metrics").status, 200u);
  // The market routes: first on a chain without a market (404 no_market),
  // then with JSON made by the ledger's own serialisers.
  const std::string bill_path = "/v1/accounts/" + alice_addr_.to_string() + "/bills/7";
  EXPECT_EQ(expect_conforms("GET", "/v1/market/params").status, 404u);
  modules::MarketParams mp;
  mp.operator_account = alice_addr_;
  mp.tax_account = bob_addr_;
  chain_.set_market(modules::to_json(mp));
  EXPECT_EQ(expect_conforms("GET", "/v1/market/params").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/market/slots/7").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/market/slots/x").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/" + alice_addr_.to_string() + "/orders").status,
            200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/wat1bad/orders").status, 400u);
  EXPECT_EQ(expect_conforms("GET", bill_path).status, 404u);
  modules::Bill bill;
  bill.bought = Energy(1'200);
  bill.net = Money(-300);
  chain_.set_bill(alice_addr_, 7, rpc::bill_json(alice_addr_, 7, bill));
  EXPECT_EQ(expect_conforms("GET", bill_path).status, 200u);
  EXPECT_EQ(expect_conforms("POST", bill_path, "{}").status, 405u);
  // A market tree: the slot's levels, one level, an unknown one, a bill's grid_fees.
  modules::MarketParams tree = mp;
  tree.markets.nodes = {{"district", "", "uniform", {}, 0, bob_addr_.to_string()},
                        {"street-a", "district", "uniform", {}, 5000, bob_addr_.to_string()}};
  chain_.set_market(modules::to_json(tree));
  modules::SlotRecord rec;
  rec.status = modules::SlotStatus::kClosed;
  rec.levels.resize(2);
  rec.trades.push_back(
      {market::kGrid, market::kGrid, Energy(5), Price(1), Price(1), 1, {{1, Money(25)}}});
  rec.book.push_back({Hash256{}, alice_addr_, market::Side::kSell, Energy(5), Price(1), 1, 0,
                      Money(0), Energy(5), Money(1)});
  chain_.set_slot(8, rpc::slot_json(tree, 8, rec.status, rec, {}, std::nullopt, {1u}));
  EXPECT_EQ(expect_conforms("GET", "/v1/market/slots/8").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/market/slots/8?market=street-a").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/market/slots/8?market=nowhere").status, 404u);
  bill.grid_fees = {{1, Money(25)}};
  chain_.set_bill(alice_addr_, 8, rpc::bill_json(alice_addr_, 8, bill, &tree));
  EXPECT_EQ(expect_conforms("GET", "/v1/accounts/" + alice_addr_.to_string() + "/bills/8").status,
            200u);
  chain_.set_market(modules::to_json(mp));
  // The certificates routes: without a certificates section, then with the
  // views made by their own serialisers (rpc/certificate_json.h).
  const std::string alice = alice_addr_.to_string();
  const std::string holdings = "/v1/certificates/holdings/" + alice;
  const std::string matching = "/v1/accounts/" + alice + "/matching";
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/params").status, 400u);
  const KeyPair meter = KeyPair::from_label("openapi-meter");
  modules::Bundle cancelled{
      meter.public_key(), modules::Technology::kSolar,       7, 100, Energy(40),
      alice_addr_,        modules::BundleStatus::kCancelled, 7};
  modules::Bundle active = cancelled;
  active.status = modules::BundleStatus::kActive;
  chain_.set_certificates([&](const rpc::CertificateRequest& r) -> Result<json> {
    using Kind = rpc::CertificateRequest::Kind;
    switch (r.kind) {
      case Kind::kParams:
        return modules::to_json(modules::CertParams{});
      case Kind::kBundle:
        if (r.bundle != 3) return Status(Code::kNotFound, "no bundle");
        return rpc::bundle_json(3, cancelled);
      case Kind::kDevice:
        if (r.meter != meter.public_key()) return Status(Code::kNotFound, "no device");
        return rpc::device_json(r.meter, {alice_addr_, modules::Technology::kWind, 5000, 7});
      case Kind::kHoldings: {
        std::optional<std::pair<uint64_t, uint64_t>> range;
        if (r.from) range = std::make_pair(*r.from, *r.to);
        return rpc::holdings_json(r.address, {{3, cancelled}, {4, active}}, range);
      }
      case Kind::kMatching:
        return rpc::matching_json(r.address, *r.from, *r.to, {{{7, 300, 40}}, 300, 40});
    }
    return Status(Code::kInternal, "unreachable");
  });
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/params").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/bundles/3").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/bundles/x").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/bundles/9").status, 404u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/devices/" + meter.public_key().hex()).status,
            200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/devices/zz").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/devices/" + std::string(64, 'a')).status,
            404u);
  EXPECT_EQ(expect_conforms("GET", holdings).status, 200u);
  EXPECT_EQ(expect_conforms("GET", holdings + "?from=1&to=9").status, 200u);
  EXPECT_EQ(expect_conforms("GET", holdings + "?slot=7").status, 200u);
  EXPECT_EQ(expect_conforms("GET", holdings + "?from=1").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/certificates/holdings/wat1bad").status, 400u);
  EXPECT_EQ(expect_conforms("GET", matching + "?from=1&to=9").status, 200u);
  EXPECT_EQ(expect_conforms("GET", matching).status, 400u);
  EXPECT_EQ(expect_conforms("POST", matching, "{}").status, 405u);

  // The staking routes: 404 no_staking, then the views of a real pos chain
  // whose genesis validator is delegated to (staking_json.h).
  EXPECT_EQ(expect_conforms("GET", "/v1/validators").status, 404u);
  EXPECT_EQ(expect_conforms("GET", "/v1/validators/changes").status, 404u);
  {
    wattle::testing::TestDir dir("openapi-staking");
    chain::Genesis g;
    g.chain_id = "openapi-staking";
    g.engine = chain::EngineKind::kBft;
    g.validators.push_back({alice_.public_key(), 5});
    g.balances.push_back({alice_addr_, Money(1'000'000)});
    g.staking.emplace().consensus = modules::ConsensusKind::kPos;
    auto store = chain::Store::open(dir.path().string());
    ASSERT_TRUE(store.is_ok());
    auto app = chain::Application::open(g, std::move(*store), {});
    ASSERT_TRUE(app.is_ok()) << app.status().to_string();
    auto v = rpc::validators_json(**app, std::nullopt);
    auto st = rpc::stake_json(**app, alice_addr_);
    ASSERT_TRUE(v.is_ok() && st.is_ok());
    EXPECT_EQ((*v)["validators"].size(), 1u);
    EXPECT_EQ((*st)["bonded"], 5);
    chain_.set_staking(*v, *st);
  }
  EXPECT_EQ(expect_conforms("GET", "/v1/validators").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/validators?height=3").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/validators?height=x").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/validators/changes").status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/validators/changes?height=3").status, 400u);
  EXPECT_EQ(expect_conforms("GET", "/v1/staking/" + alice_addr_.to_string()).status, 200u);
  EXPECT_EQ(expect_conforms("GET", "/v1/staking/wat1bad").status, 400u);

  // 503 mempool_full and 500 internal
  chain_.set_mempool_capacity(0);
  const chain::Tx t2 = transfer(alice_, 2, bob_addr_, 100);
  EXPECT_EQ(expect_conforms("POST", "/v1/txs", json{{"tx", tx_hex(t2)}}.dump()).status, 503u);
  chain_.set_throw_on_status(true);
  EXPECT_EQ(expect_conforms("GET", "/v1/status").status, 500u);

  // Every documented route was exercised, each with a success.
  for (const auto& [method, path] : documented_routes())
    EXPECT_TRUE(matched_.count(path + " " + method)) << method << " " << path << " not exercised";
  for (const auto& [route, seen] : statuses_)
    if (route != "GET /v1/events") EXPECT_TRUE(seen.count(200)) << route << " never answered 200";
}

TEST_F(OpenApiServerTest, EventStreamMessagesMatchTheEventSchema) {
  start();
  auto stream = EventClient::connect("127.0.0.1", server_->port(),
                                     "/v1/events?account=" + bob_addr_.to_string());
  ASSERT_TRUE(stream.is_ok()) << stream.status().to_string();
  Reply r = call("POST", "/v1/txs", json{{"tx", tx_hex(transfer(alice_, 0, bob_addr_, 5))}}.dump());
  ASSERT_EQ(r.status, 200u);
  chain_.commit_block();
  const json schema = {{"$ref", "#/components/schemas/Event"}};
  for (const char* type : {"block", "tx"}) {
    auto m = stream->next(5s);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    const json j = json::parse(*m);
    EXPECT_EQ(j["type"], type);
    std::vector<std::string> errors;
    check(schema, j, type, errors);
    for (const auto& e : errors) ADD_FAILURE() << e << "\n  in: " << *m;
  }
  // The market's and the certificates' messages: the community-wide kinds
  // (slots, issuance) over the (filtered) stream, the ones from a tx
  // (alice's, so not sent to bob) from event_json itself.
  const chain::Block b = chain_.block(1).value();
  using Kind = chain::Event::Kind;
  std::vector<chain::Event> market;
  for (Kind kind :
       {Kind::kSlotCleared, Kind::kSlotSettled, Kind::kOrderPlaced, Kind::kReadingPosted,
        Kind::kCertificatesIssued, Kind::kCertificateTransferred, Kind::kCertificateCancelled})
    market.push_back({0, kind, 1, b.txs.at(0).hash(), 0, Code::kOk, 12});
  chain_.bus().publish(market);
  for (const chain::Event& e : market) {
    json j = event_json(e, b).value();
    if (e.kind == Kind::kSlotCleared || e.kind == Kind::kSlotSettled ||
        e.kind == Kind::kCertificatesIssued) {
      auto m = stream->next(5s);
      ASSERT_TRUE(m.is_ok()) << m.status().to_string();
      j = json::parse(*m);
    }
    const std::string type = j.value("type", "?");
    std::vector<std::string> errors;
    check(schema, j, type, errors);
    for (const auto& err : errors) ADD_FAILURE() << err << "\n  in: " << j;
  }
  // The checker itself rejects what it must, or the checks above prove nothing.
  std::vector<std::string> errors;
  check(schema, json{{"type", "tx"}, {"seq", -1}}, "bad", errors);
  EXPECT_GE(errors.size(), 1u);
  errors.clear();
  check({{"$ref", "#/components/schemas/Status"}},
        json::parse(R"({"chain_id":"c","height":"1","last_block_hash":"00","state_root":"x",
          "last_block_time_ms":1,"mempool_size":0,"txs_committed":0,"validator":"ab",
          "halted":false,"extra":1})"),
        "status", errors);
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  EXPECT_NE(all.find("status.height: want integer"), std::string::npos) << all;
  EXPECT_NE(all.find("status.last_block_hash: does not match"), std::string::npos) << all;
  EXPECT_NE(all.find("undeclared property \"extra\""), std::string::npos) << all;
}

}  // namespace
}  // namespace wattle::rpc::testing
