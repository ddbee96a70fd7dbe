#include <grove/hub.hpp>
#include <grove/web/router.hpp>

int main() {
  grove::hub();
  // grove::web links and its headers are installed: route one request by hand.
  grove::web::Router r;
  r.get("/hello/:name",
        [](grove::web::Request& req) { return grove::web::Response::text("hello " + std::string(req.param("name"))); });
  grove::web::Request req(grove::web::Request::Message(grove::web::http::verb::get, "/hello/x", 11));
  return r(req).body() == "hello x" ? 0 : 1;
}
