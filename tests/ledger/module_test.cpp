// The module interface (chain/module.h) from a module's side: a counter
// module written here, in the test suite only, plugs into the chain through
// the interface alone (its txs, state, hooks, genesis and query work through
// the executor and the Application, with no line of the chain changed for
// it); a module error leaves no write and no event behind; a failing block
// hook fails the block on every replica alike; and a set refuses modules
// that collide.
#include "chain/module.h"

#include <gtest/gtest.h>

#include <cstring>

#include "chain/application.h"
#include "chain/executor.h"
#include "ledger_test_util.h"
#include "modules/bank/bank_module.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::kChain;
using testing::make_genesis;
using testing::TempDir;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

constexpr uint8_t kCounterKind = 40;
constexpr auto kCounterNs = static_cast<Namespace>(40);

Bytes u64_bytes(uint64_t v) {
  Writer w;
  w.u64(v);
  return std::move(w).take();
}
uint64_t u64_of(const Bytes& b) {
  Reader r(b);
  uint64_t v = 0;
  EXPECT_TRUE(r.u64(v));
  return v;
}

// A counter per sender plus a total, a count of blocks (begin_block) and a
// genesis value. A tx's body is its increment (u64). An increment of 13
// fails in the tx's third write, after two writes and one event; a block at
// height `fail_at` fails in begin_block after a write.
class CounterModule final : public Module {
 public:
  explicit CounterModule(uint64_t fail_at = 0) : fail_at_(fail_at) {}
  std::string_view name() const override { return "counter"; }
  std::vector<uint8_t> tx_kinds() const override { return {kCounterKind}; }
  std::vector<Namespace> namespaces() const override { return {kCounterNs}; }

  static StateKey key(std::string_view id) {
    return StateKey{kCounterNs, Bytes(id.begin(), id.end())};
  }
  static StateKey sender_key(const Address& a) {
    return StateKey{kCounterNs, Bytes(a.bytes.begin(), a.bytes.end())};
  }

  Status init_genesis(StateOverlay& state) const override {
    state.put(key("genesis"), u64_bytes(7));
    return Status::ok();
  }
  Status check_tx(const Tx& tx) const override {
    const auto* m = std::get_if<ModuleTx>(&tx.payload);
    if (!m || m->body.size() != 8) return Status(Code::kMalformed, "counter: body is one u64");
    return Status::ok();
  }
  Status deliver_tx(TxScope& scope) const override {
    WATTLE_RETURN_IF_ERROR(check_tx(scope.tx));
    const uint64_t inc = u64_of(std::get<ModuleTx>(scope.tx.payload).body);
    const StateKey mine = sender_key(scope.tx.sender_address());
    auto cur = read(scope.state, mine);
    if (!cur) return cur.status();
    scope.state.put(mine, u64_bytes(*cur + inc));  // write 1
    auto total = read(scope.state, key("total"));
    if (!total) return total.status();
    scope.state.put(key("total"), u64_bytes(*total + inc));  // write 2
    if (scope.events) scope.events->push_back(Event{0, Event::Kind::kTx, scope.ctx.height, {}, 0});
    if (inc == 13) return Status(Code::kInvalidArgument, "counter: 13 fails in the third write");
    scope.state.put(key("last"), u64_bytes(inc));  // write 3
    return Status::ok();
  }
  Status begin_block(StateOverlay& state, const BlockHeader& header,
                     std::vector<Event>*) const override {
    auto blocks = read(state, key("blocks"));
    if (!blocks) return blocks.status();
    state.put(key("blocks"), u64_bytes(*blocks + 1));
    if (header.height == fail_at_) return Status(Code::kInternal, "counter: begin_block fails");
    return Status::ok();
  }
  Result<Bytes> query(std::string_view path, ByteView request,
                      const StateReader& state) const override {
    if (path != "count") return Module::query(path, request, state);
    if (request.size() != 20) return Status(Code::kInvalidArgument, "count takes an address");
    auto raw = state.read(StateKey{kCounterNs, Bytes(request.begin(), request.end())});
    if (!raw) return raw.status();
    return raw->value_or(u64_bytes(0));
  }

 private:
  template <typename R>
  static Result<uint64_t> read(const R& state, const StateKey& k) {
    auto raw = state.read(k);
    if (!raw) return raw.status();
    return *raw ? u64_of(**raw) : 0;
  }
  const uint64_t fail_at_;
};

