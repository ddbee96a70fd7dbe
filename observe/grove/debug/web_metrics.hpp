#pragma once
// debug/web_metrics.hpp — Prometheus metrics over HTTP: GET /metrics on a
// grove::web::Router answers Metrics::scrape() (debug/metrics.hpp), served
// by grove's own HTTP server (no extra thread). Target grove::observe_metrics.
//
//   auto metrics = std::make_shared<grove::debug::Metrics>();
//   grove::web::Router r;
//   grove::debug::mount_metrics(r, metrics);   // GET /metrics
//   grove::web::HttpServer server(grove::tcp_endpoint("127.0.0.1", 9100), r);

#include <grove/debug/metrics.hpp>
#include <grove/web/router.hpp>

#include <memory>
#include <string>

namespace grove::debug {

// mount_metrics(router, metrics, path) adds GET path; a null metrics is
// shared_metrics() (debug/metrics.hpp).
void mount_metrics(web::Router& router, std::shared_ptr<const Metrics> metrics = nullptr,
                   const std::string& path = "/metrics");

}  // namespace grove::debug
