// HOST:PORT parsing for --rpc options.
#pragma once

#include <string>
#include <utility>

#include "cli/commands.h"

namespace wattle::cli {

// "127.0.0.1:8645" -> {"127.0.0.1", 8645}; UserError if malformed.
inline std::pair<std::string, uint16_t> parse_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw UserError("expected HOST:PORT, got \"" + s + "\"");
  std::string host = s.substr(0, colon);
  std::string port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    throw UserError("bad port in \"" + s + "\"");
  return {host, static_cast<uint16_t>(std::stoul(port))};
}

}  // namespace wattle::cli
