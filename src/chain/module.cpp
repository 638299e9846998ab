#include "chain/module.h"

#include <set>
#include <string>

namespace wattle::chain {

Status Module::init_genesis(StateOverlay&) const {
  return Status::ok();
}

Status Module::check_tx(const Tx&) const {
  return Status::ok();
}

Status Module::deliver_tx(TxScope&) const {
  return Status(Code::kInternal, std::string(name()) + " executes no txs");
}

Status Module::begin_block(StateOverlay&, const BlockHeader&, std::vector<Event>*) const {
  return Status::ok();
}

Status Module::end_block(StateOverlay&, const BlockHeader&, std::vector<Event>*) const {
  return Status::ok();
}

Status Module::last_commit(StateOverlay&, const BlockHeader&, const LastCommit&,
                           std::vector<Event>*) const {
  return Status::ok();
}

Status Module::deliver_evidence(StateOverlay&, ByteView, uint64_t) const {
  return Status(Code::kUnauthorized, "this chain takes no evidence");
}

Result<Money> Module::on_credit(StateOverlay&, const Address&, Money amount) const {
  return amount;
}

Result<__int128> Module::value_delta(const StateReader&, const StateWrites&) const {
  return __int128{0};
}

Result<bool> Module::block_due(const StateReader&, uint64_t) const {
  return false;
}

Result<Bytes> Module::query(std::string_view path, ByteView, const StateReader&) const {
  return Status(Code::kNotFound,
                "module " + std::string(name()) + " has no query " + std::string(path));
}

Result<std::shared_ptr<const ModuleSet>> ModuleSet::make(
    std::vector<std::shared_ptr<const Module>> modules) {
  std::set<std::string_view> names;
  std::set<uint8_t> kinds;
  std::set<Namespace> spaces;
  int evidence = 0;
  for (const auto& m : modules) {
    if (!m) return Status(Code::kInvalidArgument, "null module");
    if (!names.insert(m->name()).second)
      return Status(Code::kInvalidArgument, "two modules named " + std::string(m->name()));
    for (uint8_t k : m->tx_kinds())
      if (!kinds.insert(k).second)
        return Status(Code::kInvalidArgument, "tx kind " + std::to_string(k) + " has two modules");
    for (Namespace ns : m->namespaces())
      if (!spaces.insert(ns).second)
        return Status(Code::kInvalidArgument,
                      "namespace " + std::to_string(static_cast<int>(ns)) + " has two modules");
    evidence += m->accepts_evidence() ? 1 : 0;
  }
  if (evidence > 1) return Status(Code::kInvalidArgument, "two modules accept evidence");
  return std::shared_ptr<const ModuleSet>(new ModuleSet(std::move(modules)));
}

ModuleSet::ModuleSet(std::vector<std::shared_ptr<const Module>> modules)
    : modules_(std::move(modules)) {
  for (const auto& m : modules_) {
    for (uint8_t k : m->tx_kinds()) by_kind_[k] = m.get();
    if (m->accepts_evidence()) evidence_ = m.get();
  }
}

const Module* ModuleSet::find(std::string_view name) const {
  for (const auto& m : modules_)
    if (m->name() == name) return m.get();
  return nullptr;
}

Status ModuleSet::begin_block(StateOverlay& state, const BlockHeader& header,
                              std::vector<Event>* events) const {
  for (const auto& m : modules_) WATTLE_RETURN_IF_ERROR(m->begin_block(state, header, events));
  return Status::ok();
}

Status ModuleSet::last_commit(StateOverlay& state, const BlockHeader& header,
                              const LastCommit& commit, std::vector<Event>* events) const {
  if (commit.signers.size() > LastCommit::kMaxSigners)
    return Status(Code::kTooLarge, "last commit has too many signers");
  for (const auto& m : modules_)
    WATTLE_RETURN_IF_ERROR(m->last_commit(state, header, commit, events));
  return Status::ok();
}

Status ModuleSet::end_block(StateOverlay& state, const BlockHeader& header,
                            std::vector<Event>* events) const {
  for (const auto& m : modules_) WATTLE_RETURN_IF_ERROR(m->end_block(state, header, events));
  return Status::ok();
}

Result<Money> ModuleSet::on_credit(StateOverlay& state, const Address& address,
                                   Money amount) const {
  for (const auto& m : modules_) {
    if (amount.value() <= 0) break;
    auto left = m->on_credit(state, address, amount);
    if (!left) return left;
    amount = *left;
  }
  return amount;
}

Result<__int128> ModuleSet::value_delta(const StateReader& base, const StateWrites& writes) const {
  __int128 sum = 0;
  for (const auto& m : modules_) {
    auto d = m->value_delta(base, writes);
    if (!d) return d;
    sum += *d;
  }
  return sum;
}

Result<bool> ModuleSet::block_due(const StateReader& state, uint64_t time_ms) const {
  for (const auto& m : modules_) {
    auto due = m->block_due(state, time_ms);
    if (!due || *due) return due;
  }
  return false;
}

Status ModuleSet::init_genesis(StateOverlay& state) const {
  for (const auto& m : modules_) WATTLE_RETURN_IF_ERROR(m->init_genesis(state));
  return Status::ok();
}

Status ModuleSet::deliver_evidence(StateOverlay& state, ByteView item,
                                   uint64_t block_height) const {
  if (evidence_ == nullptr) return Status(Code::kUnauthorized, "this chain takes no evidence");
  return evidence_->deliver_evidence(state, item, block_height);
}

}  // namespace wattle::chain
