// web_debug.cpp — GET /debug/fibers and the /debug/ page (debug/web_debug.hpp).

#include <grove/debug/web_debug.hpp>

#include <grove/debug/dump.hpp>
#include <grove/web/request.hpp>
#include <grove/web/response.hpp>

#include <string_view>

namespace grove::debug {

// debug_page() is defined by the generated debug_page.cpp (page/debug.html,
// embed_bytes.cmake).

void mount_debug(web::Router& router, const std::string& prefix, Duration timeout) {
  router.get(prefix + "/fibers", [timeout](web::Request&) {
    return web::Response::json(dump_json(timeout)).set(web::http::field::cache_control, "no-store");
  });
  // The page reads "fibers" relative to itself: without the slash, send the browser there.
  router.get(prefix, [to = prefix + "/"](web::Request&) {
    return web::Response::text("see " + to + "\n", web::http::status::moved_permanently)
        .set(web::http::field::location, to);
  });
  router.get(prefix + "/", [](web::Request&) {
    return web::Response::html(std::string(debug_page())).set(web::http::field::cache_control, "no-store");
  });
}

}  // namespace grove::debug
