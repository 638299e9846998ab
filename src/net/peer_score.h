// PeerScore: how much a connected peer has misbehaved. Starts at 0; each
// offence subtracts its penalty; at or below kBanThreshold the Switch
// disconnects the peer and bans its node id for Limits::ban_duration.
// Protocol violations that cannot happen by accident (a frame that fails
// authentication, garbage, an oversized frame) cost the whole budget at
// once; being over the rate limit costs a little per dropped frame, so a
// brief burst is forgiven but a sustained flood is banned. Reactors add their
// own offences (bad signature, far-future height) through
// Switch::report_misbehavior. Thread safety: none (owned by one connection).
#pragma once

namespace wattle::net {

inline constexpr int kBanThreshold = -100;
inline constexpr int kPenaltyRateLimited = 1;
inline constexpr int kPenaltyProtocolViolation = 100;

class PeerScore {
 public:
  void penalize(int points) { value_ -= points > 0 ? points : 0; }
  bool should_ban() const { return value_ <= kBanThreshold; }
  int value() const { return value_; }

 private:
  int value_ = 0;
};

}  // namespace wattle::net
