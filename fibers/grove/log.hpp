#pragma once
// log.hpp — grove's own logger. Every line grove writes (an unhandled fiber
// exception, a blocked hub, a closure that threw) goes through one spdlog
// logger named "grove", which users configure as any other:
//
//   spdlog::get("grove")->set_level(spdlog::level::warn);   // once it exists
//   grove::set_logger(my_logger);                            // or replace it
//
// Unless a logger named "grove" is registered before grove first logs (then
// that one is used), it is made on first use and registered with spdlog;
// it hands its lines to spdlog's default logger of the moment (its sinks,
// its level), so an application that only configures the default logger
// sees grove's lines there, named [grove]. docs/observability.md, "Logs".

#include <spdlog/logger.h>

#include <memory>

namespace grove {

// logger() is the "grove" logger (any thread).
std::shared_ptr<spdlog::logger> logger();
// set_logger(l) makes l grove's logger from now on (null: back to the
// default, made again on next use). Any thread.
void set_logger(std::shared_ptr<spdlog::logger> l);

}  // namespace grove
