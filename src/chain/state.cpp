#include "chain/state.h"

#include <cstring>

namespace wattle::chain {

StateKey StateKey::account(const Address& address) {
  return StateKey{Namespace::kAccount, Bytes(address.bytes.begin(), address.bytes.end())};
}

Bytes StateKey::encoded() const {
  Bytes out;
  out.reserve(1 + id.size());
  out.push_back(static_cast<uint8_t>(ns));
  out.insert(out.end(), id.begin(), id.end());
  return out;
}

Hash256 StateKey::path() const {
  return blake2b256(encoded());
}

Result<StateKey> StateKey::decode(ByteView encoded) {
  if (encoded.empty() || encoded.size() > 1 + kMaxStateIdBytes)
    return Status(Code::kMalformed, "state key of bad length");
  const uint8_t ns = encoded[0];
  if (ns == 0 || (ns > kMaxNamespace && ns < kFirstModuleNamespace) || ns > kLastModuleNamespace)
    return Status(Code::kMalformed, "unknown state namespace");
  return StateKey{static_cast<Namespace>(encoded[0]), Bytes(encoded.begin() + 1, encoded.end())};
}

TreeChanges tree_changes(const StateWrites& writes) {
  TreeChanges out;
  for (const auto& [key, value] : writes)
    out[key.path()] = value ? std::optional<Hash256>(blake2b256(*value)) : std::nullopt;
  return out;
}

Result<Account> StateReader::account(const Address& address) const {
  auto rec = read(StateKey::account(address));
  if (!rec) return rec.status();
  if (!*rec) return Account{};
  return decode_exact<Account>(**rec);
}

Result<bool> StateReader::has_account(const Address& address) const {
  auto rec = read(StateKey::account(address));
  if (!rec) return rec.status();
  return rec->has_value();
}

Result<StateProof> StateReader::prove(const StateKey& key) const {
  return chain::prove(tree(), root(), key.path());
}

Result<std::optional<Bytes>> State::read(const StateKey& key) const {
  auto it = records_.find(key);
  if (it == records_.end()) return std::optional<Bytes>();
  return std::optional<Bytes>(it->second);
}

void State::flush() const {
  if (dirty_.empty()) return;
  auto up = update_tree(nodes_, root_, dirty_);
  // The in-memory tree holds every node update_tree reads, so this cannot
  // fail short of a bug.
  if (!up) std::abort();
  nodes_.apply(*up);
  root_ = up->root;
  dirty_.clear();
}

Hash256 State::root() const {
  flush();
  return root_;
}

const NodeReader& State::tree() const {
  flush();
  return nodes_;
}

Account State::get(const Address& address) const {
  auto a = account(address);
  return a ? *a : Account{};
}

bool State::contains(const Address& address) const {
  return records_.count(StateKey::account(address)) != 0;
}

void State::put(const Address& address, const Account& account) {
  put(StateKey::account(address), encode_to_bytes(account));
}

void State::put(const StateKey& key, Bytes value) {
  dirty_[key.path()] = blake2b256(value);
  records_[key] = std::move(value);
}

void State::erase(const StateKey& key) {
  if (records_.erase(key)) dirty_[key.path()] = std::nullopt;
}

void State::apply(const StateWrites& writes) {
  for (const auto& [key, value] : writes) {
    if (value) {
      put(key, *value);
    } else {
      erase(key);
    }
  }
}

std::optional<Money> State::total_balance() const {
  Money total;
  for (const auto& [addr, acct] : accounts()) {
    auto t = total.checked_add(acct.balance);
    if (!t) return std::nullopt;
    total = *t;
  }
  return total;
}

std::map<Address, Account> State::accounts() const {
  std::map<Address, Account> out;
  for (auto it = records_.lower_bound(StateKey{Namespace::kAccount, {}});
       it != records_.end() && it->first.ns == Namespace::kAccount; ++it) {
    auto acct = decode_exact<Account>(it->second);
    if (!acct || it->first.id.size() != 20) continue;  // only put() writes here
    Address a;
    std::memcpy(a.bytes.data(), it->first.id.data(), 20);
    out[a] = *acct;
  }
  return out;
}

Result<std::optional<Bytes>> StateOverlay::read(const StateKey& key) const {
  auto it = writes_.find(key);
  if (it != writes_.end()) return it->second;
  return base_.read(key);
}

Result<Account> StateOverlay::account(const Address& address) const {
  auto rec = read(StateKey::account(address));
  if (!rec) return rec.status();
  if (!*rec) return Account{};
  return decode_exact<Account>(**rec);
}

void StateOverlay::put(const Address& address, const Account& account) {
  write(StateKey::account(address), encode_to_bytes(account));
}

void StateOverlay::write(const StateKey& key, std::optional<Bytes> value) {
  auto [it, fresh] = writes_.try_emplace(key);
  journal_.emplace_back(
      key, fresh ? std::nullopt : std::optional<std::optional<Bytes>>(std::move(it->second)));
  it->second = std::move(value);
}

void StateOverlay::rollback_to(size_t point) {
  while (journal_.size() > point) {
    auto& [key, previous] = journal_.back();
    if (previous) {
      writes_[key] = std::move(*previous);
    } else {
      writes_.erase(key);
    }
    journal_.pop_back();
  }
}

Result<TreeUpdate> StateOverlay::tree_update() const {
  return update_tree(base_.tree(), base_.root(), tree_changes(writes_));
}

Result<Hash256> StateOverlay::root() const {
  auto up = tree_update();
  if (!up) return up.status();
  return up->root;
}

}  // namespace wattle::chain
