#include "market/io/book_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "market/registry.h"

namespace wattle::market {
namespace {

// Each bad input: its code, and words the message must contain (the entry
// and the field).
struct Bad {
  const char* name;
  std::string text;
  Code code;
  std::vector<std::string> mentions;
};

std::string book_with(const std::string& entry) {
  return R"({"orders": [{"id": "s1", "side": "sell", "energy_wh": 100, "price": 1}, )" + entry +
         "]}";
}

class BadBook : public ::testing::TestWithParam<Bad> {};

TEST_P(BadBook, RejectedWithEntryAndField) {
  const Bad& c = GetParam();
  BookLimits limits;
  limits.max_entries = 3;
  auto r = parse_book(c.text, limits);
  ASSERT_FALSE(r) << c.name;
  EXPECT_EQ(r.status().code(), c.code) << r.status().to_string();
  for (const std::string& m : c.mentions)
    EXPECT_NE(r.status().message().find(m), std::string::npos)
        << c.name << ": \"" << r.status().message() << "\" lacks " << m;
}

INSTANTIATE_TEST_SUITE_P(
    Market, BadBook,
    ::testing::Values(
        Bad{"invalid_json", R"({"orders": [)", Code::kMalformed, {"invalid JSON"}},
        Bad{"trailing_garbage", R"({"orders": []} x)", Code::kMalformed, {"invalid JSON"}},
        Bad{"not_an_object", R"([1, 2])", Code::kMalformed, {"book"}},
        Bad{"unknown_top_field", R"({"orders": [], "slot": 3})", Code::kMalformed, {"slot"}},
        Bad{"missing_orders", R"({})", Code::kMalformed, {"orders"}},
        Bad{"orders_not_array", R"({"orders": 5})", Code::kMalformed, {"orders"}},
        Bad{"unknown_field",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "colour": 1})"),
            Code::kMalformed,
            {"order \"b1\"", "colour"}},
        Bad{"unknown_field_in_cancel",
            book_with(R"({"id": "c1", "cancel": "s1", "side": "buy"})"),
            Code::kMalformed,
            {"cancel \"c1\"", "side"}},
        Bad{"missing_id",
            book_with(R"({"side": "buy", "energy_wh": 1, "price": 1})"),
            Code::kMalformed,
            {"orders[1]", "id"}},
        Bad{"missing_price",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1})"),
            Code::kMalformed,
            {"order \"b1\"", "price"}},
        Bad{"missing_side",
            book_with(R"({"id": "b1", "energy_wh": 1, "price": 1})"),
            Code::kMalformed,
            {"order \"b1\"", "side"}},
        Bad{"float_energy",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1500.5, "price": 1})"),
            Code::kMalformed,
            {"order \"b1\"", "energy_wh", "integer", "float"}},
        Bad{"float_integral_price",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 2.0})"),
            Code::kMalformed,
            {"order \"b1\"", "price", "float"}},
        Bad{"exponent_price",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1e5})"),
            Code::kMalformed,
            {"order \"b1\"", "price"}},
        Bad{"string_price",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": "250000"})"),
            Code::kMalformed,
            {"order \"b1\"", "price", "string"}},
        Bad{"bool_energy",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": true, "price": 1})"),
            Code::kMalformed,
            {"order \"b1\"", "energy_wh"}},
        Bad{"numeric_id",
            book_with(R"({"id": 7, "side": "buy", "energy_wh": 1, "price": 1})"),
            Code::kMalformed,
            {"orders[1]", "id"}},
        Bad{"float_time",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "time": 0.5})"),
            Code::kMalformed,
            {"order \"b1\"", "time"}},
        Bad{"negative_time",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "time": -1})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "time"}},
        Bad{"duplicate_id",
            book_with(R"({"id": "s1", "side": "buy", "energy_wh": 1, "price": 1})"),
            Code::kDuplicate,
            {"order \"s1\"", "duplicate id"}},
        Bad{"duplicate_cancel_id",
            book_with(R"({"id": "s1", "cancel": "s1"})"),
            Code::kDuplicate,
            {"cancel \"s1\"", "id"}},
        Bad{"duplicate_key",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "price": 2})"),
            Code::kMalformed,
            {"orders[1]", "duplicate field \"price\""}},
        Bad{"zero_energy",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 0, "price": 1})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "energy_wh"}},
        Bad{"negative_energy",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": -5, "price": 1})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "energy_wh"}},
        Bad{"negative_price",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 5, "price": -1})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "price"}},
        Bad{"energy_over_max",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1000000001, "price": 1})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "energy_wh", "maximum"}},
        Bad{"price_over_max",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1000000000001})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "price", "maximum"}},
        Bad{"price_over_uint64",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 99999999999999999999999})"),
            Code::kMalformed,
            {"order \"b1\"", "price"}},
        Bad{"green_over_100",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "green_pct": 101})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "green_pct"}},
        Bad{"location_shape",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "location": [1]})"),
            Code::kMalformed,
            {"order \"b1\"", "location"}},
        Bad{"location_float",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "location": [1, 2.5]})"),
            Code::kMalformed,
            {"order \"b1\"", "location"}},
        Bad{"unknown_side",
            book_with(R"({"id": "b1", "side": "bid", "energy_wh": 1, "price": 1})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "side", "bid"}},
        Bad{"cancel_unknown_id",
            book_with(R"({"id": "c1", "cancel": "zz"})"),
            Code::kNotFound,
            {"cancel \"c1\"", "cancel", "zz"}},
        Bad{"cancel_not_string",
            book_with(R"({"id": "c1", "cancel": 3})"),
            Code::kMalformed,
            {"cancel \"c1\"", "cancel"}},
        Bad{"empty_id",
            book_with(R"({"id": "", "side": "buy", "energy_wh": 1, "price": 1})"),
            Code::kInvalidArgument,
            {"order #1", "id"}},
        Bad{"reserved_grid_id",
            book_with(R"({"id": "grid", "side": "buy", "energy_wh": 1, "price": 1})"),
            Code::kInvalidArgument,
            {"order \"grid\"", "id"}},
        Bad{"long_id",
            book_with(R"({"id": ")" + std::string(65, 'x') +
                      R"(", "side": "buy", "energy_wh": 1, "price": 1})"),
            Code::kInvalidArgument,
            {"order \"xxx", "id"}},
        Bad{"too_deep", R"({"orders": [{"id": [[[1]]]}]})", Code::kMalformed, {"orders[0]"}},
        Bad{"over_max_size",
            R"({"orders": [{"id": "a", "side": "buy", "energy_wh": 1, "price": 1},
                           {"id": "b", "side": "buy", "energy_wh": 1, "price": 1},
                           {"id": "c", "side": "buy", "energy_wh": 1, "price": 1},
                           {"id": "d", "side": "buy", "energy_wh": 1, "price": 1}]})",
            Code::kTooLarge,
            {"orders", "maximum of 3"}},
        // The entry limit stops the first pass at the 4th entry: what follows
        // (here invalid JSON) is never read.
        Bad{"over_max_size_stops_early",
            R"({"orders": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {{{)",
            Code::kTooLarge,
            {"orders", "maximum of 3"}},
        Bad{"owner_empty",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "owner": ""})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "owner must be 1..64 bytes"}},
        Bad{"owner_too_long",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "owner": ")" +
                      std::string(65, 'o') + R"("})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "owner must be 1..64 bytes"}},
        Bad{"owner_not_string",
            book_with(R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "owner": 7})"),
            Code::kMalformed,
            {"order \"b1\"", "owner must be a string"}},
        Bad{"partners_not_list",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "partners": "bob"})"),
            Code::kMalformed,
            {"order \"b1\"", "partners must be a list of owners"}},
        Bad{"partners_not_owners",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "partners": [1]})"),
            Code::kMalformed,
            {"order \"b1\"", "partners[0] must be a string"}},
        Bad{"partners_own_owner",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "owner": "al", "partners": ["bo", "al"]})"),
            Code::kInvalidArgument,
            {"order \"b1\"", "partners[1] names the order's own owner"}},
        Bad{"require_green_on_sell",
            book_with(
                R"({"id": "s2", "side": "sell", "energy_wh": 1, "price": 1, "require_green": true})"),
            Code::kInvalidArgument,
            {"order \"s2\"", "require_green is for buy orders only"}},
        Bad{"require_green_not_bool",
            book_with(
                R"({"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "require_green": 1})"),
            Code::kMalformed,
            {"order \"b1\"", "require_green must be true or false"}}),
    [](const ::testing::TestParamInfo<Bad>& info) { return std::string(info.param.name); });

