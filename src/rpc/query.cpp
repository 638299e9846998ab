#include "rpc/query.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace wattle::rpc {

namespace {

constexpr size_t kMaxEcho = 64;

std::string echo(std::string_view s) {
  return s.size() <= kMaxEcho ? std::string(s) : std::string(s.substr(0, kMaxEcho)) + "...";
}

}  // namespace

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t lo, uint64_t hi) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    return std::nullopt;
  return v;
}

std::optional<ApiResponse> Query::parse(std::string_view query,
                                        std::initializer_list<std::string_view> allowed,
                                        std::string_view usage, Query& out) {
  out = Query{};
  out.usage_ = std::string(usage);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view val =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return error_response(
          400, "invalid_argument",
          "bad query parameter \"" + echo(item) + "\" (" + std::string(usage) + ")");
    if (out.get(key))
      return error_response(400, "invalid_argument",
                            "query parameter \"" + echo(key) + "\" given more than once (" +
                                std::string(usage) + ")");
    out.items_.emplace_back(key, val);
  }
  return std::nullopt;
}

std::optional<std::string_view> Query::get(std::string_view key) const {
  for (const auto& [k, v] : items_)
    if (k == key) return v;
  return std::nullopt;
}

std::optional<uint64_t> Query::uint(std::string_view key, uint64_t lo, uint64_t hi,
                                    uint64_t fallback, std::optional<ApiResponse>& err) const {
  const auto text = get(key);
  if (!text) return fallback;
  if (auto v = parse_decimal(*text, lo, hi)) return v;
  err = error_response(
      400, "invalid_argument",
      "bad query parameter \"" + echo(key) + "=" + echo(*text) + "\" (" + usage_ + ")");
  return std::nullopt;
}

}  // namespace wattle::rpc
