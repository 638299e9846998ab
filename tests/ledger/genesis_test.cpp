// Genesis JSON: strict parsing (every rejection is kMalformed or kOverflow),
// to_json/from_json round trip, and a hash that ignores formatting but
// commits to every field.
#include "chain/genesis.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <nlohmann/json.hpp>

#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using nlohmann::json;
using testing::make_genesis;
using testing::user_addr;
using testing::user_key;

json valid_json() {
  return json::parse(R"({"chain_id": "wattle-local", "genesis_time_ms": 5, "block_interval_ms": 250,
    "validators": [{"public_key": ")" +
                     user_key(0).public_key().hex() + R"(", "power": 3}],
    "balances": [{"address": ")" +
                     user_addr(1).to_string() + R"(", "amount": 1000},
                 {"address": ")" +
                     user_addr(2).to_string() + R"(", "amount": 7}]})");
}

Code parse_code(const json& j) {
  return Genesis::from_json(j.dump()).status().code();
}

void expect_same(const Genesis& a, const Genesis& b) {
  EXPECT_EQ(a.chain_id, b.chain_id);
  EXPECT_EQ(a.genesis_time_ms, b.genesis_time_ms);
  EXPECT_EQ(a.block_interval_ms, b.block_interval_ms);
  ASSERT_EQ(a.validators.size(), b.validators.size());
  for (size_t i = 0; i < a.validators.size(); ++i) {
    EXPECT_EQ(a.validators[i].public_key, b.validators[i].public_key);
    EXPECT_EQ(a.validators[i].power, b.validators[i].power);
  }
  EXPECT_EQ(a.balances, b.balances);
  EXPECT_EQ(a.hash(), b.hash());
}

TEST(Genesis, ParsesAValidDocument) {
  auto g = Genesis::from_json(valid_json().dump());
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  EXPECT_EQ(g->chain_id, "wattle-local");
  EXPECT_EQ(g->genesis_time_ms, 5u);
  EXPECT_EQ(g->block_interval_ms, 250u);
  ASSERT_EQ(g->validators.size(), 1u);
  EXPECT_EQ(g->validators[0].public_key, user_key(0).public_key());
  EXPECT_EQ(g->validators[0].power, 3u);
  ASSERT_EQ(g->balances.size(), 2u);
  EXPECT_EQ(g->balances[0], std::make_pair(user_addr(1), Money(1000)));
  EXPECT_EQ(g->initial_state().get(user_addr(2)), (Account{Money(7), 0}));
}

TEST(Genesis, OptionalFieldsTakeTheirDefaults) {
  json j = valid_json();
  j.erase("genesis_time_ms");
  j.erase("block_interval_ms");
  j.erase("balances");
  j["validators"][0].erase("power");
  auto g = Genesis::from_json(j.dump());
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  EXPECT_EQ(g->genesis_time_ms, 0u);
  EXPECT_EQ(g->block_interval_ms, 200u);
  EXPECT_EQ(g->validators[0].power, 1u);
  EXPECT_TRUE(g->balances.empty());
}

TEST(Genesis, GarbageIsMalformed) {
  for (const char* text :
       {"", "{", "null", "[]", "42", "\"genesis\"", "{\"chain_id\": }", "{} trailing", "\xff\xfe"})
    EXPECT_EQ(Genesis::from_json(text).status().code(), Code::kMalformed) << text;
}

TEST(Genesis, UnknownFieldsAreMalformedAtEveryLevel) {
  json top = valid_json();
  top["extra"] = 1;
  EXPECT_EQ(parse_code(top), Code::kMalformed);
  json validator = valid_json();
  validator["validators"][0]["stake"] = 1;
  EXPECT_EQ(parse_code(validator), Code::kMalformed);
  json balance = valid_json();
  balance["balances"][1]["memo"] = "x";
  EXPECT_EQ(parse_code(balance), Code::kMalformed);
}

