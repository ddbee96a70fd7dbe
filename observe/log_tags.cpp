// log_tags.cpp — %* and JsonSink (debug/log_tags.hpp).

#include <grove/debug/log_tags.hpp>

#include <grove/errors.hpp>
#include <grove/detail/scheduler.hpp>

#include <spdlog/fmt/fmt.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstring>
#include <iterator>

namespace grove::debug {

FiberTags current_tags() noexcept {
  FiberTags t;
  const detail::Scheduler* s = detail::tls_scheduler;
  if (!s) return t;
  t.in_hub = true;
  t.hub = s->number();
  if (s->in_hub_context()) return t;
  t.in_fiber = true;
  const detail::FiberBase* f = s->current();
  t.fiber = f->id;
  if (const detail::FiberExtras* x = f->extras.get()) {
    t.name = x->name;
    if (x->probe) t.actor = x->name;  // an actor's fiber carries the actor's name
  }
  return t;
}

namespace {
// Tags is the fixed part of the tags, built on the stack and appended once
// (each append to spdlog's buffer costs a call and a memcpy): the tags are
// on every line (docs/benchmarks.md, "Observability").
class Tags {
 public:
  template <std::size_t N>
  void put(const char (&literal)[N]) noexcept {
    std::memcpy(p_, literal, N - 1);
    p_ += N - 1;
  }
  void put(std::uint64_t v) noexcept { p_ = std::to_chars(p_, std::end(buf_), v).ptr; }
  std::string_view view() const noexcept { return {buf_, static_cast<std::size_t>(p_ - buf_)}; }

 private:
  char buf_[96];  // the longest: "hub=" 20 digits " fiber=" 20 " name=Fiber-" 20
  char* p_ = buf_;
};
}  // namespace

void append_tags(spdlog::memory_buf_t& out) {
  const FiberTags t = current_tags();
  if (!t.in_hub) {
    out.push_back('-');
    return;
  }
  Tags tags;
  tags.put("hub=");
  tags.put(t.hub);
  if (!t.in_fiber) {
    tags.put(" fiber=hub");
    out.append(tags.view());
    return;
  }
  tags.put(" fiber=");
  tags.put(t.fiber);
  if (t.name.empty()) {
    tags.put(" name=Fiber-");
    tags.put(t.fiber);
    out.append(tags.view());
  } else {
    tags.put(" name=");
    out.append(tags.view());
    out.append(t.name);
  }
  if (!t.actor.empty()) {
    out.append(std::string_view(" actor="));
    out.append(t.actor);
  }
}

void FiberFlag::format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) {
  append_tags(dest);
}

std::unique_ptr<spdlog::custom_flag_formatter> FiberFlag::clone() const { return std::make_unique<FiberFlag>(); }

std::unique_ptr<spdlog::formatter> tagged_formatter(const std::string& pattern) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<FiberFlag>(fiber_flag).set_pattern(pattern);
  return f;
}

void tag_logger(spdlog::logger& l, const std::string& pattern) { l.set_formatter(tagged_formatter(pattern)); }

JsonSink::JsonSink(const std::string& path)
    : file_(std::make_unique<std::ofstream>(path, std::ios::app | std::ios::binary)), out_(file_.get()) {
  if (!*file_) throw Error("grove::debug::JsonSink: cannot open '" + path + "' for appending");
}

void JsonSink::sink_it_(const spdlog::details::log_msg& msg) {
  using nlohmann::json;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  json line;
  line["time"] = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                             utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
  const auto level = spdlog::level::to_string_view(msg.level);
  line["level"] = std::string(level.data(), level.size());
  line["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
  line["msg"] = std::string(msg.payload.data(), msg.payload.size());
  const FiberTags t = current_tags();
  if (t.in_hub) {
    line["hub"] = t.hub;
    if (t.in_fiber) {
      line["fiber"] = t.fiber;
      line["fiber_name"] = t.name.empty() ? "Fiber-" + std::to_string(t.fiber) : std::string(t.name);
      if (!t.actor.empty()) line["actor"] = std::string(t.actor);
    } else {
      line["fiber"] = "hub";
    }
  }
  *out_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace grove::debug
