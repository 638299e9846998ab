// The validator's signing state (node/signing_state.h, consensus/bft/sign_guard.h):
// the check refuses every signature at or below the last one except the
// identical message, the file makes each approved signature durable before
// answering and survives reopening, a bad file is refused with its name, and
// a "bft" validator home without the file does not start unless told to.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "consensus/bft/messages.h"
#include "node/home.h"
#include "node/node.h"
#include "node/signing_state.h"

namespace wattle::node {
namespace {

namespace fs = std::filesystem;
using consensus::bft::check_sign;
using consensus::bft::LastSigned;
using consensus::bft::SignStep;

const Bytes kA{1, 2, 3};
const Bytes kB{4, 5, 6};

TEST(SignCheck, AllowsOnlyAboveTheLastOrTheIdenticalMessage) {
  const LastSigned fresh;
  EXPECT_TRUE(check_sign(fresh, 1, 0, SignStep::kPropose, kA).is_ok());
  const LastSigned last{10, 2, SignStep::kPrevote, kA};
  // Above: a later step, round or height.
  EXPECT_TRUE(check_sign(last, 10, 2, SignStep::kPrecommit, kB).is_ok());
  EXPECT_TRUE(check_sign(last, 10, 3, SignStep::kPropose, kB).is_ok());
  EXPECT_TRUE(check_sign(last, 11, 0, SignStep::kPropose, kB).is_ok());
  // The same message again: re-sending, allowed.
  EXPECT_TRUE(check_sign(last, 10, 2, SignStep::kPrevote, kA).is_ok());
  // A different message at the same place, or anything below: refused.
  for (auto [h, r, step, bytes] :
       {std::tuple{10ul, 2u, SignStep::kPrevote, kB}, std::tuple{10ul, 2u, SignStep::kPropose, kA},
        std::tuple{10ul, 1u, SignStep::kPrecommit, kA},
        std::tuple{9ul, 9u, SignStep::kPrecommit, kA},
        std::tuple{0ul, 0u, SignStep::kNone, Bytes{}}}) {
    Status st = check_sign(last, h, r, step, bytes);
    EXPECT_EQ(st.code(), Code::kUnauthorized) << h << "/" << r;
    EXPECT_NE(st.message().find("refusing to sign"), std::string::npos) << st.message();
  }
}

class SigningStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wattle-signing-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / kSigningStateFile).string(); }
  fs::path dir_;
};

TEST_F(SigningStateTest, ApprovedSignaturesAreOnFileBeforeTheAnswerAndRefusalsAreCounted) {
  ASSERT_TRUE(SigningStateFile::write_fresh(path(), false).is_ok());
  EXPECT_EQ(SigningStateFile::write_fresh(path(), false).code(), Code::kDuplicate);
  auto f = SigningStateFile::open(path());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_TRUE((*f)->approve(5, 1, SignStep::kPrevote, kA).is_ok());
  {
    // Durable at once: another reader (a restart) sees it.
    auto again = SigningStateFile::open(path());
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ((*again)->last().height, 5u);
    EXPECT_EQ((*again)->last().round, 1u);
    EXPECT_EQ((*again)->last().step, SignStep::kPrevote);
    EXPECT_EQ((*again)->last().sign_bytes, kA);
    EXPECT_EQ((*again)->approve(5, 1, SignStep::kPrevote, kB).code(), Code::kUnauthorized);
    EXPECT_EQ((*again)->approve(5, 0, SignStep::kPrecommit, kA).code(), Code::kUnauthorized);
    EXPECT_EQ((*again)->refusals(), 2u);
    EXPECT_TRUE((*again)->approve(5, 1, SignStep::kPrevote, kA).is_ok());
  }
  EXPECT_EQ((*f)->refusals(), 0u);
  ASSERT_TRUE((*f)->approve(5, 1, SignStep::kPrecommit, kB).is_ok());
  auto reread = SigningStateFile::open(path());
  ASSERT_TRUE(reread.is_ok());
  EXPECT_EQ((*reread)->last().step, SignStep::kPrecommit);
  EXPECT_EQ((*reread)->last().sign_bytes, kB);
}

