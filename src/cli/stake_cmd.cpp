// `wattle tx stake ...`, `wattle tx authority ...`, `wattle query validators`
// and `wattle query stake` (docs/staking.md, "Commands").
#include <iostream>

#include "cli/client_call.h"
#include "cli/commands.h"
#include "cli/strict_int.h"
#include "core/decimal.h"
#include "core/toml_text.h"
#include "modules/staking/staking_txs.h"
#include "node/home.h"

namespace wattle::cli {

namespace {

using nlohmann::json;
using namespace ::wattle::modules;

Address parse_address(const std::string& text, const char* flag) {
  auto a = Address::parse(text);
  if (!a) throw UserError(std::string(flag) + ": " + a.status().message());
  return *a;
}

PublicKey parse_key(const std::string& hex, const char* flag) {
  auto k = PublicKey::from_hex(hex);
  if (!k) throw UserError(std::string(flag) + ": " + k.status().message());
  return *k;
}

void print(const json& j) {
  std::cout << j.dump(2) << "\n";
}

// One subcommand whose only argument is --amount (bond, unbond).
template <typename T>
void add_amount_tx(CLI::App* stake, Endpoint& ep, const char* name, const char* help) {
  auto* c = stake->add_subcommand(name, help);
  static TxFlags f[2];
  static int64_t amount[2];
  const int i = std::is_same_v<T, Bond> ? 0 : 1;
  c->add_option("--amount", amount[i], "Micro-units (> 0)")
      ->required()
      ->transform(decimal_in(1, INT64_MAX));
  add_tx_flags(c, f[i], ep, "The validator operator's key file");
  c->callback([&ep, i] { print(submit_tx(ep, f[i], to_module_tx(T{Money(amount[i])}))); });
}

// delegate / undelegate: --validator ADDR --amount A.
template <typename T>
void add_delegation_tx(CLI::App* stake, Endpoint& ep, const char* name, const char* help) {
  auto* c = stake->add_subcommand(name, help);
  static TxFlags f[2];
  static std::string validator[2];
  static int64_t amount[2];
  const int i = std::is_same_v<T, Delegate> ? 0 : 1;
  c->add_option("--validator", validator[i], "The validator's operator address (wat1...)")
      ->required();
  c->add_option("--amount", amount[i], "Micro-units (> 0)")
      ->required()
      ->transform(decimal_in(1, INT64_MAX));
  add_tx_flags(c, f[i], ep, "The delegator's key file");
  c->callback([&ep, i] {
    const Address v = parse_address(validator[i], "--validator");
    print(submit_tx(ep, f[i], to_module_tx(T{v, Money(amount[i])})));
  });
}

void add_create_validator(CLI::App* stake, Endpoint& ep) {
  auto* c = stake->add_subcommand("create-validator",
                                  "pos, dpos: become a validator (candidate) with a self-bond");
  static TxFlags f;
  static std::string consensus_key;
  static int64_t amount = 0;
  static uint32_t commission = 0;
  c->add_option("--consensus-key", consensus_key,
                "The node key file that will sign consensus messages (node.key)")
      ->required();
  c->add_option("--amount", amount, "Self-bond in micro-units (>= min_self_bond)")
      ->required()
      ->transform(decimal_in(1, INT64_MAX));
  c->add_option("--commission-bp", commission, "The validator's cut of its rewards, 0..10000")
      ->transform(decimal_in(0, 10'000));
  add_tx_flags(c, f, ep, "The operator's (funded) key file");
  c->callback([&ep] {
    auto key = node::read_key_file(consensus_key);
    if (!key) throw UserError("--consensus-key: " + key.status().to_string());
    print(submit_tx(ep, f,
                    to_module_tx(CreateValidator{key->public_key(), Money(amount), commission})));
  });
}

void add_authority_txs(CLI::App* tx, Endpoint& ep) {
  auto* auth = tx->add_subcommand("authority", "poa: propose and vote on authority changes");
  auth->require_subcommand(1);
  auto* p = auth->add_subcommand(
      "propose", "Propose adding, re-weighting or removing an authority; prints proposal=<id>");
  static TxFlags pf;
  static std::string add, remove;
  static uint64_t power = 1;
  auto* add_opt = p->add_option("--add", add, "Public key (64 hex) to add or re-weight");
  auto* rm_opt = p->add_option("--remove", remove, "Public key (64 hex) to remove");
  add_opt->excludes(rm_opt);
  p->add_option("--power", power, "Voting power for --add (> 0)")
      ->transform(decimal_in(1, UINT64_MAX))
      ->capture_default_str();
  add_tx_flags(p, pf, ep, "An authority's node key file");
  p->callback([&ep] {
    if (add.empty() == remove.empty()) throw UserError("give exactly one of --add and --remove");
    const Propose t = add.empty() ? Propose{parse_key(remove, "--remove"), 0}
                                  : Propose{parse_key(add, "--add"), power};
    // The id is the chain's next proposal number, read just before.
    json before = call(ep.rpc, "GET", "/v1/validators");
    json r = submit_tx(ep, pf, to_module_tx(t));
    std::cout << "proposal=" << before.value("next_proposal", uint64_t{0}) << "\n";
    if (pf.wait) print(r);
  });
  auto* v = auth->add_subcommand("vote", "Vote for an open proposal");
  static TxFlags vf;
  static uint64_t proposal = 0;
  v->add_option("--proposal", proposal, "The proposal id")
      ->required()
      ->transform(decimal_in(1, UINT64_MAX));
  add_tx_flags(v, vf, ep, "An authority's node key file");
  v->callback([&ep] { print(submit_tx(ep, vf, to_module_tx(Vote{proposal}))); });
}

}  // namespace

using namespace ::wattle::modules;
using nlohmann::json;

Result<StakingParams> read_staking_toml(const std::string& path) {
  auto root = parse_toml_file(path);
  if (!root) return root.status();
  // A flat table of integers, strings and booleans, as JSON, so the one
  // strict reader of the genesis section checks it.
  json j = json::object();
  for (const auto& [k, v] : *root) {
    const std::string key(k.str());
    if (auto i = v.as_integer())
      j[key] = i->get() < 0 ? json(i->get()) : json(static_cast<uint64_t>(i->get()));
    else if (auto b = v.as_boolean())
      j[key] = b->get();
    else if (auto t = v.as_string())
      j[key] = t->get();
    else
      return Status(Code::kInvalidArgument,
                    path + ": staking: \"" + key + "\" must be an integer, a boolean or a string");
  }
  auto p = staking_params_from_json(j);
  if (!p) return Status(p.status().code(), path + ": " + p.status().message());
  return p;
}

std::optional<StakingParams> staking_section(const std::string& consensus,
                                             const std::string& staking_file) {
  const bool fixed_set = consensus.empty() || consensus == "single";
  if (!staking_file.empty() && fixed_set)
    throw UserError("--staking needs --consensus poa, pos or dpos");
  if (fixed_set) return std::nullopt;
  StakingParams sp;
  if (!staking_file.empty()) {
    auto read = read_staking_toml(staking_file);
    if (!read) throw UserError(read.status().to_string());
    sp = *read;
  }
  sp.consensus = *parse_consensus(consensus);
  return sp;
}

void add_staking_txs(CLI::App* tx, Endpoint& ep) {
  auto* stake = tx->add_subcommand("stake", "Validators and their stake (pos, dpos)");
  stake->require_subcommand(1);
  add_create_validator(stake, ep);
  add_amount_tx<Bond>(stake, ep, "bond", "pos: add to your validator's own stake");
  add_amount_tx<Unbond>(stake, ep, "unbond",
                        "pos: take own stake out (released after unbonding_blocks)");
  add_delegation_tx<Delegate>(stake, ep, "delegate", "dpos: delegate stake to a candidate");
  add_delegation_tx<Undelegate>(
      stake, ep, "undelegate", "dpos: take delegated stake back (released after unbonding_blocks)");
  auto* u = stake->add_subcommand("unjail", "A jailed validator asks to validate again");
  static TxFlags uf;
  add_tx_flags(u, uf, ep, "The validator operator's key file");
  u->callback([&ep] { print(submit_tx(ep, uf, to_module_tx(Unjail{}))); });
  add_authority_txs(tx, ep);
}

void add_staking_queries(CLI::App* query, Endpoint& ep) {
  auto* v = query->add_subcommand("validators",
                                  "The validator set at a height: address, key, power, status");
  static std::optional<uint64_t> height;
  v->add_option("--height", height, "Height (default: the head)")
      ->transform(decimal_in(0, UINT64_MAX));
  v->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  v->callback([&ep] {
    print(call(ep.rpc, "GET",
               "/v1/validators" + (height ? "?height=" + std::to_string(*height) : "")));
  });
  auto* s = query->add_subcommand(
      "stake", "An address's bonded stake, unbonding entries, delegations, rewards, jail state");
  static std::string address;
  s->add_option("address", address, "The address (wat1...)")->required();
  s->add_option("--rpc", ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  s->callback([&ep] {
    parse_address(address, "address");
    print(call(ep.rpc, "GET", "/v1/staking/" + address));
  });
}

}  // namespace wattle::cli