TEST(Genesis, WrongTypesAreMalformed) {
  std::vector<std::pair<json::json_pointer, json>> cases = {
      {json::json_pointer("/chain_id"), 5},
      {json::json_pointer("/genesis_time_ms"), "5"},
      {json::json_pointer("/genesis_time_ms"), -1},
      {json::json_pointer("/genesis_time_ms"), 1.5},
      {json::json_pointer("/block_interval_ms"), true},
      {json::json_pointer("/validators"), json::object()},
      {json::json_pointer("/validators/0"), "key"},
      {json::json_pointer("/validators/0/public_key"), 1},
      {json::json_pointer("/validators/0/power"), "1"},
      {json::json_pointer("/validators/0/power"), -3},
      {json::json_pointer("/balances"), json::object()},
      {json::json_pointer("/balances/0"), json::array()},
      {json::json_pointer("/balances/0/address"), json::array()},
      {json::json_pointer("/balances/0/amount"), "1000"},
      {json::json_pointer("/balances/0/amount"), -1000},
      {json::json_pointer("/balances/0/amount"), 1000.0},
      {json::json_pointer("/balances/0/amount"), nullptr},
  };
  for (const auto& [ptr, value] : cases) {
    json j = valid_json();
    j[ptr] = value;
    EXPECT_EQ(parse_code(j), Code::kMalformed) << ptr.to_string() << " = " << value.dump();
  }
}

TEST(Genesis, MissingRequiredFieldsAreMalformed) {
  for (const char* field : {"chain_id", "validators"}) {
    json j = valid_json();
    j.erase(field);
    EXPECT_EQ(parse_code(j), Code::kMalformed) << field;
  }
  json no_key = valid_json();
  no_key["validators"][0].erase("public_key");
  EXPECT_EQ(parse_code(no_key), Code::kMalformed);
  json no_amount = valid_json();
  no_amount["balances"][0].erase("amount");
  EXPECT_EQ(parse_code(no_amount), Code::kMalformed);
  json no_address = valid_json();
  no_address["balances"][0].erase("address");
  EXPECT_EQ(parse_code(no_address), Code::kMalformed);
}

TEST(Genesis, EveryOneCharacterTypoInAnAddressIsRejected) {
  const std::string good = user_addr(1).to_string();
  const std::string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : charset) {
      if (c == good[i]) continue;
      std::string typo = good;
      typo[i] = c;
      json j = valid_json();
      j["balances"][0]["address"] = typo;
      EXPECT_EQ(parse_code(j), Code::kMalformed) << typo;
    }
  }
  json missing = valid_json();
  missing["balances"][0]["address"] = good.substr(0, good.size() - 1);
  EXPECT_EQ(parse_code(missing), Code::kMalformed);
}

TEST(Genesis, BadPublicKeyHexIsMalformed) {
  for (const std::string& bad : {std::string("zz"), std::string(62, 'a'), std::string(66, 'a'),
                                 std::string(63, 'a') + "g"}) {
    json j = valid_json();
    j["validators"][0]["public_key"] = bad;
    EXPECT_EQ(parse_code(j), Code::kMalformed) << bad;
  }
}

TEST(Genesis, DuplicateAddressIsMalformed) {
  json j = valid_json();
  j["balances"][1]["address"] = j["balances"][0]["address"];
  EXPECT_EQ(parse_code(j), Code::kMalformed);
}

TEST(Genesis, ZeroOrOversizedAmountIsMalformed) {
  json zero = valid_json();
  zero["balances"][0]["amount"] = 0;
  EXPECT_EQ(parse_code(zero), Code::kMalformed);
  json huge = valid_json();
  huge["balances"][0]["amount"] = static_cast<uint64_t>(INT64_MAX) + 1;
  EXPECT_EQ(parse_code(huge), Code::kMalformed);
}

TEST(Genesis, TotalSupplyOverflowIsOverflow) {
  json j = valid_json();
  j["balances"][0]["amount"] = INT64_MAX;
  j["balances"][1]["amount"] = 1;
  EXPECT_EQ(parse_code(j), Code::kOverflow);
  j["balances"][1]["amount"] = 0;  // still rejected, for the zero
  EXPECT_EQ(parse_code(j), Code::kMalformed);
  json max = valid_json();  // INT64_MAX alone fits
  max["balances"] = json::array({max["balances"][0]});
  max["balances"][0]["amount"] = INT64_MAX;
  EXPECT_TRUE(Genesis::from_json(max.dump()).is_ok());
}

TEST(Genesis, ZeroPowerAndEmptyValidatorsAreMalformed) {
  json zero = valid_json();
  zero["validators"][0]["power"] = 0;
  EXPECT_EQ(parse_code(zero), Code::kMalformed);
  json empty = valid_json();
  empty["validators"] = json::array();
  EXPECT_EQ(parse_code(empty), Code::kMalformed);
}

