#pragma once
// static_files.hpp — StaticFiles, a route handler serving the files under a
// directory, with a Content-Type chosen by extension (content_type_for()).
//
//   router.get("/static/*path", web::StaticFiles("/srv/www"));
//
// The request's `*path` parameter (percent-decoded by the Router) names the
// file relative to the root. A path with a `..` or `.` segment, a
// backslash or a NUL byte — however it was encoded (`/../`, `%2e%2e`,
// `%2f`) — is refused with 403, and so is one that resolves (through
// symbolic links) outside the root; a missing file or a directory without
// index.html is 404. Files are read whole, in the connection's fiber (a
// file larger than max_bytes is 413): it is meant for pages and assets,
// not for large downloads.

#include <grove/web/request.hpp>
#include <grove/web/response.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace grove::web {

class StaticFiles {
 public:
  // StaticFiles(root, param, max_bytes): UsageError when root is not a directory.
  explicit StaticFiles(const std::filesystem::path& root, std::string param = "path",
                       std::size_t max_bytes = 16 * 1024 * 1024);
  Response operator()(Request& req) const;
  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  std::filesystem::path root_;  // canonical
  std::string param_;
  std::size_t max_bytes_;
};

// content_type_for(path) is the media type for path's extension
// ("text/html; charset=utf-8" for .html, "application/octet-stream" when unknown).
std::string_view content_type_for(std::string_view path) noexcept;

}  // namespace grove::web