std::shared_ptr<const ModuleSet> counter_set(uint64_t fail_at = 0) {
  return ModuleSet::make(
             {std::make_shared<BankModule>(Money(0)), std::make_shared<CounterModule>(fail_at)})
      .value();
}

Tx counter_tx(int user, uint64_t nonce, uint64_t inc) {
  return Tx::make_signed(std::string(kChain), user_key(user), nonce,
                         ModuleTx{kCounterKind, u64_bytes(inc)});
}

BlockHeader header_at(uint64_t height) {
  BlockHeader h;
  h.height = height;
  h.time_ms = 1'700'000'000'000 + height;
  return h;
}

TEST(ModuleTx, EncodesAsKindAndBodyAndRoundTrips) {
  const Tx tx = counter_tx(1, 0, 5);
  auto back = decode_tx(encode_to_bytes(tx));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(encode_to_bytes(*back), encode_to_bytes(tx));
  EXPECT_EQ(back->kind(), kCounterKind);
  EXPECT_TRUE(back->signature_valid());
}

TEST(ModuleTx, KindsOutsideTheModuleRangeStayMalformed) {
  for (uint8_t kind : {uint8_t{5}, uint8_t{31}, uint8_t{127}, uint8_t{200}}) {
    Tx tx = counter_tx(1, 0, 5);
    std::get<ModuleTx>(tx.payload).kind = kind;
    EXPECT_EQ(decode_tx(encode_to_bytes(tx)).status().code(), Code::kMalformed)
        << "kind " << int{kind};
  }
}

TEST(ModuleSet, RefusesCollidingModules) {
  auto twice =
      ModuleSet::make({std::make_shared<CounterModule>(), std::make_shared<CounterModule>()});
  EXPECT_EQ(twice.status().code(), Code::kInvalidArgument);
  auto null = ModuleSet::make({nullptr});
  EXPECT_EQ(null.status().code(), Code::kInvalidArgument);
}