TEST(Genesis, ChainIdMustHave1To64Characters) {
  json empty = valid_json();
  empty["chain_id"] = "";
  EXPECT_EQ(parse_code(empty), Code::kMalformed);
  json over = valid_json();
  over["chain_id"] = std::string(kMaxChainIdLength + 1, 'c');
  EXPECT_EQ(parse_code(over), Code::kMalformed);
  json at = valid_json();
  at["chain_id"] = std::string(kMaxChainIdLength, 'c');
  EXPECT_TRUE(Genesis::from_json(at.dump()).is_ok());
}

TEST(Genesis, BlockIntervalOutOfRangeIsMalformed) {
  for (uint64_t ms : {uint64_t{0}, uint64_t{3'600'001}}) {
    json j = valid_json();
    j["block_interval_ms"] = ms;
    EXPECT_EQ(parse_code(j), Code::kMalformed) << ms;
  }
}

// A validator listed twice would count its power twice in every vote tally.
TEST(Genesis, DuplicateValidatorKeyIsMalformed) {
  json j = valid_json();
  j["validators"].push_back(j["validators"][0]);
  EXPECT_EQ(parse_code(j), Code::kMalformed);
}

TEST(Genesis, HashIgnoresFormattingAndKeyOrder) {
  const json j = valid_json();
  Hash256 h = Genesis::from_json(j.dump()).value().hash();
  EXPECT_EQ(Genesis::from_json(j.dump(4)).value().hash(), h);
  EXPECT_EQ(Genesis::from_json("\n\t " + j.dump(1) + " \n").value().hash(), h);
  // Keys in reverse order (nlohmann sorts keys, so write this one by hand).
  std::string reversed =
      R"({"balances": )" + j["balances"].dump() + R"(, "validators": )" + j["validators"].dump() +
      R"(, "block_interval_ms": 250, "genesis_time_ms": 5, "chain_id": "wattle-local"})";
  EXPECT_EQ(Genesis::from_json(reversed).value().hash(), h);
}

TEST(Genesis, HashCommitsToEveryField) {
  const Genesis base = Genesis::from_json(valid_json().dump()).value();
  auto differs = [&](auto mutate) {
    Genesis g = base;
    mutate(g);
    return g.hash() != base.hash();
  };
  EXPECT_TRUE(differs([](Genesis& g) { g.chain_id += "x"; }));
  EXPECT_TRUE(differs([](Genesis& g) { g.genesis_time_ms++; }));
  EXPECT_TRUE(differs([](Genesis& g) { g.block_interval_ms++; }));
  EXPECT_TRUE(differs([](Genesis& g) { g.validators[0].power++; }));
  EXPECT_TRUE(differs([](Genesis& g) { g.validators[0].public_key.bytes[0] ^= 1; }));
  EXPECT_TRUE(differs([](Genesis& g) { g.balances[0].second = Money(999); }));
  EXPECT_TRUE(differs([](Genesis& g) { g.balances.pop_back(); }));
  EXPECT_TRUE(differs([](Genesis& g) { g.validators.push_back({user_key(9).public_key(), 1}); }));
}

