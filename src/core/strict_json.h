// Strict JSON: the one JSON policy of every input the node and the CLI read
// (request bodies, genesis, key files).
//
// Promises:
// - A duplicate key in any object is an error (RFC 8259 leaves it open; most
//   parsers keep the last, so two readers of one document could disagree).
// - Nesting deeper than max_depth is an error, detected while parsing, so a
//   hostile document cannot make us build a deep tree.
// - parse_json_strict never throws: every failure is Code::kMalformed.
// - DuplicateKeyGuard is the duplicate/depth check on its own, for SAX
//   readers that never build a DOM (rpc/api.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace wattle {

inline constexpr int kDefaultMaxJsonDepth = 16;

// Tracks the open containers of a document being parsed.
class DuplicateKeyGuard {
 public:
  explicit DuplicateKeyGuard(int max_depth = kDefaultMaxJsonDepth) : max_depth_(max_depth) {}
  // False if this container is nested deeper than max_depth.
  bool open_object() {
    keys_.emplace_back();
    is_object_.push_back(true);
    return depth() <= max_depth_;
  }
  bool open_array() {
    is_object_.push_back(false);
    return depth() <= max_depth_;
  }
  void close() {
    if (is_object_.empty()) return;
    if (is_object_.back()) keys_.pop_back();
    is_object_.pop_back();
  }
  // False if the innermost open object already has this key.
  bool key(const std::string& k) { return keys_.empty() || keys_.back().insert(k).second; }
  int depth() const { return static_cast<int>(is_object_.size()); }

 private:
  int max_depth_;
  std::vector<bool> is_object_;
  std::vector<std::set<std::string>> keys_;
};

// Parses `text` as one JSON document under the rules above; kMalformed with a
// message naming the problem (duplicate key "k", too deep, syntax).
Result<nlohmann::json> parse_json_strict(std::string_view text,
                                         int max_depth = kDefaultMaxJsonDepth);

}  // namespace wattle
