#pragma once
// debug/log_tags.hpp — log lines that say which fiber wrote them: an spdlog
// flag (%*) that expands to the hub, fiber id and name, and actor name of
// the fiber that logs, and a JSON-lines sink carrying the same fields.
// docs/observability.md, "Logs".
//
//   grove::debug::tag_logger(*spdlog::default_logger());   // pattern with %*
//   spdlog::info("joined");   // [...] [info] [hub=0 fiber=7 name=room-1 actor=room-1] joined
//
//   auto sink = std::make_shared<grove::debug::JsonSink>(std::cout);
//   // {"time":"...","level":"info","logger":"app","msg":"joined","hub":0,"fiber":7,...}
//
// The tags are read when the line is formatted: on the logging thread for
// spdlog's synchronous loggers (the usual case). An async logger formats
// on its worker thread, which runs no fiber: its lines are tagged "-".

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace grove::debug {

// FiberTags is who is running on this thread.
struct FiberTags {
  bool in_hub = false;    // this thread has a hub
  bool in_fiber = false;  // a fiber runs (not the hub's own context)
  std::uint64_t hub = 0;  // the hub's number (the dump's "hub")
  std::uint64_t fiber = 0;
  std::string_view name;   // empty: the fiber has no name ("Fiber-<id>")
  std::string_view actor;  // the actor's name, when the fiber runs an actor
};
// current_tags() reads them; allocation-free. The views live as long as
// the fiber keeps its name.
FiberTags current_tags() noexcept;
// append_tags(out) writes "hub=0 fiber=7 name=worker actor=room", or "-"
// off any hub ("hub=0 fiber=hub" in the hub's own context).
void append_tags(spdlog::memory_buf_t& out);

// FiberFlag is the custom flag formatter behind %*.
class FiberFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& time, spdlog::memory_buf_t& dest) override;
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override;
};

inline constexpr char fiber_flag = '*';
inline constexpr const char* tagged_pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] [%*] %v";

// tagged_formatter(pattern) is a pattern formatter that knows %*.
std::unique_ptr<spdlog::formatter> tagged_formatter(const std::string& pattern = tagged_pattern);
// tag_logger(l, pattern) gives every sink of l that formatter.
void tag_logger(spdlog::logger& l, const std::string& pattern = tagged_pattern);

// JsonSink writes one JSON object a line: time (ISO 8601, UTC), level,
// logger, msg, and hub, fiber, fiber_name, actor when logged from a hub.
// It writes to a stream the caller keeps alive, or to a file it opens
// (appending). Thread-safe (std::mutex).
class JsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JsonSink(std::ostream& out) : out_(&out) {}
  explicit JsonSink(const std::string& path);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override { out_->flush(); }

 private:
  std::unique_ptr<std::ofstream> file_;
  std::ostream* out_;
};

}  // namespace grove::debug
