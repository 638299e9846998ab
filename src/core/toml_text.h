// Parses TOML text (toml++) into a table, with the one error format every
// TOML input of wattle uses (genesis market section, node config.toml,
// simulator scenarios): kMalformed "ORIGIN:LINE:COLUMN: what is wrong".
// Header-only: toml++ is a header library, and only the layers that read
// TOML include this.
#pragma once

#include <toml++/toml.h>

#include <fstream>
#include <sstream>
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

// Reads and parses the TOML file at `path` (kIoError when it cannot be read).
inline Result<toml::table> parse_toml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kIoError, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_toml(ss.str(), path);
}

}  // namespace wattle
