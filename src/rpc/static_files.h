// StaticFiles: the dashboard's built files (web/dist, docs/dashboard.md),
// served by the node beside the /v1 API.
//
// Promises:
// - Loaded once: load() reads every regular file under the directory into
//   memory (at most kMaxFiles files, kMaxTotalBytes in total, symlinks not
//   followed), so serving never touches the file system and a request path
//   can only ever name a file that was loaded: nothing outside the directory
//   is reachable whatever the path says. Rebuilding web/ needs a node restart.
// - Paths: /v1/..., /v1 and /metrics are the API's (serve() returns nullopt).
//   Every other GET is answered here: a loaded file with its content type, or
//   the app itself (index.html) so deep links like /market/slot/7 work;
//   except a missing file under /assets/, which is a 404 (an old hashed asset
//   must not come back as HTML). A path with a "." or ".." segment (also
//   percent-encoded), a backslash, a NUL or an encoded "/" is refused with
//   400 bad_request; other methods get 405 with Allow: GET.
// - Caching: files under /assets/ (Vite names them by content hash) are
//   "public, max-age=31536000, immutable"; everything else (index.html, the
//   app for deep links) is "no-cache", so a new build is picked up at once.
// - Every answer carries a strict Content-Security-Policy (only this origin:
//   scripts, styles, images, fonts, fetch and the WebSocket; no inline script,
//   no eval, no framing), X-Content-Type-Options: nosniff and
//   Referrer-Policy: no-referrer.
// - Thread safety: immutable after load(); serve() is const and may run on
//   many threads.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "rpc/api.h"

namespace wattle::rpc {

class StaticFiles {
 public:
  static constexpr size_t kMaxFiles = 2'000;
  static constexpr size_t kMaxTotalBytes = 64 * 1024 * 1024;
  static constexpr std::string_view kContentSecurityPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
      "form-action 'none'; frame-ancestors 'none'";

  // kNotFound if `dir` has no index.html; kTooLarge over the bounds above;
  // kIoError if a file cannot be read. Errors name the path.
  static Result<StaticFiles> load(const std::string& dir);

  // The answer for a request the API does not own, or nullopt for an API path.
  std::optional<ApiResponse> serve(std::string_view method, std::string_view target) const;

  // Whether `path` (no query) belongs to the API rather than the app.
  static bool is_api_path(std::string_view path);
  // The content type for a file name, by its extension.
  static std::string_view content_type(std::string_view name);

  size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  ApiResponse answer(const File& file, bool immutable) const;

  std::map<std::string, File, std::less<>> files_;  // "/index.html", "/assets/x.js", ...
};

}  // namespace wattle::rpc
