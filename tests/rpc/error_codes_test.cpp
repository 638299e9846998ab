// Every error code the node can put in a response body is documented in the
// README's error table (codes seen in practice were once missing).
// The codes are collected from the source at test time, so a new code that
// is not documented fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Codes in src/: error_response(NNN, "code", ...), literal {"code":"..."}
// bodies, and every name code_name() can return (ledger errors reach the API
// through status_error()).
std::set<std::string> codes_in_source(const fs::path& root) {
  const std::regex by_call(R"re(error_response\(\s*\d{3},\s*"([a-z_]+)")re");
  const std::regex by_literal(R"re("code":"([a-z_]+)")re");
  const std::regex by_name(R"re(return "([a-z_]+)";)re");
  std::set<std::string> codes;
  auto collect = [&](const std::string& text, const std::regex& re) {
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
      codes.insert((*it)[1]);
  };
  for (const auto& e : fs::recursive_directory_iterator(root / "src/rpc")) {
    if (e.path().extension() != ".cpp") continue;
    std::string text = slurp(e.path());
    collect(text, by_call);
    collect(text, by_literal);
  }
  collect(slurp(root / "src/core/status.cpp"), by_name);
  codes.erase("ok");
  codes.erase("unknown");
  return codes;
}

TEST(ErrorCodes, EveryCodeInTheSourceIsInTheReadmeTable) {
  const fs::path root = WATTLE_SOURCE_DIR;
  std::set<std::string> codes = codes_in_source(root);
  // The collector must find the codes we know of, or it proves nothing.
  for (const char* known : {"malformed_json", "payload_too_large", "header_too_large",
                            "unavailable", "rate_limited", "halted", "bad_signature"})
    ASSERT_TRUE(codes.count(known)) << known;
  const std::string readme = slurp(root / "README.md");
  const size_t table = readme.find("| code | HTTP |");
  ASSERT_NE(table, std::string::npos) << "README has no error table";
  const std::string rows = readme.substr(table, readme.find("\n\n", table) - table);
  for (const auto& code : codes)
    EXPECT_NE(rows.find("| `" + code + "` |"), std::string::npos)
        << "error code \"" << code << "\" is not in README.md's error table";
}

}  // namespace
