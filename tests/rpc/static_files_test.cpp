// StaticFiles (rpc/static_files.h): content types, caching, the CSP, deep
// links answered with the app, API paths left to the API, traversal refused;
// and through a real HttpServer, that the headers reach the client and /v1
// still answers.
#include "rpc/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fake_chain_service.h"
#include "rpc/http_client.h"
#include "rpc/http_server.h"
#include "test_dir.h"

namespace wattle::rpc {
namespace {

namespace fs = std::filesystem;
using wattle::testing::TestDir;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string header(const ApiResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write(dir_.path() / "index.html", "<!doctype html><title>app</title>");
    write(dir_.path() / "assets/index-abc123.js", "console.log(1)");
    write(dir_.path() / "assets/index-abc123.css", "body{}");
    write(dir_.path() / "favicon.svg", "<svg/>");
    write(dir_.path().parent_path() / (dir_.path().filename().string() + "-secret.txt"), "secret");
    auto files = StaticFiles::load(dir_.path().string());
    ASSERT_TRUE(files.is_ok()) << files.status().to_string();
    files_.emplace(std::move(*files));
  }
  void TearDown() override {
    fs::remove(dir_.path().parent_path() / (dir_.path().filename().string() + "-secret.txt"));
  }
  ApiResponse get(std::string_view target) {
    auto r = files_->serve("GET", target);
    EXPECT_TRUE(r.has_value()) << target;
    return r ? *r : ApiResponse{};
  }
  TestDir dir_{"static_files"};
  std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, HashedAssetsAreImmutableWithTheirContentType) {
  ApiResponse js = get("/assets/index-abc123.js");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/assets/index-abc123.css").content_type, "text/css; charset=utf-8");
  ApiResponse svg = get("/favicon.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(header(svg, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, EveryOtherPathIsTheAppUncachedWithAStrictPolicy) {
  for (const char* target :
       {"/", "/index.html", "/market", "/market/slot/7", "/explorer/tx/ab?x=1", "/household/"}) {
    ApiResponse r = get(target);
    EXPECT_EQ(r.status, 200u) << target;
    EXPECT_EQ(r.body, "<!doctype html><title>app</title>") << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << target;
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache") << target;
    const std::string csp = header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << "no unsafe-inline / unsafe-eval";
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  }
}

TEST_F(StaticFilesTest, ApiPathsAreLeftToTheApi) {
  for (const char* target : {"/v1/status", "/v1/blocks/1?txs=full", "/v1", "/metrics", "/v1/"})
    EXPECT_FALSE(files_->serve("GET", target).has_value()) << target;
  EXPECT_TRUE(files_->serve("GET", "/v1x").has_value());
  EXPECT_TRUE(files_->serve("GET", "/metricsx").has_value());
}

TEST_F(StaticFilesTest, TraversalAndMalformedPathsAreRefused) {
  const std::string secret = "/../" + dir_.path().filename().string() + "-secret.txt";
  for (const std::string& target :
       {secret, std::string("/assets/../index.html"), std::string("/%2e%2e/etc/passwd"),
        std::string("/assets/%2E%2e/x"), std::string("/a/./b"), std::string("/a%2fb"),
        std::string("/a\\b"), std::string("/a%00b"), std::string("/a%zz"), std::string("/a%2"),
        std::string("relative")}) {
    ApiResponse r = get(target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_NE(r.body.find("bad_request"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, MissingAssetIs404AndOtherMethodsAre405) {
  ApiResponse missing = get("/assets/index-old.js");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.content_type, "application/json");
  auto post = files_->serve("POST", "/market");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405u);
  EXPECT_EQ(post->allow, "GET");
}

TEST(StaticFilesLoad, RefusesADirectoryWithoutIndexOrOverTheBounds) {
  TestDir empty("static_files_empty");
  auto none = StaticFiles::load(empty.path().string());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_EQ(StaticFiles::load("/nonexistent/web/dist").status().code(), Code::kNotFound);
  TestDir many("static_files_many");
  write(many.path() / "index.html", "x");
  for (size_t i = 0; i < StaticFiles::kMaxFiles; ++i) write(many.path() / std::to_string(i), "");
  EXPECT_EQ(StaticFiles::load(many.path().string()).status().code(), Code::kTooLarge);
}

TEST_F(StaticFilesTest, TheServerSendsTheHeadersAndKeepsTheApi) {
  testing::FakeChainService chain;
  HttpServerConfig cfg;
  cfg.web = std::make_shared<const StaticFiles>(*files_);
  HttpServer server(chain, cfg);
  ASSERT_TRUE(server.start().is_ok());
  HttpClient client("127.0.0.1", server.port());
  auto page = client.get("/explorer/block/3");
  ASSERT_TRUE(page.is_ok()) << page.status().to_string();
  EXPECT_EQ(page->status, 200u);
  EXPECT_EQ(page->body, "<!doctype html><title>app</title>");
  bool csp = false, cache = false;
  for (const auto& [k, v] : page->headers) {
    csp |= k == "Content-Security-Policy" && v == StaticFiles::kContentSecurityPolicy;
    cache |= k == "Cache-Control" && v == "no-cache";
  }
  EXPECT_TRUE(csp && cache);
  auto status = client.get("/v1/status");
  ASSERT_TRUE(status.is_ok());
  EXPECT_EQ(status->status, 200u);
  EXPECT_NE(status->body.find("chain_id"), std::string::npos);
  server.stop();
}

}  // namespace
}  // namespace wattle::rpc
