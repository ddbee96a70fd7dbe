// runtime.cpp — the Runtime's hub threads: start-up, placement and stop.

#include <grove/log.hpp>
#include <grove/runtime.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sched.h>

#include <cstdlib>
#include <exception>
#include <latch>
#include <string>

namespace grove {

namespace detail {

std::exception_ptr unrun_call_error(std::size_t hub) {
  return std::make_exception_ptr(UsageError("grove::Runtime: hub " + std::to_string(hub) +
                                            " stopped before it could run the call; spawn only while the "
                                            "Runtime runs (before stop())"));
}

namespace {

void pin_to_core(std::size_t index) {
  const unsigned cores = std::thread::hardware_concurrency();
  if (cores == 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<int>(index % cores), &set);
  if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); rc != 0)
    grove::logger()->warn("grove::Runtime: could not pin hub {} to core {} (error {}); it runs unpinned", index,
                          index % cores, rc);
}

// run_hub() is the body of hub h's thread: create the hub, say so, then let
// the main fiber wait for stop() while the hub runs everything else.
void run_hub(RuntimeHub& h, const Runtime::Config& config, std::latch& started, std::exception_ptr& failure) {
  tls_runtime_hub = &h;
  if (config.pin) pin_to_core(h.index);
  std::optional<AsyncResult<void>> stop;
  try {
    HubConfig hub_config = config.hub;
    hub_config.spin = config.spin;  // Config::spin is every hub's
    Hub::create(hub_config);
    h.hub = &hub();
    tls_domain_hub = DomainHub{h.domain, h.index};
    h.inbox.attach(scheduler().anchor());
    h.stop_signal.emplace();
    // A second handle, so that the wait keeps the hub alive (a set() can
    // come from another thread) instead of raising LoopExit.
    stop.emplace(*h.stop_signal);
  } catch (...) {
    failure = std::current_exception();
    started.count_down();
    Hub::destroy_current();
    tls_domain_hub = DomainHub{};
    tls_runtime_hub = nullptr;
    return;
  }
  started.count_down();
  try {
    stop->wait();
  } catch (...) {
    grove::logger()->error("grove::Runtime: hub {} stopped waiting for stop(): {}", h.index, describe_current());
  }
  stop.reset();
  try {
    hub().shutdown(h.grace);
  } catch (...) {
    grove::logger()->error("grove::Runtime: hub {} shutdown failed: {}", h.index, describe_current());
  }
  Hub::destroy_current();
  tls_domain_hub = DomainHub{};
  tls_runtime_hub = nullptr;
}

}  // namespace

std::optional<std::size_t> RuntimeDomain::index_of(const Hub* hub) const noexcept {
  for (const auto& h : hubs_)
    if (h->hub == hub) return h->index;
  return std::nullopt;
}

bool RuntimeDomain::post(std::size_t index, std::function<void()> fn) const {
  if (index >= hubs_.size()) return false;
  return hubs_[index]->inbox.post(std::move(fn));
}

}  // namespace detail

std::size_t Runtime::default_hub_count() noexcept {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

Duration Runtime::default_spin() noexcept {
  return std::thread::hardware_concurrency() <= 2 ? Duration::zero() : Duration(std::chrono::microseconds(50));
}

Runtime::Runtime(Config config) : config_(std::move(config)) {
  if (config_.hubs == 0)
    throw UsageError(
        "grove::Runtime: Config::hubs is 0; a Runtime needs at least one hub (the default is one "
        "per core)");
  if (config_.spin < Duration::zero())
    throw UsageError("grove::Runtime: Config::spin is negative; give 0 (sleep at once) or a positive time");
  const std::size_t n = config_.hubs;
  hubs_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto h = std::make_unique<detail::RuntimeHub>();
    h->owner = this;
    h->index = i;
    h->domain = &domain_;
    hubs_.push_back(std::move(h));
  }
  std::latch started(static_cast<std::ptrdiff_t>(n));
  std::vector<std::exception_ptr> failures(n);
  std::exception_ptr start_error;
  for (std::size_t i = 0; i < n; ++i) {
    try {
      hubs_[i]->thread = std::thread(detail::run_hub, std::ref(*hubs_[i]), std::cref(config_), std::ref(started),
                                     std::ref(failures[i]));
    } catch (...) {
      start_error = std::current_exception();
      started.count_down(static_cast<std::ptrdiff_t>(n - i));  // the threads never made
      break;
    }
  }
  started.wait();
  for (auto& f : failures)
    if (f && !start_error) start_error = f;
  running_.store(true, std::memory_order_release);
  if (start_error) {
    stop(Duration::zero());
    std::rethrow_exception(start_error);
  }
}

