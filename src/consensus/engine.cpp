#include "consensus/engine.h"

namespace wattle::consensus {

namespace {
class Blake2bValueHasher final : public ValueHasher {
 public:
  Hash256 id_of(ByteView data) const override { return blake2b256(data); }
};
}  // namespace

const ValueHasher& blake2b_value_hasher() {
  static const Blake2bValueHasher hasher;
  return hasher;
}

}  // namespace wattle::consensus
