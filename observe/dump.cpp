// dump.cpp — the "grove.fibers/1" document (debug/dump.hpp). It is written
// straight into one buffer with fmt: 100,000 fibers in a few tens of
// milliseconds (bench/observe_bench.cpp), where building an nlohmann::json
// tree first costs several times more. nlohmann escapes the strings that
// need it.

#include <grove/debug/dump.hpp>

#include <grove/hub.hpp>

#include <spdlog/fmt/fmt.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace grove::debug {

namespace {

using Buffer = fmt::memory_buffer;

// put_string(out, s) writes s as a JSON string: as it is when nothing in it
// needs escaping (the common case: names, file paths), else through nlohmann
// (invalid UTF-8 replaced, not thrown).
void put_string(Buffer& out, std::string_view s) {
  bool plain = true;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  const std::string escaped =
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.append(escaped);
}

// put_site_string(out, s, cache) is put_string for the static strings of a
// spawn site: fibers spawned at one place share them (the same pointer), so
// the verdict "needs no escaping" is remembered for the last one seen.
struct SiteCache {
  const char* plain = nullptr;
};
void put_site_string(Buffer& out, const char* s, SiteCache& cache) {
  if (s == cache.plain) {
    out.push_back('"');
    out.append(std::string_view(s));
    out.push_back('"');
    return;
  }
  const std::string_view v(s);
  const std::size_t before = out.size();
  put_string(out, v);
  if (out.size() == before + v.size() + 2) cache.plain = s;  // written as it is
}

// put_int(out, key, v) writes `key` (the punctuation and name before the
// number) and v, without a format string to parse.
template <class Int>
void put_int(Buffer& out, std::string_view key, Int v) {
  out.append(key);
  const fmt::format_int digits(v);
  out.append(std::string_view(digits.data(), digits.size()));
}

// put_ms(out, d) writes d in milliseconds with three decimals, by integer
// arithmetic (several times faster than formatting a double).
void put_ms(Buffer& out, std::chrono::nanoseconds d) {
  std::int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 0) {
    out.push_back('-');
    us = -us;
  }
  put_int(out, "", us / 1000);
  const auto frac = static_cast<int>(us % 1000);
  const char digits[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                          static_cast<char>('0' + frac % 10)};
  out.append(std::string_view(digits, 4));
}

double ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

struct Caches {
  SiteCache file;
  SiteCache function;
};

void put_fiber(Buffer& out, const FiberSnapshot& f, std::uint64_t hub, Caches& caches) {
  put_int(out, "{\"id\":", f.id);
  put_int(out, ",\"hub\":", hub);
  out.append(std::string_view(",\"name\":"));
  put_string(out, f.name);
  if (f.parent_id) put_int(out, ",\"parent\":", *f.parent_id);
  else out.append(std::string_view(",\"parent\":null"));
  out.append(std::string_view(",\"state\":\""));
  out.append(std::string_view(f.state));
  out.append(std::string_view("\",\"spawn\":"));
  if (f.line != 0) {
    out.append(std::string_view("{\"file\":"));
    put_site_string(out, f.file, caches.file);
    put_int(out, ",\"line\":", f.line);
    out.append(std::string_view(",\"function\":"));
    put_site_string(out, f.function, caches.function);
    out.push_back('}');
  } else {
    out.append(std::string_view("null"));
  }
  if (f.waiting_for) {
    out.append(std::string_view(",\"wait\":{\"on\":"));
    put_string(out, f.waits_on);
    if (f.waits_for_fiber) {
      put_int(out, ",\"fiber\":", *f.waits_for_fiber);
      out.append(std::string_view(",\"relation\":"));
      put_string(out, f.waits_relation);
    }
    out.append(std::string_view(",\"for_ms\":"));
    put_ms(out, *f.waiting_for);
    if (f.deadline_in) {
      out.append(std::string_view(",\"deadline_in_ms\":"));
      put_ms(out, *f.deadline_in);
    }
    out.push_back('}');
  }
  put_int(out, ",\"counters\":{\"switches_in\":", f.switches_in);
  put_int(out, ",\"wakes\":", f.wakes);
  put_int(out, ",\"run_ns\":", f.run_time.count());
  put_int(out, ",\"longest_run_ns\":", f.longest_run.count());
  out.push_back('}');
  if (f.actor) {
    const ActorSnapshot& a = *f.actor;
    out.append(std::string_view(",\"actor\":{\"name\":"));
    put_string(out, a.name);
    fmt::format_to(std::back_inserter(out), ",\"mailbox\":{{\"depth\":{}", a.mailbox_depth);
    if (a.mailbox_high_water) fmt::format_to(std::back_inserter(out), ",\"high_water\":{}", *a.mailbox_high_water);
    if (a.remote_received) fmt::format_to(std::back_inserter(out), ",\"remote_received\":{}", *a.remote_received);
    out.push_back('}');
    if (a.processed) fmt::format_to(std::back_inserter(out), ",\"processed\":{}", *a.processed);
    if (a.restarts) fmt::format_to(std::back_inserter(out), ",\"restarts\":{}", *a.restarts);
    if (a.supervisor) {
      out.append(std::string_view(",\"supervisor\":"));
      put_string(out, *a.supervisor);
    }
    out.push_back('}');
  }
  out.push_back('}');
}

