// Key, genesis and home files: created 0600 from the start, never
// written through a symlink, atomic, and `init` leaves nothing behind when it
// fails.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "node/home.h"
#include "test_dir.h"

namespace wattle::node {
namespace {

namespace fs = std::filesystem;

class HomeFilesTest : public ::testing::Test {
 protected:
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  // Names in dir_ other than the given ones (leftover temporaries).
  std::vector<std::string> others(std::initializer_list<std::string> expected) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      std::string n = e.path().filename().string();
      if (std::find(expected.begin(), expected.end(), n) == expected.end()) out.push_back(n);
    }
    return out;
  }
  wattle::testing::TestDir tmp_{"wattle-home-test"};
  const fs::path& dir_ = tmp_.path();
};

TEST_F(HomeFilesTest, KeyFileIs0600EvenUnderAPermissiveUmask) {
  mode_t old = ::umask(0);
  KeyPair k = KeyPair::from_label("home/k");
  Status st = write_key_file((dir_ / "k.key").string(), k, false);
  ::umask(old);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(mode_of(dir_ / "k.key"), 0600u);
  auto back = read_key_file((dir_ / "k.key").string());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->public_key(), k.public_key());
  EXPECT_TRUE(others({"k.key"}).empty());
}

TEST_F(HomeFilesTest, ExistingKeyIsNotOverwrittenWithoutForce) {
  KeyPair a = KeyPair::from_label("home/a"), b = KeyPair::from_label("home/b");
  const std::string path = (dir_ / "k.key").string();
  ASSERT_TRUE(write_key_file(path, a, false).is_ok());
  EXPECT_EQ(write_key_file(path, b, false).code(), Code::kDuplicate);
  EXPECT_EQ(read_key_file(path)->public_key(), a.public_key());
  ASSERT_TRUE(write_key_file(path, b, true).is_ok());
  EXPECT_EQ(read_key_file(path)->public_key(), b.public_key());
  EXPECT_TRUE(others({"k.key"}).empty());
}

// Before: a symlink planted at FILE.tmp made `key new` write the secret seed
// into the link's target.
TEST_F(HomeFilesTest, SecretIsNeverWrittenThroughASymlink) {
  const fs::path victim = dir_ / "victim.txt";
  { std::ofstream(victim) << "precious"; }
  const fs::path key = dir_ / "k.key";
  fs::create_symlink(victim, dir_ / "k.key.tmp");  // the old fixed temporary name
  // A symlink at the key path itself: without --force it counts as existing...
  fs::create_symlink(victim, key);
  EXPECT_EQ(write_key_file(key.string(), KeyPair::from_label("home/s"), false).code(),
            Code::kDuplicate);
  // ...and with --force the link is replaced by a real file, the target untouched.
  ASSERT_TRUE(write_key_file(key.string(), KeyPair::from_label("home/s"), true).is_ok());
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(key));
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_TRUE(fs::is_symlink(dir_ / "k.key.tmp"));  // planted link left alone, not followed
}

TEST_F(HomeFilesTest, InitWritesGenesis0644AndKey0600) {
  const fs::path home = dir_ / "chain";
  InitOptions o;
  ASSERT_TRUE(init_home(home.string(), o).is_ok());
  EXPECT_EQ(mode_of(home / "validator.key"), 0600u);
  EXPECT_EQ(mode_of(home / "genesis.json"), 0644u);
  EXPECT_TRUE(load_genesis(home.string()).is_ok());
  // A second init refuses and leaves the chain as it was.
  std::string before = slurp(home / "genesis.json");
  EXPECT_EQ(init_home(home.string(), o).code(), Code::kDuplicate);
  EXPECT_EQ(slurp(home / "genesis.json"), before);
}

TEST_F(HomeFilesTest, FailedInitRemovesWhatItCreated) {
  InitOptions bad;
  bad.chain_id = "";  // refused by the genesis check
  const fs::path fresh = dir_ / "new" / "chain";
  EXPECT_FALSE(init_home(fresh.string(), bad).is_ok());
  EXPECT_FALSE(fs::exists(dir_ / "new"));  // both directories it made are gone

  // In an existing directory: only the files it wrote go; others stay.
  const fs::path existing = dir_ / "existing";
  fs::create_directories(existing);
  { std::ofstream(existing / "notes.txt") << "mine"; }
  { std::ofstream(existing / "validator.key") << "{}"; }  // a key already there: refused
  InitOptions ok;
  EXPECT_EQ(init_home(existing.string(), ok).code(), Code::kDuplicate);
  EXPECT_EQ(slurp(existing / "notes.txt"), "mine");
  EXPECT_EQ(slurp(existing / "validator.key"), "{}");  // not ours: kept
  EXPECT_FALSE(fs::exists(existing / "genesis.json"));
}

TEST_F(HomeFilesTest, DuplicateKeysInKeyOrGenesisFilesAreRefused) {
  const fs::path key = dir_ / "dup.key";
  {
    std::ofstream(key) << R"({"seed": ")" << std::string(64, '1') << R"(", "seed": ")"
                       << std::string(64, '2') << "\"}";
  }
  auto k = read_key_file(key.string());
  ASSERT_FALSE(k.is_ok());
  EXPECT_NE(k.status().message().find("duplicate key"), std::string::npos) << k.status().message();
  auto g = chain::Genesis::from_json(R"({"chain_id": "a", "chain_id": "b"})");
  ASSERT_FALSE(g.is_ok());
  EXPECT_NE(g.status().message().find("duplicate key"), std::string::npos) << g.status().message();
}

}  // namespace
}  // namespace wattle::node