TEST(Genesis, ToJsonFromJsonRoundTripsTheTestGenesis) {
  Genesis g = make_genesis(5, 123'456);
  auto back = Genesis::from_json(g.to_json());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  expect_same(g, *back);
  EXPECT_EQ(back->to_json(), g.to_json());
}

TEST(Genesis, ChainIdMustBePrintableAsciiWithoutSpaces) {
  for (std::string bad : {std::string("my chain"), std::string("tab\there"),
                          std::string("caf\xc3\xa9"), std::string("\xff\xfe")}) {
    json j = valid_json();
    Genesis g = *Genesis::from_json(j.dump());
    g.chain_id = bad;
    std::string text;
    ASSERT_NO_THROW(text = g.to_json()) << bad;  // never throws, even on invalid UTF-8
    EXPECT_EQ(Genesis::from_json(text).status().code(), Code::kMalformed) << bad;
  }
}

RC_GTEST_PROP(GenesisProperty, ToJsonFromJsonRoundTrips, ()) {
  Genesis g;
  // The length is drawn explicitly inside the domain from_json accepts: a
  // size-bounded nonEmpty() retries with a growing size and could exceed it.
  const auto length = *rc::gen::inRange<size_t>(1, kMaxChainIdLength + 1);
  g.chain_id = *rc::gen::container<std::string>(length, rc::gen::inRange<char>(0x21, 0x7f));
  g.genesis_time_ms = *rc::gen::arbitrary<uint64_t>();
  g.block_interval_ms = *rc::gen::inRange<uint64_t>(1, 3'600'001);
  // Inside the domain again: "single" takes exactly one validator, and the
  // powers add up to at most 2^60.
  const int validators = *rc::gen::inRange(1, 5);
  g.engine = validators > 1 || *rc::gen::arbitrary<bool>() ? EngineKind::kBft : EngineKind::kSingle;
  for (int i = 0; i < validators; ++i)
    g.validators.push_back(
        {user_key(i).public_key(), *rc::gen::inRange<uint64_t>(1, Genesis::kMaxTotalPower / 4)});
  const int balances = *rc::gen::inRange(0, 6);
  for (int i = 0; i < balances; ++i)
    g.balances.push_back({user_addr(i), Money(*rc::gen::inRange<int64_t>(1, INT64_MAX / 8))});
  auto back = Genesis::from_json(g.to_json());
  RC_ASSERT(back.is_ok());
  RC_ASSERT(back->hash() == g.hash());
  RC_ASSERT(back->chain_id == g.chain_id);
  RC_ASSERT(back->engine == g.engine);
  RC_ASSERT(back->balances == g.balances);
  RC_ASSERT(back->initial_state().root() == g.initial_state().root());
}

// The engine field: default "single" with exactly one validator; "bft" (and
// "pow", whose own checks are in tests/node/pow_node_test.cpp) for any set;
// anything else, a second validator under "single", and powers over 2^60 in
// total are refused.
TEST(Genesis, EngineAndValidatorSetAreChecked) {
  json j = valid_json();
  EXPECT_EQ(Genesis::from_json(j.dump())->engine, EngineKind::kSingle);
  j["engine"] = "bft";
  EXPECT_EQ(Genesis::from_json(j.dump())->engine, EngineKind::kBft);
  j["validators"].push_back({{"public_key", user_key(7).public_key().hex()}, {"power", 3}});
  ASSERT_TRUE(Genesis::from_json(j.dump()).is_ok());
  for (const json& engine : {json("single"), json("nakamoto"), json(1), json(nullptr)}) {
    json bad = j;
    bad["engine"] = engine;
    auto g = Genesis::from_json(bad.dump());
    EXPECT_EQ(g.status().code(), Code::kMalformed) << engine.dump();
  }
  json over = j;
  over["validators"][0]["power"] = Genesis::kMaxTotalPower;
  EXPECT_EQ(Genesis::from_json(over.dump()).status().code(), Code::kMalformed);
  json dup = j;
  dup["validators"].push_back(dup["validators"][0]);
  EXPECT_EQ(Genesis::from_json(dup.dump()).status().code(), Code::kMalformed);
  json zero = j;
  zero["validators"][1]["power"] = 0;
  EXPECT_EQ(Genesis::from_json(zero.dump()).status().code(), Code::kMalformed);
  // The engine is part of the chain's identity.
  Genesis single = *Genesis::from_json(valid_json().dump());
  Genesis bft = single;
  bft.engine = EngineKind::kBft;
  EXPECT_NE(single.hash(), bft.hash());
}

// A chain id that is not UTF-8 cannot be written as JSON. `wattle init
// --chain-id` passes user bytes straight into a Genesis, so to_json must not
// throw (nlohmann's dump throws type_error 316 by default) across the
// Status-returning init path; the parser can then refuse what it wrote.
TEST(Genesis, NonUtf8ChainIdDoesNotThrowFromToJson) {
  Genesis g = make_genesis(1, 5, "chain-\xff");
  std::string text;
  EXPECT_NO_THROW(text = g.to_json());
  auto back = Genesis::from_json(text);
  EXPECT_TRUE(!back.is_ok() || back->hash() != g.hash())
      << "a lossy round trip must be detectable by hash";
}

TEST(Genesis, BlockZeroCommitsToTheGenesisAndItsState) {
  Genesis g = make_genesis(3, 50);
  Block b = g.block();
  EXPECT_EQ(b.header.height, 0u);
  EXPECT_EQ(b.header.prev_hash, g.hash());
  EXPECT_EQ(b.header.time_ms, g.genesis_time_ms);
  EXPECT_TRUE(b.txs.empty());
  EXPECT_EQ(b.header.tx_count, 0u);
  EXPECT_EQ(b.header.tx_root, compute_tx_root({}));
  EXPECT_EQ(b.header.state_root, g.initial_state().root());
  EXPECT_TRUE(decode_block(encode_to_bytes(b)).is_ok());
  EXPECT_EQ(testing::total(g.initial_state()), 150);
  Genesis other = make_genesis(3, 50, "another-chain");
  EXPECT_NE(other.block().header.hash(), b.header.hash());
}

}  // namespace
}  // namespace wattle::chain