void put_hub(Buffer& out, const HubSnapshot& h) {
  fmt::format_to(std::back_inserter(out), "{{\"hub\":{},\"thread\":", h.number);
  put_string(out, h.thread);
  fmt::format_to(std::back_inserter(out), ",\"responsive\":{},\"loop_turns\":{}", h.responsive, h.loop_turns);
  if (h.responsive) {
    fmt::format_to(std::back_inserter(out),
                   ",\"busy_ms\":{:.3f},\"idle_ms\":{:.3f},\"ready\":{},\"timers\":{},\"inbox_pending\":{},"
                   "\"fiber_timing\":{},\"fiber_count\":{},\"spawned\":{}",
                   ms(h.busy), ms(h.idle), h.ready, h.timers, h.inbox_pending, h.fiber_timing, h.fiber_count,
                   h.spawned);
  }
  out.append(std::string_view(",\"fibers\":["));
  bool first = true;
  Caches caches;
  for (const FiberSnapshot& f : h.fibers) {
    if (!first) out.push_back(',');
    first = false;
    put_fiber(out, f, h.number, caches);
  }
  out.append(std::string_view("]}"));
}

}  // namespace

std::string write_json(const std::vector<HubSnapshot>& hubs) {
  Buffer out;
  std::size_t fibers = 0;
  for (const HubSnapshot& h : hubs) fibers += h.fibers.size();
  out.reserve(512 + fibers * 320);  // about what a fiber takes: no regrowth
  const auto now = std::chrono::system_clock::now();
  fmt::format_to(std::back_inserter(out), "{{\"schema\":\"{}\",\"pid\":{},\"time_ms\":{},\"hubs\":[", fibers_schema,
                 ::getpid(), std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  bool first = true;
  for (const HubSnapshot& h : hubs) {
    if (!first) out.push_back(',');
    first = false;
    put_hub(out, h);
  }
  out.append(std::string_view("]}\n"));
  return fmt::to_string(out);
}

std::string dump_json(Duration timeout) { return write_json(snapshot_all(timeout)); }

nlohmann::json dump(Duration timeout) { return nlohmann::json::parse(dump_json(timeout)); }

DumpOnSignal::DumpOnSignal(int signo) {
  handler_ = grove::signal(signo, [written = written_, last = last_path_] {
    const std::string doc = dump_json();
    const char* dir = std::getenv("GROVE_DUMP_DIR");
    std::error_code ec;
    if (dir && *dir && std::filesystem::is_directory(dir, ec)) {
      const std::filesystem::path path =
          std::filesystem::path(dir) / fmt::format("grove-fibers-{}-{}.json", ::getpid(), *written + 1);
      std::ofstream file(path, std::ios::binary);
      file << doc;
      file.close();
      if (file) {
        *last = path.string();
        ++*written;
        return;
      }
    }
    std::fwrite(doc.data(), 1, doc.size(), stderr);
    std::fflush(stderr);
    last->clear();
    ++*written;
  });
}

}  // namespace grove::debug
