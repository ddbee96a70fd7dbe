#pragma once
// debug/web_debug.hpp — the fiber dump over HTTP: GET <prefix>/fibers on a
// grove::web::Router answers the "grove.fibers/1" document of every hub
// (debug/dump.hpp), and GET <prefix>/ a small HTML page that shows it as
// tables of hubs, actors and fibers, refreshed every second (sortable by
// any column; observe/page/debug.html, embedded in the library). Target
// grove::observe_web (grove::observe + grove::web).
//
//   grove::web::Router r;
//   grove::debug::mount_debug(r);           // GET /debug/fibers, GET /debug/
//   grove::web::HttpServer server(grove::tcp_endpoint("127.0.0.1", 8000), r);
//
// Mount it only where the listener is trusted (loopback, an admin port):
// the dump names every fiber and the source files they were spawned from.

#include <grove/duration.hpp>
#include <grove/web/router.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace grove::debug {

// mount_debug(router, prefix, timeout) adds GET prefix + "/fibers" and GET
// prefix + "/" (the page, which reads "fibers" relative to itself; GET
// prefix redirects there);
// timeout bounds the wait for the other hubs (snapshot_all).
void mount_debug(web::Router& router, const std::string& prefix = "/debug", Duration timeout = std::chrono::seconds(1));

// debug_page() is the page's HTML.
std::string_view debug_page() noexcept;

}  // namespace grove::debug
