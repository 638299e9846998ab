#include "core/strict_json.h"

namespace wattle {

Result<nlohmann::json> parse_json_strict(std::string_view text, int max_depth) {
  using nlohmann::json;
  DuplicateKeyGuard guard(max_depth);
  std::string problem;
  // The callback sees every event in document order; returning false from it
  // only discards a value, so a problem is recorded and reported after parsing.
  auto cb = [&](int, json::parse_event_t event, json& parsed) {
    if (!problem.empty()) return true;
    switch (event) {
      case json::parse_event_t::object_start:
        if (!guard.open_object()) problem = "JSON nested deeper than " + std::to_string(max_depth);
        break;
      case json::parse_event_t::array_start:
        if (!guard.open_array()) problem = "JSON nested deeper than " + std::to_string(max_depth);
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        guard.close();
        break;
      case json::parse_event_t::key:
        if (parsed.is_string() && !guard.key(parsed.get_ref<const std::string&>()))
          problem = "duplicate key \"" + parsed.get_ref<const std::string&>().substr(0, 64) + "\"";
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json j = json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status(Code::kMalformed, "not valid JSON");
  if (!problem.empty()) return Status(Code::kMalformed, problem);
  return j;
}

}  // namespace wattle