Runtime::~Runtime() {
  if (local_index()) {
    grove::logger()->critical(
        "grove::Runtime destroyed by one of its own hubs; destroy it from the thread that made it");
    std::abort();
  }
  try {
    stop();
  } catch (...) {
    grove::logger()->error("grove::Runtime: stop() at destruction failed: {}", describe_current());
  }
}

std::vector<HubId> Runtime::hubs() const {
  std::vector<HubId> ids;
  ids.reserve(hubs_.size());
  for (const auto& h : hubs_) ids.push_back(HubId{h->index});
  return ids;
}

std::int64_t Runtime::load(HubId hub) const {
  if (hub.index >= hubs_.size())
    throw UsageError("grove::Runtime::load: hub index " + std::to_string(hub.index) + " is out of range; this " +
                     "Runtime has " + std::to_string(hubs_.size()) + " hub(s), 0 .. " +
                     std::to_string(hubs_.size() - 1));
  return hubs_[hub.index]->load->load(std::memory_order_relaxed);
}

HubId Runtime::place(Placement where) {
  if (!running()) throw UsageError("grove::Runtime::place: the Runtime is stopped; place and spawn only before stop()");
  const std::size_t n = hubs_.size();
  switch (where.kind()) {
    case Placement::Kind::local:
      return HubId{local_index().value_or(0)};
    case Placement::Kind::round_robin:
      return HubId{static_cast<std::size_t>(next_round_robin_.fetch_add(1, std::memory_order_relaxed) % n)};
    case Placement::Kind::hash:
      return HubId{detail::place_hash(where.key(), n)};
    case Placement::Kind::least_loaded: {
      std::size_t a = 0;
      std::size_t b = 0;
      detail::pick_two(n, a, b);
      const auto load_a = hubs_[a]->load->load(std::memory_order_relaxed);
      const auto load_b = hubs_[b]->load->load(std::memory_order_relaxed);
      return HubId{load_b < load_a ? b : a};
    }
  }
  return HubId{0};
}

const detail::RuntimeHub& Runtime::target(HubId hub, const char* what) const {
  if (!running())
    throw UsageError(std::string("grove::") + what +
                     ": the Runtime is stopped; spawn on it only between its construction and stop()");
  if (hub.index >= hubs_.size())
    throw UsageError(std::string("grove::") + what + ": hub index " + std::to_string(hub.index) +
                     " is out of range; this Runtime has " + std::to_string(hubs_.size()) + " hub(s), 0 .. " +
                     std::to_string(hubs_.size() - 1) + " (Runtime::hubs() lists them)");
  return *hubs_[hub.index];
}

void Runtime::stop(Deadline grace) {
  if (local_index())
    throw UsageError(
        "grove::Runtime::stop: called from one of the Runtime's own hubs, which cannot wait for its "
        "own thread to end; stop it from the thread that made it (main)");
  grace.check("Runtime::stop");
  std::lock_guard<std::mutex> lock(stop_mutex_);
  running_.store(false, std::memory_order_release);
  for (auto& h : hubs_) {
    if (!h->thread.joinable() || !h->stop_signal) continue;
    h->grace = grace;
    h->stop_signal->set();
  }
  for (auto& h : hubs_)
    if (h->thread.joinable()) h->thread.join();
  for (auto& h : hubs_) h->stop_signal.reset();
}

}  // namespace grove
