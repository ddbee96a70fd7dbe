// router_test.cpp — Router: literal, :param and *rest patterns, 404 and
// 405 with Allow, HEAD on GET routes, percent-decoded captures, malformed
// patterns as UsageError.
#include <grove/web/router.hpp>

#include <gtest/gtest.h>

#include "usage_error_of.hpp"

#include <string>

namespace {

using namespace grove::web;

Request make(http::verb m, std::string target) { return Request(Request::Message(m, target, 11)); }

Response echo_params(Request& req) {
  std::string out;
  for (auto& [k, v] : req.params()) out.append(k).append("=").append(v).append(";");
  return Response::text(out);
}

TEST(Router, MatchesLiteralsParamsAndRest) {
  Router r;
  r.get("/", [](Request&) { return Response::text("root"); });
  r.get("/user/:name", echo_params);
  r.post("/put/:room/:nick", echo_params);
  r.get("/static/*path", echo_params);
  auto root = make(http::verb::get, "/");
  EXPECT_EQ(r(root).body(), "root");
  auto user = make(http::verb::get, "/user/ann?x=1");
  EXPECT_EQ(r(user).body(), "name=ann;");
  EXPECT_EQ(user.param("name"), "ann");
  EXPECT_EQ(user.query(), "x=1");
  auto put = make(http::verb::post, "/put/lobby/bob");
  EXPECT_EQ(r(put).body(), "room=lobby;nick=bob;");
  auto deep = make(http::verb::get, "/static/css/site.css");
  EXPECT_EQ(r(deep).body(), "path=css/site.css;");
  auto empty_rest = make(http::verb::get, "/static/");
  EXPECT_EQ(r(empty_rest).body(), "path=;");
}

TEST(Router, DecodesCapturesAndLiterals) {
  Router r;
  r.get("/user/:name", echo_params);
  r.get("/a b", [](Request&) { return Response::text("space"); });
  auto user = make(http::verb::get, "/user/J%C3%BCrgen%20K");
  EXPECT_EQ(r(user).body(), "name=J\xC3\xBCrgen K;");
  auto lit = make(http::verb::get, "/a%20b");
  EXPECT_EQ(r(lit).body(), "space");
  auto bad = make(http::verb::get, "/user/%zz");
  EXPECT_EQ(r(bad).status(), http::status::bad_request);
}

TEST(Router, AnswersNotFoundAndMethodNotAllowed) {
  Router r;
  r.get("/thing", [](Request&) { return Response::text("got"); });
  r.put("/thing", [](Request&) { return Response::text("put"); });
  auto missing = make(http::verb::get, "/other");
  EXPECT_EQ(r(missing).status(), http::status::not_found);
  auto too_deep = make(http::verb::get, "/thing/more");
  EXPECT_EQ(r(too_deep).status(), http::status::not_found);
  auto post = make(http::verb::post, "/thing");
  auto res = r(post);
  EXPECT_EQ(res.status(), http::status::method_not_allowed);
  EXPECT_EQ(res.message()[http::field::allow], "GET, HEAD, PUT");
  auto head = make(http::verb::head, "/thing");
  EXPECT_EQ(r(head).body(), "got");  // the session drops the body of a HEAD answer
}

TEST(Router, FirstMatchingRouteWinsAndAnyTakesEveryMethod) {
  Router r;
  r.get("/x/fixed", [](Request&) { return Response::text("fixed"); });
  r.get("/x/:v", [](Request&) { return Response::text("param"); });
  r.any("/any", [](Request& q) { return Response::text(std::string(http::to_string(q.method()))); });
  auto fixed = make(http::verb::get, "/x/fixed");
  EXPECT_EQ(r(fixed).body(), "fixed");
  auto other = make(http::verb::get, "/x/y");
  EXPECT_EQ(r(other).body(), "param");
  auto del = make(http::verb::delete_, "/any");
  EXPECT_EQ(r(del).body(), "DELETE");
  EXPECT_EQ(r.size(), 3u);
}

TEST(Router, MalformedPatternsAndMissingParamsAreUsageErrors) {
  Router r;
  auto h = [](Request&) { return Response(); };
  EXPECT_NE(grove::test::usage_error_of([&] { r.get("nope", h); }).find("starts with '/'"), std::string::npos);
  EXPECT_NE(grove::test::usage_error_of([&] { r.get("/a/:", h); }).find("needs a name"), std::string::npos);
  EXPECT_NE(grove::test::usage_error_of([&] { r.get("/*rest/x", h); }).find("must be last"), std::string::npos);
  EXPECT_NE(grove::test::usage_error_of([&] { r.get("/a", Handler()); }).find("empty"), std::string::npos);
  auto req = make(http::verb::get, "/");
  EXPECT_NE(grove::test::usage_error_of([&] { (void)req.param("id"); }).find(":id"), std::string::npos);
  EXPECT_NE(grove::test::usage_error_of([&] { (void)req.stream(); }).find("without a connection"), std::string::npos);
}

TEST(Router, FormFieldsAndUrlDecoding) {
  std::string v;
  EXPECT_TRUE(form_field("a=1&message=hello+there%21&b=2", "message", v));
  EXPECT_EQ(v, "hello there!");
  EXPECT_FALSE(form_field("a=1", "message", v));
  EXPECT_FALSE(url_decode("%4", v));
  EXPECT_TRUE(url_decode("a+b", v));
  EXPECT_EQ(v, "a+b");  // '+' is a space only in forms
}

}  // namespace
