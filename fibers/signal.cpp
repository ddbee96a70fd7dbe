// signal.cpp — grove::signal on boost::asio::signal_set, and GracefulShutdown.

#include <grove/log.hpp>
#include <grove/signal.hpp>

#include <grove/hub.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/detail/scheduler.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <optional>
#include <string>

namespace grove {

struct SignalHandler::State : std::enable_shared_from_this<SignalHandler::State> {
  State(int signo, std::function<void(int)> handler) : signo(signo), handler(std::move(handler)) {}

  // arm() waits for the next delivery without keeping the hub alive: a
  // signal handler is weak, as gevent's signal watchers are, so a hub with
  // nothing but handlers left is idle (Hub::run() returns, a blocked main
  // fiber gets LoopExit). Asio counts the pending wait as outstanding work;
  // the count is given back right after arming and taken again when the
  // completion runs (Asio gives it back once the completion returns).
  // Asio 1.74 has no public call for this: the io_context's scheduler
  // service keeps the count.
  void arm() {
    auto& work = boost::asio::use_service<boost::asio::detail::scheduler>(set->get_executor().context());
    set->async_wait([self = shared_from_this(), &work](const boost::system::error_code& ec, int) {
      work.work_started();
      self->delivered(ec);
    });
    work.work_finished();
  }
  // delivered() runs in the hub's context: start the handler's fiber, re-arm.
  void delivered(const boost::system::error_code& ec) {
    if (ec || !set || !Hub::exists()) return;
    try {
      auto f = grove::spawn([self = shared_from_this()] { self->handler(self->signo); });
      f.set_name("signal " + std::to_string(signo));
    } catch (const std::exception& e) {
      grove::logger()->error("grove::signal: could not start the handler of signal {}: {}", signo, e.what());
    }
    arm();
  }
  void stop() noexcept {
    if (!set) return;
    boost::system::error_code ignored;
    set->cancel(ignored);
    set->clear(ignored);
    set.reset();
  }

  const int signo;
  std::function<void(int)> handler;
  std::optional<boost::asio::signal_set> set;
};

namespace {

// SignalRegistry lives in the hub's io_context and closes every signal_set
// still open when that io_context shuts down, so a SignalHandler that
// outlives its hub never touches a destroyed io_context.
class SignalRegistry final : public boost::asio::execution_context::service {
 public:
  using key_type = SignalRegistry;
  static inline boost::asio::execution_context::id id;

  explicit SignalRegistry(boost::asio::execution_context& ctx) : service(ctx) {}

  void track(const std::shared_ptr<SignalHandler::State>& st) {
    std::erase_if(states_, [](const auto& w) { return w.expired(); });
    states_.push_back(st);
  }

 private:
  void shutdown() override {
    for (auto& w : states_)
      if (auto st = w.lock()) st->stop();
    states_.clear();
  }

  std::vector<std::weak_ptr<SignalHandler::State>> states_;
};

}  // namespace

SignalHandler signal(int signo, std::function<void(int)> handler) {
  if (!handler) throw UsageError("grove::signal: the handler is empty");
  auto& io = hub().io_context();
  auto st = std::make_shared<SignalHandler::State>(signo, std::move(handler));
  st->set.emplace(io);
  boost::system::error_code ec;
  st->set->add(signo, ec);
  if (ec) throw UsageError("grove::signal: cannot listen for signal " + std::to_string(signo) + ": " + ec.message());
  boost::asio::use_service<SignalRegistry>(io).track(st);
  st->arm();
  return SignalHandler(std::move(st));
}

void SignalHandler::cancel() noexcept {
  if (st_) st_->stop();
}

bool SignalHandler::active() const noexcept { return st_ && st_->set.has_value(); }

int SignalHandler::signal_number() const noexcept { return st_ ? st_->signo : 0; }

GracefulShutdown::GracefulShutdown(std::vector<int> signals, ShutdownOptions options, Group& group)
    : options_(std::move(options)), group_(group) {
  to_duration(options_.grace, "GracefulShutdown grace");
  handlers_.reserve(signals.size());
  for (int signo : signals) handlers_.push_back(grove::signal(signo, [this](int s) { start(s); }));
}

GracefulShutdown::~GracefulShutdown() {
  handlers_.clear();
  if (runner_ && !runner_.dead() && detail::tls_scheduler) {
    try {
      runner_.kill(!detail::tls_scheduler->in_hub_context() && !detail::tls_scheduler->stopped());
    } catch (...) {
    }
  }
}

void GracefulShutdown::start(int signo) {
  if (triggered_) {
    // A second request while the group is still given its grace: no more waiting.
    if (!done()) group_.kill(false);
    return;
  }
  triggered_ = true;
  signo_ = signo;
  runner_ = grove::spawn([this] { run(); });
  runner_.set_name("graceful shutdown");
}

void GracefulShutdown::run() {
  struct MarkDone {
    Event& done;
    ~MarkDone() { done.set(); }
  } mark{done_};
  if (options_.stop_accepting) {
    try {
      options_.stop_accepting();
    } catch (const FiberExit&) {
      throw;
    } catch (const std::exception& e) {
      grove::logger()->error("grove::GracefulShutdown: stop_accepting threw: {}", e.what());
    }
  }
  if (!group_.join(options_.grace)) group_.kill();
}

}  // namespace grove
