// web_debug.cpp — GET /debug/fibers (debug/web_debug.hpp).

#include <grove/debug/web_debug.hpp>

#include <grove/debug/dump.hpp>
#include <grove/web/request.hpp>
#include <grove/web/response.hpp>

namespace grove::debug {

void mount_debug(web::Router& router, const std::string& prefix, Duration timeout) {
  router.get(prefix + "/fibers", [timeout](web::Request&) {
    return web::Response::json(dump_json(timeout)).set(web::http::field::cache_control, "no-store");
  });
}

}  // namespace grove::debug