TEST(CounterModule, TxsStateHooksAndGenesisRunThroughTheExecutor) {
  State state = make_genesis(3, 1'000).initial_state();
  const ChainParams params{std::string(kChain), counter_set()};
  {
    StateOverlay g(state);
    ASSERT_TRUE(params.modules->init_genesis(g));
    state.apply(g.writes());
  }
  auto exec = execute_block(state, header_at(1),
                            {counter_tx(1, 0, 5), transfer_tx(user_key(2), 0, user_addr(1), 10),
                             counter_tx(2, 1, 4), counter_tx(1, 1, 2)},
                            params, ExecMode::kStrict, /*verify_signatures=*/true);
  ASSERT_TRUE(exec.is_ok()) << exec.status().to_string();
  state.apply(exec->writes);
  const CounterModule& c = *params.modules->find<CounterModule>();
  EXPECT_EQ(u64_of(c.query("count", user_addr(1).bytes, state).value()), 7u);
  EXPECT_EQ(u64_of(c.query("count", user_addr(2).bytes, state).value()), 4u);
  EXPECT_EQ(u64_of(*state.read(CounterModule::key("total")).value()), 11u);
  EXPECT_EQ(u64_of(*state.read(CounterModule::key("blocks")).value()), 1u);
  EXPECT_EQ(u64_of(*state.read(CounterModule::key("genesis")).value()), 7u);
  EXPECT_EQ(state.get(user_addr(1)).nonce, 2u);  // the chain bumps nonces of module txs
  EXPECT_EQ(state.get(user_addr(1)).balance.value(), 1'010);
  EXPECT_EQ(c.query("nope", {}, state).status().code(), Code::kNotFound);
}

TEST(CounterModule, AKindNoModuleOwnsIsRefused) {
  State state = make_genesis(2, 1'000).initial_state();
  const ChainParams params{std::string(kChain), counter_set()};
  Tx tx = Tx::make_signed(std::string(kChain), user_key(1), 0, ModuleTx{41, u64_bytes(1)});
  StateOverlay o(state);
  // The code a kind no module owns had before modules: malformed.
  EXPECT_EQ(apply_tx(o, tx, params, BlockContext{}).code(), Code::kMalformed);
  EXPECT_TRUE(o.writes().empty());
}

TEST(CounterModule, AnErrorInTheThirdWriteLeavesStateAndEventsUnchanged) {
  State state = make_genesis(3, 1'000).initial_state();
  const ChainParams params{std::string(kChain), counter_set()};
  // Straight through apply_tx: after one good tx, a failing one changes nothing.
  StateOverlay o(state);
  std::vector<Event> events;
  ASSERT_TRUE(apply_tx(o, counter_tx(1, 0, 5), params, BlockContext{1, 1, {}, 0}, &events));
  const StateWrites writes_before = o.writes();
  const size_t events_before = events.size();
  Status st = apply_tx(o, counter_tx(2, 0, 13), params, BlockContext{1, 1, {}, 1}, &events);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(o.writes(), writes_before);
  EXPECT_EQ(events.size(), events_before);
  // In a proposer's block, the failing tx is dropped with its reason and
  // leaves no trace; a follower's strict execution refuses the block.
  std::vector<Tx> txs{counter_tx(1, 0, 5), counter_tx(2, 0, 13), counter_tx(1, 1, 1)};
  auto drop = execute_block(state, header_at(1), txs, params, ExecMode::kDropFailing, true);
  ASSERT_TRUE(drop.is_ok()) << drop.status().to_string();
  EXPECT_EQ(drop->dropped, std::vector<size_t>{1});
  EXPECT_EQ(drop->drop_reasons.at(0).code(), Code::kInvalidArgument);
  EXPECT_EQ(drop->module_events.size(), 2u);  // the two good txs' events only
  EXPECT_FALSE(drop->writes.count(CounterModule::sender_key(user_addr(2))));
  EXPECT_EQ(u64_of(*drop->writes.at(CounterModule::key("total"))), 6u);
  EXPECT_EQ(drop->writes.count(StateKey::account(user_addr(2))), 0u);  // nonce untouched
  auto strict = execute_block(state, header_at(1), txs, params, ExecMode::kStrict, true);
  EXPECT_EQ(strict.status().code(), Code::kInvalidArgument);
}

TEST(CounterModule, AFailingBlockHookIsRefusedByEveryReplicaAlike) {
  // Two replicas with their own states, the same genesis and the same block.
  const ChainParams params{std::string(kChain), counter_set(/*fail_at=*/2)};
  State a = make_genesis(2, 1'000).initial_state();
  State b = make_genesis(2, 1'000).initial_state();
  for (uint64_t h = 1; h <= 3; ++h) {
    auto ea =
        execute_block(a, header_at(h), {counter_tx(1, h - 1, 1)}, params, ExecMode::kStrict, true);
    auto eb =
        execute_block(b, header_at(h), {counter_tx(1, h - 1, 1)}, params, ExecMode::kStrict, true);
    ASSERT_EQ(ea.status().code(), eb.status().code()) << "height " << h;
    if (h == 2) {
      EXPECT_EQ(ea.status().code(), Code::kInternal);
      break;
    }
    ASSERT_TRUE(ea.is_ok());
    EXPECT_EQ(ea->state_root, eb->state_root);
    a.apply(ea->writes);
    b.apply(eb->writes);
  }
}

// Through the Application: CheckTx, proposal, finalize, commit and query,
// with the module set composed in AppConfig.
TEST(CounterModule, PlugsIntoTheApplication) {
  TempDir dir;
  Genesis g = make_genesis(3, 1'000);
  AppConfig config;
  config.modules = counter_set();
  auto app = Application::open(g, Store::open(dir.sub("a")).value(), config).value();
  EXPECT_TRUE(app->check_tx(encode_to_bytes(counter_tx(1, 0, 3))).status);
  EXPECT_TRUE(app->check_tx(encode_to_bytes(counter_tx(1, 1, 4))).status);
  // The module's pre-check runs in CheckTx, before the signature.
  Tx bad =
      Tx::make_signed(std::string(kChain), user_key(2), 0, ModuleTx{kCounterKind, Bytes{1, 2, 3}});
  EXPECT_EQ(app->check_tx(encode_to_bytes(bad)).status.code(), Code::kMalformed);
  // CheckTx runs the module's rules: the failing increment is refused there.
  EXPECT_EQ(app->check_tx(encode_to_bytes(counter_tx(2, 0, 13))).status.code(),
            Code::kInvalidArgument);
  auto p = app->prepare_proposal(1, g.genesis_time_ms + 1, user_key(0).public_key());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->block.txs.size(), 2u);
  ASSERT_TRUE(app->finalize_block(p->block));
  ASSERT_TRUE(app->commit().is_ok());
  auto count = app->query("counter", "count", user_addr(1).bytes);
  ASSERT_TRUE(count.is_ok()) << count.status().to_string();
  EXPECT_EQ(u64_of(*count), 7u);
  EXPECT_EQ(app->query("staking", "x", {}).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace wattle::chain
