#include "consensus/single_engine.h"

#include <cstring>

#include "core/codec.h"

namespace wattle::consensus {

SingleEngine::SingleEngine(std::string chain_id, KeyPair key, uint64_t block_interval_ms)
    : chain_id_(std::move(chain_id)), key_(std::move(key)), interval_ms_(block_interval_ms) {}

Actions SingleEngine::start(uint64_t height) {
  height_ = height;
  return schedule_next();
}

Actions SingleEngine::schedule_next() {
  return {ScheduleTimeout{Timeout{height_, 0, TimeoutStep::kBlockInterval, interval_ms_}}};
}

Actions SingleEngine::on_timeout(const Timeout& timeout) {
  if (timeout.height != height_ || timeout.step != TimeoutStep::kBlockInterval ||
      waiting_for_value_)
    return {};
  waiting_for_value_ = true;
  return {RequestValue{height_, 0}};
}

Actions SingleEngine::on_value_ready(uint64_t height, uint32_t round, std::optional<Value> value) {
  if (height != height_ || !waiting_for_value_) return {};
  waiting_for_value_ = false;
  if (!value) return schedule_next();  // nothing to propose: try again next interval
  Signature sig = key_.sign(certificate_message(chain_id_, height_, value->id));
  Bytes cert(sig.bytes.begin(), sig.bytes.end());
  return {Commit{height_, std::move(*value), std::move(cert)}};
}

Actions SingleEngine::on_block_executed(uint64_t height) {
  if (height != height_) return {};
  height_ = height + 1;
  return schedule_next();
}

Bytes SingleEngine::certificate_message(std::string_view chain_id, uint64_t height,
                                        const Hash256& id) {
  Writer w;
  w.str("wattle/single-commit");
  w.str(chain_id);
  w.u64(height);
  encode(w, id);
  return std::move(w).take();
}

bool SingleEngine::verify_certificate(std::string_view chain_id, const PublicKey& validator,
                                      uint64_t height, const Hash256& id, ByteView certificate) {
  if (certificate.size() != 64) return false;
  Signature sig;
  std::memcpy(sig.bytes.data(), certificate.data(), 64);
  return verify(validator, certificate_message(chain_id, height, id), sig);
}

}  // namespace wattle::consensus
