// log.cpp — grove's "grove" logger (log.hpp).

#include <grove/log.hpp>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

namespace grove {

namespace {
// DefaultLoggerSink hands each line to the sinks of spdlog's default logger
// as it is when the line is written (after that logger's level), so the
// "grove" logger follows set_default_logger() until set_logger() is called.
class DefaultLoggerSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::shared_ptr<spdlog::logger> d = spdlog::default_logger();
    if (!d || !d->should_log(msg.level)) return;
    for (const spdlog::sink_ptr& s : d->sinks())
      if (s->should_log(msg.level)) s->log(msg);
  }
  void flush_() override {
    if (const std::shared_ptr<spdlog::logger> d = spdlog::default_logger()) d->flush();
  }
};

struct LoggerSlot {
  std::mutex mutex;
  std::shared_ptr<spdlog::logger> logger;
};
LoggerSlot& slot() {
  static LoggerSlot* s = new LoggerSlot;  // never destroyed: logging may outlive statics
  return *s;
}
}  // namespace

std::shared_ptr<spdlog::logger> logger() {
  LoggerSlot& s = slot();
  std::lock_guard lock(s.mutex);
  if (!s.logger) {
    s.logger = spdlog::get("grove");
    if (!s.logger) {
      s.logger = std::make_shared<spdlog::logger>("grove", std::make_shared<DefaultLoggerSink>());
      s.logger->set_level(spdlog::level::trace);  // the default logger's level applies
      try {
        spdlog::register_logger(s.logger);
      } catch (const spdlog::spdlog_ex&) {
        s.logger = spdlog::get("grove");  // another thread registered one meanwhile
      }
    }
  }
  return s.logger;
}

void set_logger(std::shared_ptr<spdlog::logger> l) {
  LoggerSlot& s = slot();
  std::lock_guard lock(s.mutex);
  s.logger = std::move(l);
}

}  // namespace grove
