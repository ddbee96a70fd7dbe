// trace.cpp — Trace: events to JSON, golden files and their diff,
// GROVE_TRACE_DIR.

#include <grove/testing/trace.hpp>

#include <grove/dead_letters.hpp>
#include <grove/hub.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace grove::testing {

namespace {

std::string_view reason_name(DeadLetterReason r) noexcept {
  switch (r) {
    case DeadLetterReason::dead_actor:
      return "dead_actor";
    case DeadLetterReason::shed:
      return "shed";
    case DeadLetterReason::rejected:
      return "rejected";
    case DeadLetterReason::leftover:
      return "leftover";
    case DeadLetterReason::crashed:
      return "crashed";
    case DeadLetterReason::undecodable:
      return "undecodable";
    case DeadLetterReason::unreachable:
      return "unreachable";
  }
  return "unknown";
}

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string_view(v) != "0";
}

// dump_events() prints an array of events one a line: a golden file's
// format, and what the diff compares.
std::string dump_events(const nlohmann::ordered_json& events) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < events.size(); ++i) {
    out += "  ";
    out += events[i].dump();
    out += i + 1 < events.size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == ',') line.pop_back();  // the last event has no comma
    line.erase(0, line.find_first_not_of(' '));
    lines.push_back(std::move(line));
  }
  return lines;
}

// line_diff() shows how `actual` differs from `expected`, line by line
// (a longest-common-subsequence diff: "-" expected only, "+" actual only),
// with two lines of context around each change.
std::string line_diff(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  const std::size_t n = expected.size(), m = actual.size();
  if (n * m > 16'000'000) return "(too long to diff; compare the files)\n";
  std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = expected[i] == actual[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Line {
    char mark;
    const std::string* text;
  };
  std::vector<Line> script;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] == actual[j]) {
      script.push_back({' ', &expected[i]});
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      script.push_back({'-', &expected[i++]});
    } else {
      script.push_back({'+', &actual[j++]});
    }
  }
  std::string out;
  std::size_t last_shown = 0;
  bool shown_any = false;
  for (std::size_t k = 0; k < script.size(); ++k) {
    bool near_change = false;
    for (std::size_t d = (k >= 2 ? k - 2 : 0); d <= std::min(script.size() - 1, k + 2); ++d)
      near_change |= script[d].mark != ' ';
    if (!near_change) continue;
    if (shown_any && k > last_shown + 1) out += "  ...\n";
    out += script[k].mark;
    out += ' ';
    out += *script[k].text;
    out += '\n';
    last_shown = k;
    shown_any = true;
  }
  return out;
}

}  // namespace

Trace::Trace(TraceOptions options) : options_(options), previous_(set_message_observer(this)) {
  if (options_.time) start_ = hub().now();
}

Trace::~Trace() { set_message_observer(previous_); }

std::string Trace::type_name(const std::type_info& type) { return readable_type_name(type); }

nlohmann::json Trace::payload_of(const MessageEvent& e) const {
  if (e.type) {
    if (auto it = describers_.find(std::type_index(*e.type)); it != describers_.end()) return it->second(e.message);
  }
  if (!e.json) return nullptr;
  std::string text = e.json(e.message);
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;  // not JSON: kept as a string
}

void Trace::on_event(const MessageEvent& e) noexcept {
  try {
    nlohmann::ordered_json event = nlohmann::ordered_json::object();
    event["seq"] = events_.size() + 1;
    event["event"] = std::string(to_string(e.kind));
    if (!e.from.empty()) event["from"] = std::string(e.from);
    event["to"] = std::string(e.to);
    event["type"] = e.type ? type_name(*e.type) : std::string("?");
    if (e.ask) event["ask"] = true;
    if (e.reply) event["reply"] = true;
    if (e.kind == MessageEventKind::drop) {
      event["reason"] = std::string(reason_name(e.reason));
      if (!e.detail.empty()) event["detail"] = std::string(e.detail);
    }
    if (options_.payloads) {
      try {
        if (auto payload = payload_of(e); !payload.is_null()) event["payload"] = nlohmann::ordered_json(payload);
      } catch (const std::exception& x) {
        event["payload_error"] = x.what();
      }
    }
    if (options_.time) {
      const Duration since = hub().now() - start_;
      event["t_us"] = std::chrono::duration_cast<std::chrono::microseconds>(since).count();
    }
    events_.push_back(std::move(event));
  } catch (...) {
    // out of memory: the event is lost, the program goes on
  }
}

nlohmann::json Trace::json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : events_) out.push_back(nlohmann::json(e));
  return out;
}

std::string Trace::dump() const { return dump_events(nlohmann::ordered_json(events_)); }

void Trace::clear() noexcept { events_.clear(); }

::testing::AssertionResult Trace::compare_with_golden(const std::filesystem::path& path) const {
  const std::string actual = dump();
  if (env_flag("GROVE_UPDATE_GOLDEN")) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    if (!out) return ::testing::AssertionFailure() << "cannot write the golden file " << path;
    return ::testing::AssertionSuccess() << "rewrote the golden file " << path;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return ::testing::AssertionFailure() << "the golden file " << path
                                         << " does not exist; run with GROVE_UPDATE_GOLDEN=1 to create it. The trace:\n"
                                         << actual;
  std::stringstream text;
  text << in.rdbuf();
  auto golden = nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (golden.is_discarded() || !golden.is_array())
    return ::testing::AssertionFailure() << "the golden file " << path << " is not a JSON array";
  if (nlohmann::json(golden) == json()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the trace differs from the golden file " << path
                                       << " (- golden, + trace; GROVE_UPDATE_GOLDEN=1 rewrites it):\n"
                                       << line_diff(lines_of(dump_events(golden)), lines_of(actual));
}

std::optional<std::filesystem::path> Trace::write_if_requested(std::string_view name) const {
  const char* dir = std::getenv("GROVE_TRACE_DIR");
  if (!dir || !*dir) return std::nullopt;
  std::string file(name.empty() ? current_test_name() : std::string(name));
  if (file.empty()) file = "trace";
  std::replace(file.begin(), file.end(), '/', '_');
  std::filesystem::path path = std::filesystem::path(dir) / (file + ".json");
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << dump();
  if (!out) return std::nullopt;
  return path;
}

}  // namespace grove::testing
