// Parses TOML text (toml++) into a table, with the one error format every
// TOML input of wattle uses (genesis market section, node config.toml,
// simulator scenarios): kMalformed "ORIGIN:LINE:COLUMN: what is wrong".
// Header-only: toml++ is a header library, and only the layers that read
// TOML include this.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "core/status.h"

namespace wattle {

inline Result<toml::table> parse_toml(std::string_view text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status(Code::kMalformed, origin + ":" + std::to_string(e.source().begin.line) + ":" +
                                        std::to_string(e.source().begin.column) + ": " +
                                        std::string(e.description()));
  }
}

}  // namespace wattle