TEST(BookJson, InputOverTheSizeCapIsRefusedUnread) {
  BookLimits limits;
  limits.max_input_bytes = 10;
  auto r = parse_book(R"({"orders": []}  )", limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  EXPECT_NE(r.status().message().find("over the size cap of 10 bytes"), std::string::npos);
}

TEST(BookJson, OwnerPartnersRequireGreenRead) {
  auto r = parse_book(R"({"orders": [
      {"id": "b1", "side": "buy", "energy_wh": 1, "price": 1, "owner": "0xab",
       "partners": ["0xcd"], "require_green": true}]})");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->orders[0].owner, "0xab");
  EXPECT_EQ(r->orders[0].partners, std::vector<std::string>{"0xcd"});
  EXPECT_TRUE(r->orders[0].require_green);
}

TEST(BookJson, ParsesTheIssueExample) {
  auto r = parse_book(R"({"orders": [
      {"id": "b1", "side": "buy",  "energy_wh": 1500, "price": 250000},
      {"id": "s1", "side": "sell", "energy_wh": 2000, "price": 80000, "time": 2,
       "location": [120, 40], "green_pct": 100},
      {"id": "c1", "cancel": "b1", "time": 3}
    ]})");
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_EQ(r->orders.size(), 2u);
  ASSERT_EQ(r->cancels.size(), 1u);
  EXPECT_EQ(r->orders[0].time, 0u);  // default: position
  EXPECT_EQ(r->orders[1].time, 2u);
  EXPECT_EQ(r->orders[1].side, Side::kSell);
  EXPECT_EQ(r->orders[1].location, (Location{120, 40}));
  EXPECT_EQ(r->orders[1].green_pct, 100);
  EXPECT_EQ(r->cancels[0].target, "b1");
  EXPECT_EQ(r->cancels[0].time, 3u);
  EXPECT_EQ(r->cancels[0].orders_before, 2u);
}

