#pragma once
// router.hpp — Router: method + path pattern -> handler, the one HTTP
// handler an HttpServer runs.
//
//   web::Router r;
//   r.get("/", [](web::Request&) { return web::Response::text("Hello World\n"); });
//   r.post("/put/:room/:nick", put);            // req.param("room"), req.param("nick")
//   r.get("/static/*path", files);               // *path: the rest of the path
//   web::HttpServer server(grove::tcp_endpoint("127.0.0.1", 8000), r);
//
// A pattern is a sequence of '/'-separated segments: a literal (matched
// exactly, after percent-decoding the request's segment), `:name` (any one
// non-empty segment) or, last only, `*name` (the rest of the path, possibly
// empty, its segments joined by '/'). Routes are tried in the order added;
// the first whose pattern and method match answers. When a pattern matches
// but no route of it takes the method, the answer is 405 with an Allow
// header; when no pattern matches, 404. A route for GET also answers HEAD.
// A malformed pattern (not starting with '/', an empty `:` name, `*` not
// last) is a UsageError at add(). Not thread-safe; configure it before the
// server starts.

#include <grove/web/http.hpp>
#include <grove/web/request.hpp>
#include <grove/web/response.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace grove::web {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  Router& add(http::verb method, std::string_view pattern, Handler handler);
  Router& get(std::string_view pattern, Handler h) { return add(http::verb::get, pattern, std::move(h)); }
  Router& post(std::string_view pattern, Handler h) { return add(http::verb::post, pattern, std::move(h)); }
  Router& put(std::string_view pattern, Handler h) { return add(http::verb::put, pattern, std::move(h)); }
  Router& del(std::string_view pattern, Handler h) { return add(http::verb::delete_, pattern, std::move(h)); }
  // any(pattern, h) answers every method.
  Router& any(std::string_view pattern, Handler h) { return add(http::verb::unknown, pattern, std::move(h)); }

  // operator()(req) routes req (filling req.params()) and runs the handler.
  Response operator()(Request& req) const;
  std::size_t size() const noexcept { return routes_.size(); }

 private:
  struct Segment {
    enum Kind { literal, param, rest } kind;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    http::verb method;  // unknown: any
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };
  static bool match(const Route& r, const std::vector<std::string>& path,
                    std::vector<std::pair<std::string, std::string>>& params);
  std::vector<Route> routes_;
};

}  // namespace grove::web
