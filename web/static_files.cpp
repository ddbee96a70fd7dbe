// static_files.cpp — StaticFiles and the extension -> media type table.
#include <grove/web/static_files.hpp>

#include <grove/errors.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>

namespace grove::web {

namespace fs = std::filesystem;

std::string_view content_type_for(std::string_view path) noexcept {
  static constexpr std::pair<std::string_view, std::string_view> types[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".xml", "application/xml"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/vnd.microsoft.icon"},
      {".wasm", "application/wasm"},
      {".pdf", "application/pdf"},
      {".zip", "application/zip"},
      {".gz", "application/gzip"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".mp4", "video/mp4"},
      {".webm", "video/webm"},
      {".mp3", "audio/mpeg"},
      {".wav", "audio/wav"},
  };
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "application/octet-stream";
  const auto ext = path.substr(dot);
  for (const auto& [e, type] : types) {
    if (e.size() == ext.size() && std::equal(e.begin(), e.end(), ext.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        }))
      return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const fs::path& root, std::string param, std::size_t max_bytes)
    : param_(std::move(param)), max_bytes_(max_bytes) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec || !fs::is_directory(root_))
    throw UsageError("web::StaticFiles: " + root.string() + " is not a directory; give the folder to serve");
}

namespace {

// safe(rel) is false for a path that could leave the root however it is read.
bool safe(std::string_view rel) {
  if (rel.find('\0') != std::string_view::npos || rel.find('\\') != std::string_view::npos) return false;
  if (!rel.empty() && rel.front() == '/') return false;
  while (!rel.empty()) {
    const auto slash = rel.find('/');
    const auto seg = rel.substr(0, slash);
    if (seg == ".." || seg == ".") return false;
    if (slash == std::string_view::npos) break;
    rel.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace

Response StaticFiles::operator()(Request& req) const {
  const std::string_view rel = req.has_param(param_) ? req.param(param_) : std::string_view();
  if (!safe(rel)) return Response::text("forbidden\n", http::status::forbidden);
  std::error_code ec;
  fs::path file = fs::weakly_canonical(root_ / fs::path(std::string(rel)), ec);
  if (ec) return Response::text("not found\n", http::status::not_found);
  const auto [end, _] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
  if (end != root_.end()) return Response::text("forbidden\n", http::status::forbidden);  // a link out of the root
  if (fs::is_directory(file, ec)) file /= "index.html";
  if (!fs::is_regular_file(file, ec)) return Response::text("not found\n", http::status::not_found);
  const auto size = fs::file_size(file, ec);
  if (ec) return Response::text("not found\n", http::status::not_found);
  if (size > max_bytes_) return Response::text("file too large\n", http::status::payload_too_large);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Response::text("forbidden\n", http::status::forbidden);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string name = file.filename().string();
  return Response(http::status::ok, std::move(body), content_type_for(name));
}

}  // namespace grove::web
