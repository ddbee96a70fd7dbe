// static_files_test.cpp — StaticFiles through curl: Content-Type by
// extension, index.html for a directory, 404, and path traversal refused
// however it is spelled (`/../`, `%2e%2e`, `%2f`, backslash, a symlink out).
#include <grove/web/static_files.hpp>

#include "usage_error_of.hpp"
#include "web_test_support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace grove::web::test {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    base = fs::path(::testing::TempDir()) / ("grove_web_static_" + std::to_string(::getpid()));
    fs::remove_all(base);
    fs::create_directories(base / "www" / "css");
    fs::create_directories(base / "www" / "docs");
    std::ofstream(base / "secret.txt") << "top secret";
    std::ofstream(base / "www" / "index.html") << "<h1>home</h1>";
    std::ofstream(base / "www" / "css" / "site.css") << "body{}";
    std::ofstream(base / "www" / "app.js") << "let x;";
    std::ofstream(base / "www" / "data.bin") << "\x01\x02";
    std::ofstream(base / "www" / "docs" / "index.html") << "<h1>docs</h1>";
    fs::create_symlink(base / "secret.txt", base / "www" / "link.txt");
    Router r;
    r.get("/static/*path", StaticFiles(base / "www"));
    serve(r);
  }
  void TearDown() override {
    WebTest::TearDown();
    fs::remove_all(base);
  }
  // fetch(path): "CODE TYPE\nBODY" for a request sent as is (no client-side normalising).
  std::string fetch(const std::string& path) {
    return curl("--path-as-is -w '\\n%{http_code} %{content_type}' " + url(path)).out;
  }
  fs::path base;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentType) {
  EXPECT_EQ(fetch("/static/css/site.css"), "body{}\n200 text/css; charset=utf-8");
  EXPECT_EQ(fetch("/static/app.js"), "let x;\n200 text/javascript; charset=utf-8");
  EXPECT_EQ(fetch("/static/data.bin"), "\x01\x02\n200 application/octet-stream");
  EXPECT_EQ(fetch("/static/"), "<h1>home</h1>\n200 text/html; charset=utf-8");
  EXPECT_EQ(fetch("/static/docs"), "<h1>docs</h1>\n200 text/html; charset=utf-8");
  EXPECT_EQ(fetch("/static/missing.txt"), "not found\n\n404 text/plain; charset=utf-8");
}

TEST_F(StaticFilesTest, PathTraversalIsRefusedHoweverItIsSpelled) {
  for (const char* path :
       {"/static/../secret.txt", "/static/css/../../secret.txt", "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt", "/static/..%2fsecret.txt", "/static/%2e%2e%2fsecret.txt",
        "/static/css/..%5c..%5csecret.txt", "/static/./app.js", "/static/link.txt", "/static/%2fetc%2fpasswd"}) {
    const std::string got = fetch(path);
    EXPECT_EQ(got.find("top secret"), std::string::npos) << path;
    EXPECT_NE(got.find("\n403 "), std::string::npos) << path << ": " << got;
  }
  // Outside the route entirely: no route, nothing served.
  EXPECT_EQ(fetch("/../secret.txt").find("top secret"), std::string::npos);
}

TEST(StaticFilesTypes, ContentTypeByExtension) {
  EXPECT_EQ(content_type_for("a/b/index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("x.json"), "application/json");
  EXPECT_EQ(content_type_for("x.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("x.png"), "image/png");
  EXPECT_EQ(content_type_for("dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("x.unknown"), "application/octet-stream");
}

TEST(StaticFilesTypes, ARootThatIsNotADirectoryIsAUsageError) {
  EXPECT_NE(grove::test::usage_error_of([] { StaticFiles("/nonexistent/grove/dir"); }).find("not a directory"),
            std::string::npos);
}

}  // namespace
}  // namespace grove::web::test
