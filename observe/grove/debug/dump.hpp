#pragma once
// debug/dump.hpp — the fiber dump: every hub and fiber of the process as one
// JSON document, schema "grove.fibers/1" (docs/observability.md shows one
// and describes each field). gevent's format_run_info, Go's goroutine dump.
//
//   std::string json = grove::debug::dump_json();   // all hubs
//   grove::debug::DumpOnSignal dumps;               // kill -USR1 <pid> writes one
//
// The schema is stable: fields are added, never renamed or removed, within
// "grove.fibers/1" (grove-top and the /debug/ page read it).

#include <grove/duration.hpp>
#include <grove/introspect.hpp>
#include <grove/signal.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

namespace grove::debug {

inline constexpr const char* fibers_schema = "grove.fibers/1";

// write_json(hubs) is the document for these snapshots.
std::string write_json(const std::vector<HubSnapshot>& hubs);

// dump_json(timeout) snapshots every hub of the process (snapshot_all:
// hubs that do not answer within timeout are marked "responsive": false)
// and returns the document. Any thread; a fiber caller parks meanwhile.
std::string dump_json(Duration timeout = std::chrono::seconds(1));

// dump(timeout) is dump_json() parsed, for code that inspects it.
nlohmann::json dump(Duration timeout = std::chrono::seconds(1));

// DumpOnSignal writes a dump each time the process receives signo
// (SIGUSR1 by default): into a new file $GROVE_DUMP_DIR/grove-fibers-<pid>-<n>.json
// when that variable names a directory, else to stderr. The signal handler
// only wakes this hub (grove::signal, on boost::asio::signal_set); a fiber
// of this hub takes the dump and writes it. Create it on the hub that
// should do the writing; it stops listening when destroyed.
class DumpOnSignal {
 public:
  explicit DumpOnSignal(int signo = SIGUSR1);
  // written() counts the dumps written so far; last_path() is the last
  // file written ("" for stderr).
  [[nodiscard]] std::size_t written() const noexcept { return *written_; }
  [[nodiscard]] const std::string& last_path() const noexcept { return *last_path_; }

 private:
  std::shared_ptr<std::size_t> written_ = std::make_shared<std::size_t>(0);
  std::shared_ptr<std::string> last_path_ = std::make_shared<std::string>();
  SignalHandler handler_;
};

}  // namespace grove::debug
