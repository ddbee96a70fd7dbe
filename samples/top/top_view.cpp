// top_view.cpp — grove-top's rows and screen (top_view.hpp).

#include "top_view.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <ctime>

namespace grove::top {

const char* to_string(SortKey key) noexcept {
  switch (key) {
    case SortKey::run_time:
      return "run time";
    case SortKey::wakes:
      return "wakes";
    case SortKey::mailbox:
      return "mailbox depth";
    case SortKey::wait_age:
      return "wait age";
  }
  return "?";
}

namespace {

template <class T>
T get_or(const nlohmann::json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

double sort_value(const FiberRow& r, SortKey key) {
  switch (key) {
    case SortKey::run_time:
      return r.run_ms;
    case SortKey::wakes:
      return static_cast<double>(r.wakes);
    case SortKey::mailbox:
      return static_cast<double>(r.mailbox);
    case SortKey::wait_age:
      return r.wait_ms;
  }
  return 0;
}

std::string cut(std::string s, std::size_t width) {
  if (s.size() > width) s.resize(width);
  return s;
}

}  // namespace

Snapshot parse(const nlohmann::json& doc, const Snapshot* previous) {
  if (doc.at("schema") != "grove.fibers/1") throw nlohmann::json::other_error::create(501, "not grove.fibers/1", &doc);
  Snapshot s;
  s.pid = doc.at("pid").get<std::int64_t>();
  s.time_ms = doc.at("time_ms").get<std::int64_t>();
  for (const auto& h : doc.at("hubs")) {
    HubRow row;
    row.hub = h.at("hub").get<std::uint64_t>();
    row.thread = h.at("thread").get<std::string>();
    row.responsive = h.at("responsive").get<bool>();
    row.loop_turns = h.at("loop_turns").get<std::uint64_t>();
    row.busy_ms = get_or(h, "busy_ms", 0.0);
    row.idle_ms = get_or(h, "idle_ms", 0.0);
    row.ready = get_or<std::uint64_t>(h, "ready", 0);
    row.timers = get_or<std::uint64_t>(h, "timers", 0);
    row.fibers = get_or<std::uint64_t>(h, "fiber_count", 0);
    row.spawned = get_or<std::uint64_t>(h, "spawned", 0);
    if (previous) {
      for (const HubRow& p : previous->hubs) {
        const double dt_ms = static_cast<double>(s.time_ms - previous->time_ms);
        if (p.hub != row.hub || dt_ms <= 0) continue;
        row.turns_per_s = static_cast<double>(row.loop_turns - std::min(row.loop_turns, p.loop_turns)) * 1000 / dt_ms;
        row.busy_percent = std::clamp((row.busy_ms - p.busy_ms) * 100 / dt_ms, 0.0, 100.0);
      }
    }
    s.hubs.push_back(std::move(row));
    for (const auto& f : h.value("fibers", nlohmann::json::array())) {
      FiberRow r;
      r.id = f.at("id").get<std::uint64_t>();
      r.hub = f.at("hub").get<std::uint64_t>();
      r.name = f.at("name").get<std::string>();
      r.state = f.at("state").get<std::string>();
      if (const auto w = f.find("wait"); w != f.end()) {
        r.waits_on = w->at("on").get<std::string>();
        r.wait_ms = w->at("for_ms").get<double>();
      }
      if (const auto sp = f.find("spawn"); sp != f.end() && !sp->is_null()) {
        const std::string file = sp->at("file").get<std::string>();
        r.site = file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(sp->at("line").get<int>());
      }
      const auto& c = f.at("counters");
      r.run_ms = static_cast<double>(c.at("run_ns").get<std::int64_t>()) / 1e6;
      r.wakes = c.at("wakes").get<std::uint64_t>();
      r.switches = c.at("switches_in").get<std::uint64_t>();
      if (const auto a = f.find("actor"); a != f.end()) {
        r.actor = true;
        r.actor_name = a->at("name").get<std::string>();
        r.mailbox = a->at("mailbox").at("depth").get<std::uint64_t>();
        r.remote = get_or<std::uint64_t>(a->at("mailbox"), "remote_received", 0);
        r.restarts = get_or<std::uint64_t>(*a, "restarts", 0);
      }
      s.fibers.push_back(std::move(r));
    }
  }
  return s;
}

void sort_rows(std::vector<FiberRow>& rows, SortKey key) {
  std::stable_sort(rows.begin(), rows.end(), [key](const FiberRow& a, const FiberRow& b) {
    const double x = sort_value(a, key), y = sort_value(b, key);
    if (x != y) return x > y;
    return a.hub != b.hub ? a.hub < b.hub : a.id < b.id;
  });
}

std::vector<std::string> render(const Snapshot& s, SortKey key, const std::string& source, std::size_t width,
                                std::size_t height) {
  std::vector<std::string> out;
  const std::time_t now = static_cast<std::time_t>(s.time_ms / 1000);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  std::size_t actors = 0;
  for (const FiberRow& f : s.fibers) actors += f.actor ? 1 : 0;
  out.push_back(fmt::format("grove-top  {}  pid {}  {:02}:{:02}:{:02}  {} hubs  {} fibers  {} actors", source, s.pid,
                            tm.tm_hour, tm.tm_min, tm.tm_sec, s.hubs.size(), s.fibers.size(), actors));
  out.push_back(fmt::format("sort: {}   keys: r run time  w wakes  m mailbox  a wait age  q quit", to_string(key)));
  out.emplace_back();
  out.push_back(fmt::format("{:>4} {:>16} {:>5} {:>12} {:>9} {:>6} {:>6} {:>7} {:>7} {:>9}", "HUB", "THREAD", "RESP",
                            "LOOP TURNS", "TURNS/S", "BUSY%", "READY", "TIMERS", "FIBERS", "SPAWNED"));
  for (const HubRow& h : s.hubs)
    out.push_back(fmt::format("{:>4} {:>16} {:>5} {:>12} {:>9.0f} {:>6.1f} {:>6} {:>7} {:>7} {:>9}", h.hub,
                              cut(h.thread, 16), h.responsive ? "yes" : "NO", h.loop_turns, h.turns_per_s,
                              h.busy_percent, h.ready, h.timers, h.fibers, h.spawned));

  std::vector<FiberRow> rows = s.fibers;
  sort_rows(rows, key);
  // Actors get up to a third of what is left, fibers the rest.
  const std::size_t left = height > out.size() + 5 ? height - out.size() - 5 : 0;
  const std::size_t actor_rows = std::min(actors, std::max<std::size_t>(left / 3, std::min<std::size_t>(actors, 1)));
  out.emplace_back();
  out.push_back(fmt::format("{:<24} {:>4} {:>7} {:<8} {:>8} {:>8} {:>10} {:>10} {:>8} {:>9}", "ACTOR", "HUB", "FIBER",
                            "STATE", "MAILBOX", "RESTARTS", "FROM HUBS", "RUN MS", "WAKES", "WAIT MS"));
  std::size_t shown = 0;
  for (const FiberRow& f : rows) {
    if (!f.actor || shown++ >= actor_rows) continue;
    out.push_back(fmt::format("{:<24} {:>4} {:>7} {:<8} {:>8} {:>8} {:>10} {:>10.3f} {:>8} {:>9.1f}",
                              cut(f.actor_name, 24), f.hub, f.id, f.state, f.mailbox, f.restarts, f.remote, f.run_ms,
                              f.wakes, f.wait_ms));
  }
  out.emplace_back();
  out.push_back(fmt::format("{:>7} {:>4} {:<24} {:<8} {:<22} {:>9} {:>10} {:>8} {:>9} {}", "FIBER", "HUB", "NAME",
                            "STATE", "WAITS ON", "WAIT MS", "RUN MS", "WAKES", "SWITCHES", "SPAWNED AT"));
  for (const FiberRow& f : rows) {
    if (out.size() >= height) break;
    out.push_back(fmt::format("{:>7} {:>4} {:<24} {:<8} {:<22} {:>9.1f} {:>10.3f} {:>8} {:>9} {}", f.id, f.hub,
                              cut(f.name, 24), f.state, cut(f.waits_on, 22), f.wait_ms, f.run_ms, f.wakes, f.switches,
                              f.site));
  }
  for (std::string& line : out) line = cut(std::move(line), width);
  if (out.size() > height) out.resize(height);
  return out;
}

}  // namespace grove::top
