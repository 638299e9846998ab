// Query strings of the /v1 routes: "k=v&k2=v2", each key from a route's own
// list and at most once. One parser, so every route refuses the same way.
//
// Promises: an unknown key, a repeated key ("page=1&page=2": which one would
// a cache or proxy have seen?) or a bad value is a 400 "invalid_argument"
// error response whose message names the parameter; nothing is ignored.
// Values are not percent-decoded (none of ours needs it).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rpc/api.h"

namespace wattle::rpc {

class Query {
 public:
  // Splits `query`; `allowed` are the accepted keys, `usage` says what is
  // accepted (for the error message).
  static std::optional<ApiResponse> parse(std::string_view query,
                                          std::initializer_list<std::string_view> allowed,
                                          std::string_view usage, Query& out);

  // The value of `key` if given.
  std::optional<std::string_view> get(std::string_view key) const;
  // A decimal value of `key` in [lo, hi] (fallback when absent), or the
  // 400 invalid_argument response in `err`.
  std::optional<uint64_t> uint(std::string_view key, uint64_t lo, uint64_t hi, uint64_t fallback,
                               std::optional<ApiResponse>& err) const;

 private:
  std::vector<std::pair<std::string_view, std::string_view>> items_;  // views of the query
  // Owned: callers build it on the fly ("limit 1.." + N), so a view of it
  // would dangle by the time a later uint() reports an error.
  std::string usage_;
};

// A decimal in [lo, hi] with no sign, no leading '+' and at most 20 digits.
std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t lo, uint64_t hi);

}  // namespace wattle::rpc
