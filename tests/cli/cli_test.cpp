// The `wattle` command as a user types it: integer flags are read
// exactly as typed or refused with exit 1 and a message naming the flag.
// Runs the real binary, built alongside (WATTLE_BINARY, see tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <regex>
#include <thread>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "core/address.h"
#include "core/decimal.h"
#include "core/keys.h"
#include "node/config.h"
#include "node/home.h"
#include "rpc/fake_chain_service.h"
#include "rpc/http_client.h"
#include "rpc/http_server.h"
#include "test_dir.h"

namespace wattle {
namespace {

const std::string g_wattle = WATTLE_BINARY;
namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Arguments are single-quoted for the shell; none of ours contains a quote.
Outcome run(const std::vector<std::string>& args) {
  std::string cmd = "'" + g_wattle + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  Outcome r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  nlohmann::json genesis_of(const fs::path& home) {
    std::ifstream in(home / "genesis.json");
    return nlohmann::json::parse(in);
  }
  wattle::testing::TestDir tmp_{"wattle-cli-test"};
  const fs::path& dir_ = tmp_.path();
  std::string addr_ = Address::of(KeyPair::from_label("cli/a").public_key()).to_string();
};

TEST_F(CliTest, LeadingZerosAreDecimalNotOctal) {
  const fs::path home = dir_ / "h";
  Outcome r = run({"init", "--home", home.string(), "--block-interval-ms", "010", "--balance",
                   addr_ + "=01000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = genesis_of(home);
  EXPECT_EQ(g["block_interval_ms"], 10);        // not 8
  EXPECT_EQ(g["balances"][0]["amount"], 1000);  // not 512 (and at the default min_balance)
}

TEST_F(CliTest, InitConsensusWritesTheStakingSection) {
  const fs::path toml = dir_ / "staking.toml";
  std::ofstream(toml) << "power_unit = 1000\nunbonding_blocks = 7\nforbid_third_power = true\n";
  Outcome r = run({"init", "--home", (dir_ / "pos").string(), "--consensus", "pos", "--staking",
                   toml.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = genesis_of(dir_ / "pos");
  EXPECT_EQ(g["engine"], "bft");
  EXPECT_EQ(g["staking"]["consensus"], "pos");
  EXPECT_EQ(g["staking"]["power_unit"], 1000);
  EXPECT_EQ(g["staking"]["unbonding_blocks"], 7);
  EXPECT_EQ(g["staking"]["forbid_third_power"], true);
  Outcome poa = run({"init", "--home", (dir_ / "poa").string(), "--consensus", "poa"});
  ASSERT_EQ(poa.exit_code, 0) << poa.output;
  EXPECT_EQ(genesis_of(dir_ / "poa")["staking"]["consensus"], "poa");
  Outcome single = run({"init", "--home", (dir_ / "one").string(), "--consensus", "single"});
  ASSERT_EQ(single.exit_code, 0) << single.output;
  EXPECT_FALSE(genesis_of(dir_ / "one").contains("staking"));
  // Bad input names the key or the flag, and leaves no home behind.
  std::ofstream(dir_ / "bad.toml") << "power_unit = 0\n";
  Outcome bad = run({"init", "--home", (dir_ / "bad").string(), "--consensus", "dpos", "--staking",
                     (dir_ / "bad.toml").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("power_unit"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir_ / "bad"));
  Outcome unknown = run({"init", "--home", (dir_ / "x").string(), "--consensus", "pbft"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("--consensus"), std::string::npos) << unknown.output;
  Outcome lone = run({"init", "--home", (dir_ / "y").string(), "--staking", toml.string()});
  EXPECT_EQ(lone.exit_code, 1);
  EXPECT_NE(lone.output.find("--consensus"), std::string::npos) << lone.output;
}

TEST_F(CliTest, DevnetInitWithCandidates) {
  const fs::path net = dir_ / "net";
  Outcome r = run({"devnet", "init", "--validators", "2", "--consensus", "dpos", "--candidates",
                   "1", "--home", net.string(), "--base-port", "29100"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cand0 rpc=127.0.0.1:29104"), std::string::npos) << r.output;
  auto g = genesis_of(net / "cand0");
  EXPECT_EQ(g, genesis_of(net / "node0"));
  EXPECT_EQ(g["staking"]["consensus"], "dpos");
  EXPECT_EQ(g["validators"].size(), 2u);
  // The candidate's validator key is funded and outside the set.
  auto key = wattle::node::read_key_file((net / "cand0" / "validator.key").string());
  ASSERT_TRUE(key.is_ok());
  bool funded = false;
  for (const auto& b : g["balances"])
    funded |= b["address"] == Address::of(key->public_key()).to_string();
  EXPECT_TRUE(funded);
  for (const auto& v : g["validators"]) EXPECT_NE(v["public_key"], key->public_key().hex());
  Outcome plain = run({"devnet", "init", "--validators", "2", "--candidates", "1", "--home",
                       (dir_ / "net2").string()});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.output.find("candidates need a staking consensus"), std::string::npos)
      << plain.output;
}

TEST_F(CliTest, MisbehaveTakesOnlyDoublePrevoteAtAHeight) {
  for (std::string bad : {"bogus", "double-prevote:", "double-prevote:0", "double-prevote:x",
                          "double-prevote:5x", "double-precommit:5"}) {
    Outcome r = run({"node", "--home", (dir_ / "none").string(), "--misbehave", bad});
    EXPECT_EQ(r.exit_code, 1) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("--misbehave"), std::string::npos) << bad << ": " << r.output;
  }
}

TEST_F(CliTest, HexSignsSpacesAndOutOfRangeAreRefusedNamingTheFlag) {
  const fs::path key = dir_ / "k.key";
  ASSERT_EQ(run({"key", "new", "--out", key.string()}).exit_code, 0);
  for (std::string bad : {"0x10", "99999999999999999999", "9223372036854775808", "-5", "+5", " 5",
                          "5 ", "1e3", "", "0", "١٢"}) {
    Outcome r = run({"tx", "transfer", "--to", addr_, "--key", key.string(), "--rpc", "127.0.0.1:1",
                     "--amount", bad});
    EXPECT_EQ(r.exit_code, 1) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("--amount"), std::string::npos) << bad << ": " << r.output;
    EXPECT_EQ(r.output.find("cannot reach node"), std::string::npos) << bad << ": " << r.output;
  }
  Outcome nonce = run({"tx", "transfer", "--to", addr_, "--key", key.string(), "--amount", "5",
                       "--nonce", "0x1", "--rpc", "127.0.0.1:1"});
  EXPECT_EQ(nonce.exit_code, 1);
  EXPECT_NE(nonce.output.find("--nonce"), std::string::npos) << nonce.output;
  Outcome interval =
      run({"init", "--home", (dir_ / "h2").string(), "--block-interval-ms", "3600001"});
  EXPECT_EQ(interval.exit_code, 1);
  EXPECT_NE(interval.output.find("--block-interval-ms"), std::string::npos) << interval.output;
  EXPECT_FALSE(fs::exists(dir_ / "h2"));
  Outcome balance = run({"init", "--home", (dir_ / "h3").string(), "--balance", addr_ + "=0x10"});
  EXPECT_EQ(balance.exit_code, 1);
  EXPECT_NE(balance.output.find("--balance"), std::string::npos) << balance.output;
  EXPECT_FALSE(fs::exists(dir_ / "h3"));  // a failed init leaves nothing behind
  Outcome seed = run({"consensus", "simulate", "--validators", "4", "--seed", "077"});
  EXPECT_EQ(seed.exit_code, 0) << seed.output;
  Outcome sched = run({"consensus", "simulate", "--validators", "0x4"});
  EXPECT_EQ(sched.exit_code, 1);
  EXPECT_NE(sched.output.find("--validators"), std::string::npos) << sched.output;
}

// `wattle consensus simulate --full`: whole replicas add three figures; an
// application mutation is caught (exit 3, replay command with --full) and
// refused without --full (exit 1).
TEST_F(CliTest, ConsensusSimulateFull) {
  Outcome ok = run({"consensus", "simulate", "--full", "--validators", "4", "--byzantine", "1",
                    "--loss", "10", "--partitions", "--crashes", "--schedules", "10"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  for (const char* line :
       {"state_divergences=0\n", "conservation_violations=0\n", "safety_violations=0\n",
        "liveness_failures=0\n", "certificate_identity_violations=0\n"})
    EXPECT_NE(ok.output.find(line), std::string::npos) << line << ok.output;
  const size_t at = ok.output.find("txs_committed=");
  ASSERT_NE(at, std::string::npos) << ok.output;
  EXPECT_GT(std::stoull(ok.output.substr(at + 14)), 0u) << ok.output;
  Outcome caught =
      run({"consensus", "simulate", "--full", "--validators", "4", "--byzantine", "1",
           "--adversary", "invalid", "--mutation", "skip-root-check", "--schedules", "5"});
  EXPECT_EQ(caught.exit_code, 3) << caught.output;
  EXPECT_NE(caught.output.find("failing_seed="), std::string::npos) << caught.output;
  EXPECT_NE(caught.output.find("--full"), std::string::npos) << caught.output;
  // Certificates counted twice past the block check: the simulator's own check.
  Outcome twice = run({"consensus", "simulate", "--full", "--validators", "4", "--heights", "100",
                       "--txs", "150", "--mutation", "cert-double-count", "--schedules", "5"});
  EXPECT_EQ(twice.exit_code, 3) << twice.output;
  const size_t id = twice.output.find("certificate_identity_violations=");
  ASSERT_NE(id, std::string::npos) << twice.output;
  EXPECT_GT(std::stoull(twice.output.substr(id + 32)), 0u) << twice.output;
  Outcome engine_only =
      run({"consensus", "simulate", "--validators", "4", "--mutation", "nondeterministic-exec"});
  EXPECT_EQ(engine_only.exit_code, 1) << engine_only.output;
  EXPECT_NE(engine_only.output.find("--full"), std::string::npos) << engine_only.output;
}

// `--full --consensus pos`: a staked chain adds the staking figures; the
// set-change-immediate mutation is caught with a replay that names
// --consensus; staking without --full or an unknown kind is refused.
TEST_F(CliTest, ConsensusSimulateStaked) {
  Outcome ok =
      run({"consensus", "simulate", "--full", "--consensus", "pos", "--validators", "4",
           "--byzantine", "1", "--crashes", "--heights", "20", "--txs", "80", "--schedules", "3"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  for (const char* line : {"validator_set_divergences=0\n", "stake_conservation_violations=0\n",
                           "evidence_slash_violations=0\n"})
    EXPECT_NE(ok.output.find(line), std::string::npos) << line << ok.output;
  const size_t at = ok.output.find("staking_txs_committed=");
  ASSERT_NE(at, std::string::npos) << ok.output;
  EXPECT_GT(std::stoull(ok.output.substr(at + 22)), 0u) << ok.output;
  const size_t joins = ok.output.find("candidate_joins=");  // the candidate (docs/consensus.md)
  ASSERT_NE(joins, std::string::npos) << ok.output;
  EXPECT_GT(std::stoull(ok.output.substr(joins + 16)), 0u) << ok.output;
  EXPECT_EQ(
      run({"consensus", "simulate", "--full", "--validators", "4", "--candidates", "1"}).exit_code,
      1);
  EXPECT_EQ(run({"consensus", "simulate", "--full", "--consensus", "pos", "--validators", "4",
                 "--candidates", "5"})
                .exit_code,
            1);
  Outcome caught = run({"consensus", "simulate", "--full", "--consensus", "pos", "--validators",
                        "4", "--heights", "20", "--txs", "80", "--mutation", "set-change-immediate",
                        "--schedules", "3"});
  EXPECT_EQ(caught.exit_code, 3) << caught.output;
  EXPECT_NE(caught.output.find("--consensus pos"), std::string::npos) << caught.output;
  EXPECT_EQ(run({"consensus", "simulate", "--validators", "4", "--consensus", "pos"}).exit_code, 1);
  EXPECT_EQ(
      run({"consensus", "simulate", "--full", "--validators", "4", "--consensus", "pow"}).exit_code,
      1);
}

TEST_F(CliTest, EventsPrintsOneJsonLinePerEventAndStopsAfterCount) {
  rpc::testing::FakeChainService chain;
  const KeyPair alice = KeyPair::from_label("cli/alice");
  chain.fund(Address::of(alice.public_key()), 1'000'000);
  rpc::HttpServer server(chain, rpc::HttpServerConfig{});
  ASSERT_TRUE(server.start().is_ok());
  Outcome r;
  std::thread cli([&] {
    r = run({"events", "--rpc", "127.0.0.1:" + std::to_string(server.port()), "--count", "3"});
  });
  // Commit only once the command listens, so it must see exactly these.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server.event_subscribers() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server.event_subscribers(), 1u);
  const chain::Tx tx =
      rpc::testing::transfer(alice, 0, Address::of(KeyPair::from_label("cli/b").public_key()), 7);
  ASSERT_TRUE(chain.submit({encode_to_bytes(tx)})[0].status.is_ok());
  chain.commit_block();  // block 1 + its tx: 2 events
  chain.commit_block();  // block 2: the 3rd
  chain.commit_block();  // not printed: --count 3 stops before
  cli.join();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 3u) << r.output;
  EXPECT_EQ(events[0]["type"], "block");
  EXPECT_EQ(events[1]["type"], "tx");
  EXPECT_EQ(events[1]["hash"], tx.hash().hex());
  EXPECT_EQ(events[2]["block"]["height"], 2);
}

// `--from-height` replays what was committed before the command ran.
TEST_F(CliTest, EventsFromHeightReplaysCommittedEvents) {
  rpc::testing::FakeChainService chain;
  const KeyPair alice = KeyPair::from_label("cli/alice");
  chain.fund(Address::of(alice.public_key()), 1'000'000);
  rpc::HttpServer server(chain, rpc::HttpServerConfig{});
  ASSERT_TRUE(server.start().is_ok());
  const chain::Tx tx =
      rpc::testing::transfer(alice, 0, Address::of(KeyPair::from_label("cli/b").public_key()), 7);
  ASSERT_TRUE(chain.submit({encode_to_bytes(tx)})[0].status.is_ok());
  chain.commit_block();  // block 1 + its tx
  chain.commit_block();  // block 2
  Outcome r = run({"events", "--rpc", "127.0.0.1:" + std::to_string(server.port()), "--from-height",
                   "1", "--count", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 3u) << r.output;
  EXPECT_EQ(events[1]["hash"], tx.hash().hex());
  EXPECT_EQ(events[1]["cursor"], (nlohmann::json{{"height", 1}, {"index", 1}}));
  EXPECT_EQ(events[2]["cursor"], (nlohmann::json{{"height", 2}, {"index", 0}}));
  Outcome bad = run({"events", "--from-height", "x", "--rpc", "127.0.0.1:1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--from-height"), std::string::npos) << bad.output;
}

TEST_F(CliTest, EventsFailsClearlyWhenItCannotConnectOrIsMisused) {
  Outcome down = run({"events", "--rpc", "127.0.0.1:1", "--count", "1"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.output.find("cannot open the event stream: cannot connect to 127.0.0.1:1"),
            std::string::npos)
      << down.output;
  for (const char* count : {"0", "0x3", "-1"}) {
    Outcome bad = run({"events", "--count", count});
    EXPECT_EQ(bad.exit_code, 1) << count;
    EXPECT_NE(bad.output.find("--count"), std::string::npos) << bad.output;
  }
  Outcome rpc = run({"events", "--rpc", "nohost"});
  EXPECT_EQ(rpc.exit_code, 1);
  EXPECT_NE(rpc.output.find("HOST:PORT"), std::string::npos) << rpc.output;
  Outcome account = run({"events", "--account", "wat1nope", "--rpc", "127.0.0.1:1"});
  EXPECT_EQ(account.exit_code, 1);
  EXPECT_NE(account.output.find("--account"), std::string::npos) << account.output;
}

TEST_F(CliTest, SimChainModeRefusesBadUseClearly) {
  // The agreement of chain and fast mode is tests/sim_chain; here, misuse.
  Outcome no_key = run({"sim", "--preset", "brooklyn", "--days", "1", "--mode", "chain"});
  EXPECT_EQ(no_key.exit_code, 1);
  EXPECT_NE(no_key.output.find("--operator-key"), std::string::npos) << no_key.output;
  Outcome mode = run({"sim", "--preset", "brooklyn", "--days", "1", "--mode", "ledger"});
  EXPECT_EQ(mode.exit_code, 1);
  EXPECT_NE(mode.output.find("--mode: expected fast or chain"), std::string::npos) << mode.output;
  Outcome all = run({"sim", "--preset", "brooklyn", "--mode", "chain", "--mechanism", "all"});
  EXPECT_EQ(all.exit_code, 1);
  EXPECT_NE(all.output.find("not all"), std::string::npos) << all.output;
  const std::string key = (dir_ / "op.key").string();
  ASSERT_EQ(run({"key", "new", "--out", key}).exit_code, 0);
  Outcome down = run({"sim", "--preset", "brooklyn", "--days", "1", "--mode", "chain",
                      "--operator-key", key, "--rpc", "127.0.0.1:1"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.output.find("chain mode: node:"), std::string::npos) << down.output;
  Outcome missing = run({"sim", "--preset", "brooklyn", "--mode", "chain", "--operator-key",
                         (dir_ / "nope.key").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("--operator-key"), std::string::npos) << missing.output;
}

TEST_F(CliTest, DevnetInitPrintsOneLinePerNodeAndRefusesToOverwrite) {
  const fs::path net = dir_ / "net";
  Outcome r = run({"devnet", "init", "--validators", "3", "--home", net.string(), "--base-port",
                   "27000", "--chain-id", "cli-net"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string want;
  for (int i = 0; i < 3; ++i)
    want += "node" + std::to_string(i) + " rpc=127.0.0.1:" + std::to_string(27000 + 2 * i) +
            " p2p=127.0.0.1:" + std::to_string(27001 + 2 * i) +
            " home=" + (net / ("node" + std::to_string(i))).string() + "\n";
  EXPECT_EQ(r.output, want);
  EXPECT_TRUE(fs::exists(net / "faucet.key"));
  EXPECT_EQ(genesis_of(net / "node1")["chain_id"], "cli-net");
  EXPECT_EQ(genesis_of(net / "node1")["validators"].size(), 3u);
  EXPECT_TRUE(node::load_config((net / "node2").string()).is_ok());

  Outcome again = run({"devnet", "init", "--validators", "3", "--home", net.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("not an empty directory"), std::string::npos) << again.output;
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--validators", "0"},
                                              {"--validators", "0x4"},
                                              {"--validators", "4", "--base-port", "65534"},
                                              {"--validators", "2", "--base-port", "0"}}) {
    std::vector<std::string> args = {"devnet", "init", "--home", (dir_ / "other").string()};
    args.insert(args.end(), bad.begin(), bad.end());
    Outcome o = run(args);
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_FALSE(fs::exists(dir_ / "other"));
  }
}

// Homes get a signing record; a validator home without one does not start,
// and `wattle node --help` names the way out with its danger.
TEST_F(CliTest, ValidatorWithoutSigningStateRefusesToStart) {
  const fs::path net = dir_ / "net";
  ASSERT_EQ(run({"devnet", "init", "--validators", "4", "--home", net.string()}).exit_code, 0);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(fs::exists(net / ("node" + std::to_string(i)) / "signing_state.json")) << i;
  fs::remove(net / "node1" / "signing_state.json");
  Outcome o = run({"node", "--home", (net / "node1").string()});
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("signing_state.json is missing"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("--reset-signing-state"), std::string::npos) << o.output;
  Outcome help = run({"node", "--help"});
  EXPECT_NE(help.output.find("--reset-signing-state"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("DANGER"), std::string::npos) << help.output;
}

TEST(ParseDecimal, AcceptsOnlyDigitsInRange) {
  EXPECT_EQ(*parse_decimal("0", 0, 10), 0u);
  EXPECT_EQ(*parse_decimal("0100", 0, 1000), 100u);
  EXPECT_EQ(*parse_decimal("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
  EXPECT_FALSE(parse_decimal("18446744073709551616", 0, UINT64_MAX).is_ok());
  EXPECT_FALSE(parse_decimal("11", 0, 10).is_ok());
  EXPECT_FALSE(parse_decimal("1", 2, 10).is_ok());
  for (const char* bad : {"", "-1", "+1", "0x1", " 1", "1 ", "1.0", "1e2", "0b1"})
    EXPECT_EQ(parse_decimal(bad, 0, 100).status().code(), Code::kInvalidArgument) << bad;
}

// --- the energy market -------------------------------------------

std::string market_toml(const Address& op, const Address& tax, const std::string& extra = "",
                        const std::string& drop = "") {
  std::string t =
      "mechanism = \"uniform\"\nparams = { k = 500000 }\nslot_seconds = 1\n"
      "gate_lead_seconds = 0\nsettlement_delay_seconds = 60\nmax_slots_ahead = 10000\n"
      "grid_buy = 250000\ngrid_sell = 50000\ngrid_fee = 20000\ntax_bp = 1900\n"
      "operator = \"" +
      op.to_string() + "\"\ntax_account = \"" + tax.to_string() +
      "\"\nmax_reading_wh_per_slot = 100000\n";
  if (!drop.empty()) t = std::regex_replace(t, std::regex(drop + " = [^\n]*\n"), "");
  return t + extra;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

TEST_F(CliTest, InitMarketWritesTheSectionAndRefusesBadKeysNamingThem) {
  const Address op = Address::of(KeyPair::from_label("cli/op").public_key());
  const fs::path good = dir_ / "market.toml";
  write(good, market_toml(op, Address::parse(addr_).value()));
  const fs::path home = dir_ / "h";
  Outcome r = run({"init", "--home", home.string(), "--balance", addr_ + "=50000000", "--market",
                   good.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = genesis_of(home);
  EXPECT_EQ(g["market"]["mechanism"], "uniform");
  EXPECT_EQ(g["market"]["params"]["k"], 500000);
  EXPECT_EQ(g["market"]["operator"], op.to_string());
  struct Bad {
    std::string extra, drop, key;
  };
  for (const Bad& b : std::vector<Bad>{{"", "grid_fee", "grid_fee"},
                                       {"foo = 1\n", "", "foo"},
                                       {"tax_bp = 20000\n", "tax_bp", "tax_bp"},
                                       {"mechanism = \"nope\"\n", "mechanism", "mechanism"},
                                       {"params = { k = 2000000 }\n", "params", "params"},
                                       {"slot_seconds = 1.5\n", "slot_seconds", "slot_seconds"},
                                       {"operator = \"wat1x\"\n", "operator", "operator"}}) {
    const fs::path bad = dir_ / "bad.toml";
    write(bad, market_toml(op, op, b.extra, b.drop));
    const fs::path h = dir_ / "hb";
    Outcome o = run({"init", "--home", h.string(), "--market", bad.string()});
    EXPECT_EQ(o.exit_code, 1) << b.key << ": " << o.output;
    EXPECT_NE(o.output.find("\"" + b.key), std::string::npos) << b.key << ": " << o.output;
    EXPECT_FALSE(fs::exists(h)) << b.key;
  }
}

// [[markets]] in the market TOML: a good tree lands in the genesis; a bad one
// is refused naming the key and the file:line:col of its value (or entry).
TEST_F(CliTest, InitMarketTreeLandsInGenesisAndBadTreesNameKeyAndPosition) {
  const Address op = Address::of(KeyPair::from_label("cli/op").public_key());
  const std::string fee = op.to_string();
  // Lines 14.. of the file (market_toml() writes 13 lines).
  auto tree = [&](const std::string& street_parent, const std::string& street_fee) {
    return "[[markets]]\nname = \"district\"\nmechanism = \"uniform\"\ngrid_fee = 0\n"
           "fee_account = \"" +
           fee +
           "\"\n"
           "[[markets]]\nname = \"street-a\"\nparent = " +
           street_parent + "\nmechanism = \"uniform\"\ngrid_fee = " + street_fee +
           "\nfee_account = \"" + fee + "\"\n[markets.params]\nk = 250000\n";
  };
  const fs::path good = dir_ / "market.toml";
  write(good, market_toml(op, op, tree("\"district\"", "5000")));
  const fs::path home = dir_ / "h";
  Outcome r = run({"init", "--home", home.string(), "--market", good.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = genesis_of(home);
  ASSERT_EQ(g["market"]["markets"].size(), 2u) << g["market"].dump();
  EXPECT_EQ(g["market"]["markets"][1]["parent"], "district");
  EXPECT_EQ(g["market"]["markets"][1]["grid_fee"], 5000);
  EXPECT_EQ(g["market"]["markets"][1]["params"]["k"], 250000);
  struct Bad {
    std::string parent, fee, key, where;
  };
  // Line 21 is street-a's parent, 23 its grid_fee; 19 its [[markets]] header.
  for (const Bad& b : std::vector<Bad>{{"\"nowhere\"", "5000", "parent", ":21:10:"},
                                       {"\"street-a\"", "5000", "parent", ":21:10:"},
                                       {"\"district\"", "-1", "grid_fee", ":23:12:"},
                                       {"\"district\"", "\"x\"", "grid_fee", ":23:12:"}}) {
    const fs::path bad = dir_ / "bad.toml";
    write(bad, market_toml(op, op, tree(b.parent, b.fee)));
    const fs::path h = dir_ / "hb";
    Outcome o = run({"init", "--home", h.string(), "--market", bad.string()});
    EXPECT_EQ(o.exit_code, 1) << b.key << ": " << o.output;
    EXPECT_NE(o.output.find("\"" + b.key + "\""), std::string::npos) << b.key << ": " << o.output;
    EXPECT_NE(o.output.find(bad.string() + b.where), std::string::npos)
        << b.key << ": " << o.output;
    EXPECT_FALSE(fs::exists(h)) << b.key;
  }
  // Two roots: the second root has no "parent" key, so the entry's header is named.
  std::string two = market_toml(op, op, tree("\"district\"", "5000"));
  two = std::regex_replace(two, std::regex("parent = \"district\"\n"), "");
  const fs::path bad = dir_ / "bad.toml";
  write(bad, two);
  Outcome o = run({"init", "--home", (dir_ / "hb").string(), "--market", bad.string()});
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find(bad.string() + ":19:1:"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("\"parent\""), std::string::npos) << o.output;
}

TEST_F(CliTest, InitCertificatesWritesTheSectionAndRefusesBadInput) {
  const Address op = Address::of(KeyPair::from_label("cli/op").public_key());
  const fs::path market = dir_ / "market.toml";
  write(market, market_toml(op, Address::parse(addr_).value()));
  const fs::path certs = dir_ / "certs.toml";
  write(certs,
        "bundle_with_trades = false\nmatch_window_slots = 2\nreward_per_mwh = { wind = 7 }\n");
  const fs::path home = dir_ / "hc";
  Outcome r = run({"init", "--home", home.string(), "--balance", addr_ + "=50000000", "--market",
                   market.string(), "--certificates", certs.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = genesis_of(home);
  EXPECT_EQ(g["certificates"]["bundle_with_trades"], false);
  EXPECT_EQ(g["certificates"]["match_window_slots"], 2);
  EXPECT_EQ(g["certificates"]["expiry_slots"], 2880);  // the default
  EXPECT_EQ(g["certificates"]["reward_per_mwh"]["wind"], 7);
  // Without a market, with an unknown key, a bad technology or a window past
  // the expiry: exit 1 naming the problem, nothing written.
  struct Bad {
    std::string toml, with_market, says;
  };
  for (const Bad& b : std::vector<Bad>{
           {"match_window_slots = 1\n", "", "--market"},
           {"foo = 1\n", "yes", "\"foo"},
           {"reward_per_mwh = { coal = 1 }\n", "yes", "coal"},
           {"match_window_slots = 9\nexpiry_slots = 3\n", "yes", "\"match_window_slots"}}) {
    write(certs, b.toml);
    const fs::path h = dir_ / "hcb";
    std::vector<std::string> args{"init", "--home", h.string(), "--certificates", certs.string()};
    if (!b.with_market.empty()) {
      args.push_back("--market");
      args.push_back(market.string());
    }
    Outcome o = run(args);
    EXPECT_EQ(o.exit_code, 1) << b.toml << ": " << o.output;
    EXPECT_NE(o.output.find(b.says), std::string::npos) << b.toml << ": " << o.output;
    EXPECT_FALSE(fs::exists(h)) << b.toml;
  }
}

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// `wattle init` of DIR/chain with DIR/market.toml, `balances` at 50 tokens
// each, then `wattle node` on `rpc`: its pid, 0 when either fails.
pid_t start_market_node(const fs::path& dir, const std::vector<Address>& balances,
                        const std::string& rpc) {
  const fs::path home = dir / "chain";
  std::vector<std::string> init{"init", "--home", home.string(), "--chain-id", "village"};
  for (const Address& a : balances) {
    init.push_back("--balance");
    init.push_back(a.to_string() + "=50000000");
  }
  init.push_back("--market");
  init.push_back((dir / "market.toml").string());
  if (run(init).exit_code != 0) return 0;
  std::vector<std::string> args{g_wattle, "node", "--home",      home.string(),
                                "--rpc",  rpc,    "--log-level", "warn"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  return posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0 ? pid : 0;
}

// Whether the node behind `client` answers /v1/status within 10 s.
bool node_answers(rpc::HttpClient& client) {
  for (int i = 0; i < 200; ++i) {
    auto r = client.get("/v1/status");
    if (r && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// register-meter --market NAME against a node whose genesis has a tree: a
// leaf takes the household, the root (not a leaf) and an unknown name are
// refused with their code, and without --market a chain of two leaves refuses;
// query slot --market shows one level, and refuses unknown or odd names.
TEST_F(CliTest, RegisterMeterIntoALeafMarket) {
  const KeyPair op = KeyPair::from_label("cli/op");
  const Address op_addr = Address::of(op.public_key());
  const fs::path op_key = dir_ / "op.key";
  ASSERT_TRUE(node::write_key_file(op_key.string(), op, false));
  std::string tree;
  for (const char* m : {"district", "street-a", "street-b"})
    tree += std::string("[[markets]]\nname = \"") + m + "\"\n" +
            (std::string(m) == "district" ? "" : "parent = \"district\"\n") +
            "mechanism = \"uniform\"\ngrid_fee = 1000\nfee_account = \"" + op_addr.to_string() +
            "\"\n";
  write(dir_ / "market.toml", market_toml(op_addr, op_addr, tree));
  const uint16_t port = free_port();
  const std::string rpc = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = start_market_node(dir_, {op_addr}, rpc);
  ASSERT_NE(pid, 0);
  rpc::HttpClient client("127.0.0.1", port);
  ASSERT_TRUE(node_answers(client));
  auto reg = [&](const std::string& label, const std::vector<std::string>& extra) {
    const KeyPair meter = KeyPair::from_label("cli/meter-" + label);
    const Address house = Address::of(KeyPair::from_label("cli/house-" + label).public_key());
    std::vector<std::string> args{"tx",        "register-meter",
                                  "--meter",   meter.public_key().hex(),
                                  "--account", house.to_string(),
                                  "--key",     op_key.string(),
                                  "--rpc",     rpc,
                                  "--wait"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  Outcome leaf = reg("a", {"--market", "street-a"});
  EXPECT_EQ(leaf.exit_code, 0) << leaf.output;
  for (const char* bad : {"district", "street-z"}) {
    Outcome o = reg(bad, {"--market", bad});
    EXPECT_EQ(o.exit_code, 1) << bad << ": " << o.output;
    EXPECT_NE(o.output.find("invalid_argument"), std::string::npos) << bad << ": " << o.output;
    EXPECT_NE(o.output.find(bad), std::string::npos) << o.output;
  }
  Outcome unnamed = reg("b", {});
  EXPECT_EQ(unnamed.exit_code, 1) << unnamed.output;
  EXPECT_NE(unnamed.output.find("leaf markets"), std::string::npos) << unnamed.output;
  // query slot --market: one level; an unknown one is unknown_market; a
  // name the API could not carry is refused before any request.
  Outcome level = run({"query", "slot", "5", "--rpc", rpc, "--market", "street-a"});
  ASSERT_EQ(level.exit_code, 0) << level.output;
  const auto lj = nlohmann::json::parse(level.output);
  EXPECT_EQ(lj["market"], "street-a");
  EXPECT_EQ(lj["levels"].size(), 3u);
  Outcome unknown = run({"query", "slot", "5", "--rpc", rpc, "--market", "street-z"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown_market"), std::string::npos) << unknown.output;
  Outcome odd = run({"query", "slot", "5", "--rpc", rpc, "--market", "a&b"});
  EXPECT_EQ(odd.exit_code, 1) << odd.output;
  EXPECT_NE(odd.output.find("invalid_argument"), std::string::npos) << odd.output;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST_F(CliTest, MarketTxsAndQueriesAgainstARunningNode) {
  const KeyPair op = KeyPair::from_label("cli/op"), alice = KeyPair::from_label("cli/alice"),
                meter = KeyPair::from_label("cli/meter");
  const Address op_addr = Address::of(op.public_key()),
                alice_addr = Address::of(alice.public_key());
  const fs::path op_key = dir_ / "op.key", alice_key = dir_ / "alice.key",
                 meter_key = dir_ / "meter.key";
  ASSERT_TRUE(node::write_key_file(op_key.string(), op, false));
  ASSERT_TRUE(node::write_key_file(alice_key.string(), alice, false));
  ASSERT_TRUE(node::write_key_file(meter_key.string(), meter, false));
  write(dir_ / "market.toml", market_toml(op_addr, op_addr));
  const uint16_t port = free_port();
  const std::string rpc = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = start_market_node(dir_, {alice_addr, op_addr}, rpc);
  ASSERT_NE(pid, 0);
  rpc::HttpClient client("127.0.0.1", port);
  ASSERT_TRUE(node_answers(client));
  auto head_ms = [&] {
    return nlohmann::json::parse(client.get("/v1/status")->body)["last_block_time_ms"]
        .get<uint64_t>();
  };

  Outcome reg = run({"tx", "register-meter", "--meter", meter.public_key().hex(), "--account",
                     alice_addr.to_string(), "--key", op_key.string(), "--rpc", rpc, "--wait"});
  EXPECT_EQ(reg.exit_code, 0) << reg.output;
  Outcome not_op = run({"tx", "register-meter", "--meter", op.public_key().hex(), "--account",
                        op_addr.to_string(), "--key", alice_key.string(), "--rpc", rpc, "--wait"});
  EXPECT_EQ(not_op.exit_code, 1);
  EXPECT_NE(not_op.output.find("unauthorized"), std::string::npos) << not_op.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the meter's first slot ends

  const uint64_t slot = head_ms() / 1000 + 600;
  Outcome placed =
      run({"tx", "order", "--slot", std::to_string(slot), "--side", "sell", "--energy-wh", "1200",
           "--price", "90000", "--key", alice_key.string(), "--rpc", rpc, "--wait"});
  ASSERT_EQ(placed.exit_code, 0) << placed.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(placed.output, m, std::regex("order=([0-9a-f]{64})")))
      << placed.output;
  const std::string id = m[1];
  Outcome q = run({"query", "slot", std::to_string(slot), "--rpc", rpc});
  ASSERT_EQ(q.exit_code, 0) << q.output;
  auto qj = nlohmann::json::parse(q.output);
  EXPECT_EQ(qj["status"], "open");
  ASSERT_EQ(qj["orders"].size(), 1u);
  EXPECT_EQ(qj["orders"][0]["id"], id);
  EXPECT_TRUE(qj["clearing_price"].is_null());
  Outcome cancel =
      run({"tx", "cancel", "--order", id, "--key", alice_key.string(), "--rpc", rpc, "--wait"});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  Outcome past = run({"tx", "order", "--slot", "5", "--side", "buy", "--energy-wh", "1", "--price",
                      "1", "--key", alice_key.string(), "--rpc", rpc, "--wait"});
  EXPECT_EQ(past.exit_code, 1);
  EXPECT_NE(past.output.find("slot_closed"), std::string::npos) << past.output;

  const uint64_t ended = head_ms() / 1000 - 1;
  Outcome read = run({"tx", "meter", "--slot", std::to_string(ended), "--import-wh", "5300",
                      "--export-wh", "14100", "--key", meter_key.string(), "--rpc", rpc, "--wait"});
  EXPECT_EQ(read.exit_code, 0) << read.output;
  Outcome again = run({"tx", "meter", "--slot", std::to_string(ended), "--import-wh", "5400",
                       "--export-wh", "14100", "--key", meter_key.string(), "--rpc", rpc});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("duplicate"), std::string::npos) << again.output;
  Outcome bill =
      run({"query", "bill", alice_addr.to_string(), "--slot", std::to_string(ended), "--rpc", rpc});
  EXPECT_EQ(bill.exit_code, 1);
  EXPECT_NE(bill.output.find("not_found"), std::string::npos) << bill.output;
  // Escrow beyond the balance: two buy orders of ~35.7 tokens each against
  // 50. The first is sent without --wait; the second, with --wait, either
  // meets the first in the mempool (CheckTx does not sum pending escrows),
  // is dropped at block time and resubmitted, or arrives after the first
  // committed: both ways it ends with exit 1 and the refusal's code.
  const std::vector<std::string> big = {
      "tx",      "order",    "--slot", std::to_string(slot), "--side", "buy", "--energy-wh", "1000",
      "--price", "30000000", "--key",  alice_key.string(),   "--rpc",  rpc};
  EXPECT_EQ(run(big).exit_code, 0);
  std::vector<std::string> big_wait = big;
  big_wait.push_back("--wait");
  Outcome over = run(big_wait);
  EXPECT_EQ(over.exit_code, 1) << over.output;
  EXPECT_NE(over.output.find("insufficient_funds"), std::string::npos) << over.output;
  Outcome params = run({"query", "market", "--rpc", rpc});
  EXPECT_EQ(params.exit_code, 0);
  EXPECT_NE(params.output.find("\"slot_seconds\": 1"), std::string::npos) << params.output;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST_F(CliTest, DevnetInitTakesAMarketAndExtraBalances) {
  const Address op = Address::of(KeyPair::from_label("cli/devnet-op").public_key());
  write(dir_ / "market.toml", market_toml(op, op));
  const fs::path net = dir_ / "mnet";
  Outcome r =
      run({"devnet", "init", "--validators", "2", "--home", net.string(), "--base-port", "27100",
           "--market", (dir_ / "market.toml").string(), "--balance", op.to_string() + "=5000000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* node : {"node0", "node1"}) {
    const nlohmann::json g = genesis_of(net / node);
    EXPECT_EQ(g["market"]["operator"], op.to_string()) << node;
    bool funded = false;
    for (const auto& b : g["balances"])
      funded = funded || (b.dump().find(op.to_string()) != std::string::npos &&
                          b.dump().find("5000000") != std::string::npos);
    EXPECT_TRUE(funded) << g["balances"].dump();
  }
  Outcome bad = run({"devnet", "init", "--validators", "2", "--home", (dir_ / "bad").string(),
                     "--market", (dir_ / "missing.toml").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "node0"));
  Outcome bad_balance = run({"devnet", "init", "--validators", "2", "--home",
                             (dir_ / "bad2").string(), "--balance", "nope=1"});
  EXPECT_EQ(bad_balance.exit_code, 1);
  EXPECT_NE(bad_balance.output.find("--balance"), std::string::npos) << bad_balance.output;
}

// The market operator, a household and its meter, with their key files in `dir`.
struct MarketParties {
  KeyPair op, alice, meter;
  Address op_addr, alice_addr;
  fs::path op_key, alice_key, meter_key;
};
MarketParties market_parties(const fs::path& dir) {
  MarketParties p{KeyPair::from_label("cli/op"),
                  KeyPair::from_label("cli/alice"),
                  KeyPair::from_label("cli/meter"),
                  {},
                  {},
                  dir / "op.key",
                  dir / "alice.key",
                  dir / "meter.key"};
  p.op_addr = Address::of(p.op.public_key());
  p.alice_addr = Address::of(p.alice.public_key());
  EXPECT_TRUE(node::write_key_file(p.op_key.string(), p.op, false));
  EXPECT_TRUE(node::write_key_file(p.alice_key.string(), p.alice, false));
  EXPECT_TRUE(node::write_key_file(p.meter_key.string(), p.meter, false));
  return p;
}

// Starts `wattle node` on `home` with its API on 127.0.0.1:port and waits
// (up to 10 s) until it answers; 0 if it does not.
pid_t start_node(const fs::path& home, uint16_t port) {
  std::vector<std::string> args{g_wattle,      "node",  "--home",
                                home.string(), "--rpc", "127.0.0.1:" + std::to_string(port),
                                "--log-level", "warn"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return 0;
  rpc::HttpClient client("127.0.0.1", port);
  for (int i = 0; i < 200; ++i) {
    auto r = client.get("/v1/status");
    if (r && r->status == 200) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  return 0;
}

TEST_F(CliTest, CertificateTxsAndQueriesAgainstARunningNode) {
  const auto [op, alice, meter, op_addr, alice_addr, op_key, alice_key, meter_key] =
      market_parties(dir_);
  ASSERT_TRUE(fs::exists(meter_key));
  // One-second slots settled (and issued) at once when they end.
  write(dir_ / "market.toml", market_toml(op_addr, op_addr, "settlement_delay_seconds = 2\n",
                                          "settlement_delay_seconds"));
  write(dir_ / "certs.toml", "reward_per_mwh = { solar = 1000000 }\n");
  const fs::path home = dir_ / "chain";
  ASSERT_EQ(run({"init", "--home", home.string(), "--balance", alice_addr.to_string() + "=5000000",
                 "--balance", op_addr.to_string() + "=5000000", "--market",
                 (dir_ / "market.toml").string(), "--certificates", (dir_ / "certs.toml").string()})
                .exit_code,
            0);
  const uint16_t port = free_port();
  const std::string rpc = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = start_node(home, port);
  ASSERT_NE(pid, 0);
  auto ok = [&](std::vector<std::string> args) {
    Outcome o = run(args);
    EXPECT_EQ(o.exit_code, 0) << o.output;
    return o.output;
  };
  ok({"tx", "register-meter", "--meter", meter.public_key().hex(), "--account",
      alice_addr.to_string(), "--key", op_key.string(), "--rpc", rpc, "--wait"});
  const std::vector<std::string> device{"tx",           "register-device",
                                        "--meter",      meter.public_key().hex(),
                                        "--account",    alice_addr.to_string(),
                                        "--technology", "solar",
                                        "--capacity-w", "5000",
                                        "--key",        op_key.string(),
                                        "--rpc",        rpc,
                                        "--wait"};
  ok(device);
  Outcome twice = run(device);
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.output.find("duplicate"), std::string::npos) << twice.output;
  // A reading of the slot that just ended (by the clock the node's blocks
  // follow): 700 Wh exported, issued at its settlement.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const uint64_t ended =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()) -
      1;
  ok({"tx", "meter", "--slot", std::to_string(ended), "--import-wh", "0", "--export-wh", "700",
      "--key", meter_key.string(), "--rpc", rpc, "--wait"});
  nlohmann::json held;
  for (int i = 0; i < 200; ++i) {  // up to 20 s for the settlement block
    held =
        nlohmann::json::parse(ok({"query", "certificates", alice_addr.to_string(), "--rpc", rpc}));
    if (held["active_wh"] == 700) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(held["active_wh"], 700) << held;
  ASSERT_EQ(held["bundles"].size(), 1u);
  EXPECT_EQ(held["bundles"][0]["slot"], ended);
  const std::string id = std::to_string(held["bundles"][0]["id"].get<uint64_t>());
  // Alice consumed nothing: her own claim is refused; a transfer splits.
  Outcome claim = run({"tx", "cert", "cancel", "--bundle", id, "--wh", "10", "--slot",
                       std::to_string(ended), "--key", alice_key.string(), "--rpc", rpc, "--wait"});
  EXPECT_EQ(claim.exit_code, 1);
  EXPECT_NE(claim.output.find("above_consumption"), std::string::npos) << claim.output;
  ok({"tx", "cert", "transfer", "--bundle", id, "--wh", "200", "--to", op_addr.to_string(), "--key",
      alice_key.string(), "--rpc", rpc, "--wait"});
  auto op_held = nlohmann::json::parse(ok({"query", "certificates", op_addr.to_string(), "--slot",
                                           std::to_string(ended), "--rpc", rpc}));
  EXPECT_EQ(op_held["active_wh"], 200) << op_held;
  auto matching = nlohmann::json::parse(
      ok({"query", "matching", alice_addr.to_string(), "--from", std::to_string(ended), "--to",
          std::to_string(ended), "--rpc", rpc}));
  EXPECT_EQ(matching["matched_wh"], 0);
  EXPECT_EQ(matching["score_pct"], "0.00");
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace
}  // namespace wattle

namespace wattle {
namespace {

// `wattle tx order --sealed` and `wattle tx reveal` against a running node:
// the secret lands in KEYFILE.sealed.json (0600) and only the commitment on
// chain; a reveal before the gate sends nothing; after it the order joins the
// slot's book and clears. reveal_blocks = 50 keeps the window (~10 s at the
// node's 200 ms blocks) long against this machine's load.
TEST_F(CliTest, SealedOrderAndRevealAgainstARunningNode) {
  const KeyPair op = KeyPair::from_label("cli/op"), alice = KeyPair::from_label("cli/alice");
  const Address op_addr = Address::of(op.public_key()),
                alice_addr = Address::of(alice.public_key());
  const fs::path alice_key = dir_ / "alice.key";
  ASSERT_TRUE(node::write_key_file(alice_key.string(), alice, false));
  write(dir_ / "market.toml", market_toml(op_addr, op_addr, "reveal_blocks = 50\n"));
  const uint16_t port = free_port();
  const std::string rpc = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = start_market_node(dir_, {alice_addr, op_addr}, rpc);
  ASSERT_NE(pid, 0);
  rpc::HttpClient client("127.0.0.1", port);
  auto wait_for = [](auto&& cond) {
    for (int i = 0; i < 1200; ++i) {  // up to 60 s
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(wait_for([&] {
    auto r = client.get("/v1/status");
    return r && r->status == 200;
  }));
  auto head_ms = [&] {
    return nlohmann::json::parse(client.get("/v1/status")->body)["last_block_time_ms"]
        .get<uint64_t>();
  };

  const uint64_t slot = head_ms() / 1000 + 6;
  Outcome placed =
      run({"tx", "order", "--slot", std::to_string(slot), "--side", "buy", "--energy-wh", "1200",
           "--price", "90000", "--sealed", "--key", alice_key.string(), "--rpc", rpc, "--wait"});
  ASSERT_EQ(placed.exit_code, 0) << placed.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(placed.output, m,
                                std::regex("order=([0-9a-f]{64}) commitment=([0-9a-f]{64})")))
      << placed.output;
  const std::string id = m[1];
  const fs::path secrets = dir_ / "alice.key.sealed.json";
  ASSERT_TRUE(fs::exists(secrets));
  EXPECT_EQ(fs::status(secrets).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto sj = nlohmann::json::parse(std::ifstream(secrets));
  ASSERT_EQ(sj["orders"].size(), 1u);
  EXPECT_EQ(sj["orders"][0]["order"], id);
  EXPECT_EQ(sj["orders"][0]["price"], 90000);
  // On chain, before the gate: no order in the slot's book yet.
  auto slot_json = [&] {
    Outcome q = run({"query", "slot", std::to_string(slot), "--rpc", rpc});
    EXPECT_EQ(q.exit_code, 0) << q.output;
    return nlohmann::json::parse(q.output);
  };
  const auto before = slot_json();
  EXPECT_TRUE(before["orders"].empty());
  EXPECT_EQ(before["sealed"]["orders"], 1) << before.dump();
  EXPECT_EQ(before["sealed"]["revealed"], 0);
  EXPECT_EQ(before["sealed"]["reveal_blocks"], 50);
  Outcome mine = run({"query", "orders", alice_addr.to_string(), "--rpc", rpc});
  ASSERT_EQ(mine.exit_code, 0) << mine.output;
  const auto mj = nlohmann::json::parse(mine.output);
  ASSERT_EQ(mj["sealed"].size(), 1u) << mine.output;
  EXPECT_EQ(mj["sealed"][0]["id"], id);
  EXPECT_EQ(mj["sealed"][0]["deposit"], 1000000);
  EXPECT_EQ(mj["sealed"][0]["revealed"], false);
  EXPECT_TRUE(mj["orders"].empty());
  // --max-escrow below the order's escrow is refused before anything is sent.
  Outcome low = run({"tx", "order", "--slot", std::to_string(slot), "--side", "buy", "--energy-wh",
                     "1200", "--price", "90000", "--sealed", "--max-escrow", "5", "--key",
                     alice_key.string(), "--rpc", rpc});
  EXPECT_EQ(low.exit_code, 1);
  EXPECT_NE(low.output.find("--max-escrow"), std::string::npos) << low.output;
  // Before the gate the reveal sends nothing.
  if (head_ms() < slot * 1000) {
    Outcome early = run({"tx", "reveal", "--slot", std::to_string(slot), "--key",
                         alice_key.string(), "--rpc", rpc});
    EXPECT_EQ(early.exit_code, 1);
    EXPECT_NE(early.output.find("reveal_window"), std::string::npos) << early.output;
    EXPECT_FALSE(nlohmann::json::parse(std::ifstream(secrets))["orders"][0]["revealed"]);
  }
  ASSERT_TRUE(wait_for([&] { return head_ms() >= slot * 1000; }));
  Outcome rev = run({"tx", "reveal", "--slot", std::to_string(slot), "--key", alice_key.string(),
                     "--rpc", rpc, "--wait"});
  ASSERT_EQ(rev.exit_code, 0) << rev.output;
  EXPECT_NE(rev.output.find("revealed=" + id), std::string::npos) << rev.output;
  EXPECT_TRUE(nlohmann::json::parse(std::ifstream(secrets))["orders"][0]["revealed"]);
  Outcome twice = run(
      {"tx", "reveal", "--slot", std::to_string(slot), "--key", alice_key.string(), "--rpc", rpc});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.output.find("not_found"), std::string::npos) << twice.output;
  // The window ends and the slot clears with the revealed order in its book.
  ASSERT_TRUE(wait_for([&] { return slot_json()["status"] != "open"; }));
  const auto closed = slot_json();
  ASSERT_EQ(closed["orders"].size(), 1u) << closed.dump();
  EXPECT_EQ(closed["orders"][0]["id"], id);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace
}  // namespace wattle
