// Which connected peer is which validator (docs/network.md, "Consensus
// routing"): a peer is remembered by the consensus key its Hello proved, and
// its validator index is looked up in the set in force now, so a set change
// (docs/staking.md) re-addresses every peer at once: a validator that joined
// gets its directed messages, one that left gets none, and indices shifted
// by the change point at the right peers.
//
// Promises: index_of answers from the last set given (the genesis set until
// the first set_validators); a peer whose key is in no set is
// kNotAValidator. One thread (the P2p's).
#pragma once

#include <map>
#include <optional>

#include "consensus/bft/validator_set.h"
#include "core/keys.h"

namespace wattle::node {

class PeerValidators {
 public:
  // An index no set has: the engine never answers it, nothing is sent to it.
  static constexpr consensus::NodeIndex kNotAValidator = ~consensus::NodeIndex{0};

  explicit PeerValidators(consensus::bft::ValidatorSet set) : set_(std::move(set)) {}

  void set_validators(consensus::bft::ValidatorSet set) { set_ = std::move(set); }
  // `peer` proved it holds consensus key `key` (or forgets it with nullopt).
  void claim(const PublicKey& peer, std::optional<PublicKey> key) {
    if (key) {
      key_of_[peer] = *key;
    } else {
      key_of_.erase(peer);
    }
  }
  void forget(const PublicKey& peer) { key_of_.erase(peer); }

  consensus::NodeIndex index_of(const PublicKey& peer) const {
    auto it = key_of_.find(peer);
    if (it == key_of_.end()) return kNotAValidator;
    return set_.index_of(it->second).value_or(kNotAValidator);
  }
  // The peers that hold validator `index` of the current set (normally one;
  // several when a validator's key runs behind more than one node id).
  template <typename F>
  void for_each_peer_of(consensus::NodeIndex index, F&& f) const {
    if (!set_.contains(index)) return;
    const PublicKey& key = set_.at(index).key;
    for (const auto& [peer, k] : key_of_)
      if (k == key) f(peer);
  }

 private:
  consensus::bft::ValidatorSet set_;
  std::map<PublicKey, PublicKey> key_of_;  // peer node id -> proven consensus key
};

}  // namespace wattle::node
