// web_metrics.cpp — GET /metrics (debug/web_metrics.hpp).

#include <grove/debug/web_metrics.hpp>

#include <grove/web/request.hpp>
#include <grove/web/response.hpp>

namespace grove::debug {

void mount_metrics(web::Router& router, std::shared_ptr<const Metrics> metrics, const std::string& path) {
  if (!metrics) metrics = shared_metrics();
  router.get(path, [metrics = std::move(metrics)](web::Request&) {
    return web::Response::text(metrics->scrape())
        .set(web::http::field::content_type, Metrics::content_type)
        .set(web::http::field::cache_control, "no-store");
  });
}

}  // namespace grove::debug