TEST(BookJson, EmptyBookClearsToNothing) {
  auto out = clear_book_text("uniform", {}, R"({"orders": []})");
  ASSERT_TRUE(out) << out.status().to_string();
  EXPECT_EQ(*out,
            "{\"mechanism\": \"uniform\", \"clearing_price\": null,\n \"trades\": [],\n"
            " \"fills\": [],\n \"totals\": {\"energy_wh\": 0, \"buyers_pay\": 0, "
            "\"sellers_get\": 0, \"grid_net\": 0, \"surplus\": 0}}\n");
}

TEST(BookJson, ClearTextWritesTheOutputFormat) {
  auto out = clear_book_text("uniform", {"k=500000"}, R"({"orders": [
      {"id": "b1", "side": "buy",  "energy_wh": 1500, "price": 250000},
      {"id": "s1", "side": "sell", "energy_wh": 2000, "price": 110000}]})");
  ASSERT_TRUE(out) << out.status().to_string();
  EXPECT_EQ(*out,
            "{\"mechanism\": \"uniform\", \"clearing_price\": 110000,\n"
            " \"trades\": [\n"
            "  {\"buy\": \"b1\", \"sell\": \"s1\", \"energy_wh\": 1500, \"buy_price\": 110000, "
            "\"sell_price\": 110000}\n ],\n"
            " \"fills\": [\n"
            "  {\"id\": \"b1\", \"energy_wh\": 1500, \"amount\": 165000},\n"
            "  {\"id\": \"s1\", \"energy_wh\": 1500, \"amount\": 165000}\n ],\n"
            " \"totals\": {\"energy_wh\": 1500, \"buyers_pay\": 165000, \"sellers_get\": 165000, "
            "\"grid_net\": 0, \"surplus\": 0}}\n");
  // The output is JSON that round-trips through a JSON parser.
  EXPECT_TRUE(nlohmann::json::accept(*out));
}

TEST(BookJson, GridCounterpartyIsNamedGrid) {
  Book b;
  Order o;
  o.id = "b1";
  o.energy = Energy(1000);
  o.price = Price(200);
  b.orders.push_back(o);
  Clearing c;
  c.mechanism = "x";
  c.trades.push_back(Trade{0, kGrid, Energy(1000), Price(200), Price(200)});
  EXPECT_NE(clearing_to_json(b, c).find("\"sell\": \"grid\""), std::string::npos);
}

TEST(BookJson, UnknownMechanismAndParameters) {
  const std::string book = R"({"orders": []})";
  auto r = clear_book_text("vickrey", {}, book);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("unknown mechanism \"vickrey\""), std::string::npos);
  r = clear_book_text("uniform", {"z=1"}, book);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("unknown parameter \"z\""), std::string::npos);
  r = clear_book_text("uniform", {"k=2000000"}, book);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("\"k\""), std::string::npos);
  EXPECT_NE(r.status().message().find("out of range"), std::string::npos);
  for (const char* bad : {"k", "=5", "k=", "k=0.5", "k=12x", "k=99999999999999999999"}) {
    r = clear_book_text("uniform", {bad}, book);
    EXPECT_FALSE(r) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  r = clear_book_text("uniform", {"k=1", "k=2"}, book);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("twice"), std::string::npos);
  // cda declares no parameters of its own, only the grid tariffs.
  r = clear_book_text("cda", {"k=1"}, book);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("accepts: grid_buy, grid_sell"), std::string::npos);
}

TEST(BookJson, BadBookBeatsAValidMechanism) {
  auto r = clear_book_text("uniform", {}, R"({"orders": [{"id": "b1"}]})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("order \"b1\""), std::string::npos);
}

}  // namespace
}  // namespace wattle::market
