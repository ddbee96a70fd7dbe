#pragma once
// debug/web_debug.hpp — the fiber dump over HTTP: GET <prefix>/fibers on a
// grove::web::Router answers the "grove.fibers/1" document of every hub
// (debug/dump.hpp). Target grove::observe_web (grove::observe + grove::web).
//
//   grove::web::Router r;
//   grove::debug::mount_debug(r);           // GET /debug/fibers
//   grove::web::HttpServer server(grove::tcp_endpoint("127.0.0.1", 8000), r);
//
// Mount it only where the listener is trusted (loopback, an admin port):
// the dump names every fiber and the source files they were spawned from.

#include <grove/duration.hpp>
#include <grove/web/router.hpp>

#include <chrono>
#include <string>

namespace grove::debug {

// mount_debug(router, prefix, timeout) adds GET prefix + "/fibers";
// timeout bounds the wait for the other hubs (snapshot_all).
void mount_debug(web::Router& router, const std::string& prefix = "/debug", Duration timeout = std::chrono::seconds(1));

}  // namespace grove::debug