TEST_F(SigningStateTest, MissingOrBadFilesAreRefusedWithTheirName) {
  EXPECT_EQ(SigningStateFile::open(path()).status().code(), Code::kNotFound);
  for (const char* text :
       {"", "{}", "[]", R"({"height":"1","round":0,"step":4,"signbytes":"01"})",
        R"({"height":1,"round":0,"step":2,"signbytes":"01"})",
        R"({"height":"01","round":0,"step":2,"signbytes":"01"})",
        R"({"height":"18446744073709551616","round":0,"step":2,"signbytes":"01"})",
        R"({"height":"1","round":4294967296,"step":2,"signbytes":"01"})",
        R"({"height":"1","round":0,"step":2,"signbytes":"zz"})",
        R"({"height":"1","round":0,"step":2,"signbytes":""})",
        R"({"height":"0","round":0,"step":0,"signbytes":"01"})",
        R"({"height":"1","round":0,"step":2,"signbytes":"01","extra":1})",
        R"({"height":"1","round":-1,"step":2,"signbytes":"01"})"}) {
    std::ofstream(path(), std::ios::trunc) << text;
    auto f = SigningStateFile::open(path());
    ASSERT_FALSE(f.is_ok()) << text;
    EXPECT_EQ(f.status().code(), Code::kMalformed) << text;
    EXPECT_NE(f.status().message().find(path()), std::string::npos) << f.status().message();
  }
}

// A one-validator "bft" home, as `wattle init` makes it.
class SigningStateNodeTest : public SigningStateTest {
 protected:
  void SetUp() override {
    SigningStateTest::SetUp();
    InitOptions init;
    init.chain_id = "signing-test";
    init.block_interval_ms = 10;
    init.engine = chain::EngineKind::kBft;
    ASSERT_TRUE(init_home(home(), init).is_ok());
  }
  std::string home() const { return (dir_ / "home").string(); }
  NodeConfig config() const {
    NodeConfig cfg;
    cfg.home = home();
    cfg.rpc_enabled = false;
    return cfg;
  }
};

TEST_F(SigningStateNodeTest, InitWritesTheFileAndTheValidatorSignsThroughIt) {
  auto fresh = SigningStateFile::open(signing_state_path(home()));
  ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
  EXPECT_EQ((*fresh)->last().step, SignStep::kNone);
  auto n = Node::open(config());
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  ASSERT_TRUE((*n)->start().is_ok());
  ASSERT_TRUE((*n)->wait_for_height(3, std::chrono::seconds(60)));
  const uint64_t h = (*n)->height();
  auto f = SigningStateFile::open(signing_state_path(home()));
  ASSERT_TRUE(f.is_ok());
  EXPECT_GE((*f)->last().height, h);  // every committed block was signed through it
  EXPECT_NE((*f)->last().step, SignStep::kNone);
}

TEST_F(SigningStateNodeTest, MissingFileRefusesToStartUnlessReset) {
  fs::remove(signing_state_path(home()));
  auto refused = Node::open(config());
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), Code::kNotFound);
  EXPECT_NE(refused.status().message().find("signing_state.json is missing"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--reset-signing-state"), std::string::npos);
  EXPECT_FALSE(fs::exists(signing_state_path(home())));

  NodeConfig reset = config();
  reset.reset_signing_state = true;
  auto n = Node::open(reset);
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  ASSERT_TRUE((*n)->start().is_ok());
  EXPECT_TRUE((*n)->wait_for_height(2, std::chrono::seconds(60)));
  EXPECT_TRUE(SigningStateFile::open(signing_state_path(home())).is_ok());
}

// A lone validator whose store is wiped would sign a second, different
// chain from height 1: it refuses (and commits nothing) instead.
TEST_F(SigningStateNodeTest, WipedLoneValidatorRefusesToSignItsHeightsAgain) {
  {
    auto n = Node::open(config());
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    ASSERT_TRUE((*n)->start().is_ok());
    ASSERT_TRUE((*n)->wait_for_height(3, std::chrono::seconds(60)));
  }
  fs::remove_all(data_dir(home()));
  auto n = Node::open(config());
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  ASSERT_TRUE((*n)->start().is_ok());
  auto refused = [&] {
    const std::string m = (*n)->metrics_text();
    const size_t at = m.find("\nwattle_signatures_refused_total ");
    return at != std::string::npos && std::stoull(m.substr(at + 33)) > 0;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!refused() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(refused()) << (*n)->metrics_text();
  EXPECT_EQ((*n)->height(), 0u);
}

}  // namespace
}  // namespace wattle::node
