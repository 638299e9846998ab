// Api without sockets: status mapping and input the HTTP layer never shapes.
#include "rpc/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_chain_service.h"

namespace wattle::rpc::testing {
namespace {

using nlohmann::json;

TEST(Api, LedgerCodesMapToFittingHttpStatuses) {
  EXPECT_EQ(error_http_status(Code::kMalformed), 400u);
  EXPECT_EQ(error_http_status(Code::kBadSignature), 400u);
  EXPECT_EQ(error_http_status(Code::kWrongChain), 400u);
  EXPECT_EQ(error_http_status(Code::kInvalidArgument), 400u);
  EXPECT_EQ(error_http_status(Code::kNonceReplay), 409u);
  EXPECT_EQ(error_http_status(Code::kNonceGap), 409u);
  EXPECT_EQ(error_http_status(Code::kInsufficientFunds), 409u);
  EXPECT_EQ(error_http_status(Code::kDuplicate), 409u);
  EXPECT_EQ(error_http_status(Code::kNotFound), 404u);
  EXPECT_EQ(error_http_status(Code::kTooLarge), 413u);
  EXPECT_EQ(error_http_status(Code::kMempoolFull), 503u);
  EXPECT_EQ(error_http_status(Code::kUnavailable), 503u);
  EXPECT_EQ(error_http_status(Code::kUnauthorized), 401u);
  EXPECT_EQ(error_http_status(Code::kInternal), 500u);
  EXPECT_EQ(error_http_status(Code::kCorruption), 500u);
}

TEST(Api, BinaryGarbageInTargetsAndBodiesGivesJsonErrors) {
  FakeChainService chain;
  Api api(chain);
  std::string nasty = std::string("\xff\x00\xc3(", 4) + std::string(10'000, '{');
  for (std::string_view method : {"GET", "POST", "X"}) {
    for (std::string_view target : {std::string_view(nasty), std::string_view("/v1/txs"),
                                    std::string_view("/v1/accounts/\xff\xfe")}) {
      ApiResponse r = api.handle(method, target, nasty);
      EXPECT_GE(r.status, 400u);
      json j = json::parse(r.body, nullptr, false);
      ASSERT_TRUE(j.is_object()) << r.body;
      EXPECT_TRUE(j.contains("code"));
    }
  }
  // JSON must be UTF-8: a field name that is not is malformed, not a crash.
  ApiResponse r = api.handle("POST", "/v1/txs", "{\"\xff\xfe\": 1}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(json::parse(r.body, nullptr, false).value("code", ""), "malformed_json");
}

TEST(Api, NestingLimitIgnoresBracketsInsideStrings) {
  FakeChainService chain;
  Api api(chain);
  // Brackets inside a string are not nesting: this is just bad hex.
  std::string body = R"({"tx":")" + std::string(50, '[') + R"(\""})";
  ApiResponse r = api.handle("POST", "/v1/txs", body);
  EXPECT_EQ(json::parse(r.body).value("code", ""), "malformed_hex") << r.body;
}

}  // namespace
}  // namespace wattle::rpc::testing
