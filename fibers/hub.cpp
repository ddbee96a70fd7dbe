// hub.cpp — the Hub facade: one hub per thread, created on first use.

#include <grove/hub.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace grove::detail {

constinit thread_local Scheduler* tls_scheduler = nullptr;

namespace {

thread_local std::unique_ptr<Hub> tls_hub_owner;

}  // namespace

Scheduler& create_default_hub() {
  Hub::create();
  return *tls_scheduler;
}

void throw_wrong_thread(const char* what) {
  throw UsageError(std::string("grove: ") + what +
                   ": this fiber handle belongs to another OS thread's hub; use it only on the thread "
                   "that spawned the fiber. From another hub of a grove::Runtime, wait for it with "
                   "grove::async_result(fiber).get() (fiber_result.hpp), or hand results across threads "
                   "with an AsyncResult");
}

}  // namespace grove::detail

namespace grove {

Hub::Hub(boost::asio::io_context* adopted, HubConfig config) {
  if (!adopted) {
    owned_io_ = std::make_unique<boost::asio::io_context>(1);
    adopted = owned_io_.get();
  }
  engine_ = std::make_unique<detail::Scheduler>(*this, *adopted, config);
}

Hub::~Hub() {
  detail::Scheduler* engine = engine_.get();
  engine_.reset();  // kills and unwinds the fibers; tls_scheduler is still valid meanwhile
  if (detail::tls_scheduler == engine) detail::tls_scheduler = nullptr;
}

Hub& Hub::create(HubConfig config) {
  if (detail::tls_scheduler)
    throw UsageError("grove::Hub::create: this thread already has a hub; create it before any other grove call");
  detail::tls_hub_owner.reset(new Hub(nullptr, config));
  detail::tls_scheduler = &detail::engine_of(*detail::tls_hub_owner);
  return *detail::tls_hub_owner;
}

Hub& Hub::create(boost::asio::io_context& io, HubConfig config) {
  if (detail::tls_scheduler)
    throw UsageError("grove::Hub::create: this thread already has a hub; create it before any other grove call");
  detail::tls_hub_owner.reset(new Hub(&io, config));
  detail::tls_scheduler = &detail::engine_of(*detail::tls_hub_owner);
  return *detail::tls_hub_owner;
}

void Hub::destroy_current() {
  if (!detail::tls_scheduler) return;
  if (detail::tls_scheduler->current() != detail::tls_scheduler->main_fiber())
    throw UsageError("grove::Hub::destroy_current: call it from the main fiber, not from a spawned fiber");
  detail::tls_hub_owner.reset();
  detail::tls_scheduler = nullptr;
}

void Hub::run() { engine_->run_until_idle(); }

void Hub::shutdown(Deadline grace) {
  const TimePoint start = now();
  const TimePoint until = grace.resolve(start, "Hub::shutdown");
  engine_->shutdown(until == TimePoint::max() ? Duration::max() : until > start ? until - start : Duration::zero());
}

}  // namespace grove
