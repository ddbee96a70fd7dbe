// chunk_writer_test.cpp — streaming answers (Response::stream): curl sees
// each piece before the next is written, HTTP/1.0 gets a close-delimited
// body, a client that leaves ends the producer, misuse is a UsageError.
#include <grove/web/chunk_writer.hpp>

#include <grove/event.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>

#include "web_test_support.hpp"

#include <atomic>
#include <string>

namespace grove::web::test {
namespace {

using ChunkWriterTest = WebTest;

TEST_F(ChunkWriterTest, CurlReceivesEachPieceBeforeTheNextIsWritten) {
  // The producer writes piece i+1 only once curl has printed piece i: the
  // pieces can only all arrive if each one was sent on its own.
  Event seen[3];
  std::atomic<int> lines{0};
  bool all_seen = true;
  Router r;
  r.get("/stream", [&](Request&) {
    return Response::stream("text/plain", [&](ChunkWriter& out) {
      for (int i = 0; i < 3; ++i) {
        out.write("piece " + std::to_string(i) + "\n");
        all_seen = seen[i].wait(kWait) && all_seen;
      }
    });
  });
  serve(r);
  auto result = run(std::string(GROVE_CURL) + " -sS -N --max-time 20 " + url("/stream"), [&](const std::string&) {
    const int i = lines.fetch_add(1);
    if (i < 3) seen[i].set();  // Event::set is safe from the worker thread
  });
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.out, "piece 0\npiece 1\npiece 2\n");
  EXPECT_TRUE(all_seen);
}

TEST_F(ChunkWriterTest, TheWireFormatIsChunkedAndKeepAliveContinues) {
  Router r;
  r.get("/stream", [](Request&) {
    return Response::stream("text/plain", [](ChunkWriter& out) {
      out.write("Hello ");
      out.write("");  // nothing: an empty chunk would end the body
      out.write("World");
    });
  });
  r.get("/after", [](Request&) { return Response::text("after"); });
  serve(r);
  RawClient c(server->port());
  c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string all = c.read_all();
  EXPECT_NE(all.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("\r\n\r\n6\r\nHello \r\n5\r\nWorld\r\n0\r\n\r\nHTTP/1.1 200 OK"), std::string::npos) << all;
  EXPECT_NE(all.find("after"), std::string::npos) << all;
}

TEST_F(ChunkWriterTest, Http10GetsTheRawBodyAndAClose) {
  Router r;
  r.get("/stream", [](Request&) {
    return Response::stream("text/plain", [](ChunkWriter& out) {
      out.write("one ");
      out.write("two");
    });
  });
  serve(r);
  RawClient c(server->port());
  c.send("GET /stream HTTP/1.0\r\n\r\n");
  const std::string all = c.read_all();
  EXPECT_EQ(all.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << all;
  EXPECT_EQ(all.find("chunked"), std::string::npos) << all;
  EXPECT_NE(all.find("\r\n\r\none two"), std::string::npos) << all;
}

TEST_F(ChunkWriterTest, AClientThatLeavesEndsTheProducerWithIoError) {
  Event done;
  bool io_error = false;
  Router r;
  r.get("/forever", [&](Request&) {
    return Response::stream("text/plain", [&](ChunkWriter& out) {
      try {
        for (int i = 0; i < 10000; ++i) {
          out.write(std::string(16 * 1024, 'x'));
          this_fiber::sleep(1ms);
        }
      } catch (const IoError&) {
        io_error = true;
        done.set();
        throw;
      }
      done.set();
    });
  });
  serve(r);
  {
    RawClient c(server->port());
    c.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
    c.read_until("xxxx");
  }  // closed with the answer unread
  EXPECT_TRUE(done.wait(kWait));
  EXPECT_TRUE(io_error);
}

TEST_F(ChunkWriterTest, WritingAfterFinishAndAnEmptyProducerAreUsageErrors) {
  EXPECT_THROW(Response::stream("text/plain", Response::Producer()), UsageError);
  std::string misuse;
  Router r;
  r.get("/s", [&](Request&) {
    return Response::stream("text/plain", [&](ChunkWriter& out) {
      out.write("body");
      out.finish();
      try {
        out.write("late");
      } catch (const UsageError& e) {
        misuse = e.what();
      }
    });
  });
  serve(r);
  auto res = curl(url("/s"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.out, "body");
  EXPECT_NE(misuse.find("finished"), std::string::npos) << misuse;
}

}  // namespace
}  // namespace grove::web::test
