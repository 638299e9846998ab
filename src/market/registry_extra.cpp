#include "market/registry.h"

namespace wattle::market {

std::vector<MechanismInfo> extra_mechanisms() { return {}; }

}  // namespace wattle::market
