#include "rpc/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace wattle::rpc {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIndex = "/index.html";
constexpr std::string_view kAssets = "/assets/";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a request path; nullopt for a bad escape, an encoded "/"
// (it would hide a segment boundary), a NUL or a backslash.
std::optional<std::string> decode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      const int hi = hex_digit(path[i + 1]), lo = hex_digit(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '/') return std::nullopt;
      i += 2;
    }
    if (c == '\0' || c == '\\') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

// True if any segment of a decoded path is "." or "..".
bool has_dot_segment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view seg = path.substr(start, end - start);
    if (seg == "." || seg == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string_view StaticFiles::content_type(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  for (const auto& [ext, type] : kTypes)
    if (name.ends_with(ext)) return type;
  return "application/octet-stream";
}

bool StaticFiles::is_api_path(std::string_view path) {
  return path == "/v1" || path.starts_with("/v1/") || path == "/metrics";
}

Result<StaticFiles> StaticFiles::load(const std::string& dir) {
  StaticFiles out;
  std::error_code ec;
  const fs::path root = fs::path(dir);
  if (!fs::is_regular_file(root / "index.html", ec))
    return Status(Code::kNotFound, dir + ": no index.html (build web/ first: npm run build)");
  size_t total = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return Status(Code::kIoError, dir + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status(Code::kIoError, dir + ": " + ec.message());
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (out.files_.size() >= kMaxFiles)
      return Status(Code::kTooLarge, dir + ": more than " + std::to_string(kMaxFiles) + " files");
    const fs::path& p = it->path();
    std::ifstream in(p, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in && !in.eof()) return Status(Code::kIoError, p.string() + ": cannot read");
    total += body.str().size();
    if (total > kMaxTotalBytes)
      return Status(Code::kTooLarge,
                    dir + ": more than " + std::to_string(kMaxTotalBytes) + " bytes of files");
    std::string name = fs::relative(p, root, ec).generic_string();
    if (ec) return Status(Code::kIoError, p.string() + ": " + ec.message());
    name.insert(name.begin(), '/');
    out.files_[name] = File{std::string(content_type(name)), std::move(body).str()};
  }
  return out;
}

// Every answer of the dashboard's, file or error, carries the same policy.
static ApiResponse with_policy(ApiResponse r, bool immutable) {
  r.headers = {
      {"Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache"},
      {"Content-Security-Policy", std::string(StaticFiles::kContentSecurityPolicy)},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
  };
  return r;
}

ApiResponse StaticFiles::answer(const File& file, bool immutable) const {
  ApiResponse r;
  r.content_type = file.content_type;
  r.body = file.body;
  return with_policy(std::move(r), immutable);
}

std::optional<ApiResponse> StaticFiles::serve(std::string_view method,
                                              std::string_view target) const {
  const std::string_view raw_path = target.substr(0, target.find('?'));
  if (is_api_path(raw_path)) return std::nullopt;
  if (method != "GET") {
    ApiResponse r =
        error_response(405, "method_not_allowed", "the dashboard's files are read with GET only");
    r.allow = "GET";
    return with_policy(std::move(r), false);
  }
  const auto path = decode_path(raw_path);
  if (!path || path->empty() || (*path)[0] != '/' || has_dot_segment(*path))
    return with_policy(
        error_response(400, "bad_request", "path is malformed or leaves the dashboard's directory"),
        false);
  if (auto it = files_.find(*path); it != files_.end() && *path != kIndex)
    return answer(it->second, path->starts_with(kAssets));
  if (path->starts_with(kAssets))
    return with_policy(error_response(404, "not_found", "no such dashboard asset"), false);
  return answer(files_.at(std::string(kIndex)), false);
}

}  // namespace wattle::rpc
