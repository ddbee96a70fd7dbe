// event.cpp — Event's rawlink callbacks (event.hpp): kept beside the event,
// run from the hub's loop after a set().

#include <grove/event.hpp>

#include <grove/errors.hpp>

#include <string>

namespace grove {

namespace detail {
void log_callback_failure(const char* what) noexcept;  // fiber.cpp
}  // namespace detail

Event::Links& Event::links(const char* call) {
  detail::Scheduler& s = detail::scheduler();
  if (!links_) links_ = std::make_shared<Links>(Links{this, &s, {}, 1, false});
  if (links_->owner != &s)
    throw UsageError(std::string("grove::Event::") + call +
                     ": the callbacks belong to the hub thread of the first rawlink(); call it from there");
  return *links_;
}

bool Event::unlink(std::uint64_t id) {
  if (!links_) return false;
  auto& cbs = links_->callbacks;
  for (auto it = cbs.begin(); it != cbs.end(); ++it) {
    if (it->first == id) {
      cbs.erase(it);
      return true;
    }
  }
  return false;
}

void Event::post_flush() noexcept {
  if (!links_ || links_->flush_posted) return;
  links_->flush_posted = true;
  try {
    links_->owner->post([l = links_] {
      l->flush_posted = false;
      auto callbacks = std::move(l->callbacks);
      l->callbacks.clear();
      for (auto& [id, cb] : callbacks) {
        if (!l->event) return;  // a callback destroyed the event
        try {
          cb(*l->event);
        } catch (...) {
          detail::log_callback_failure("grove::Event: a rawlink callback threw");
        }
      }
    });
  } catch (...) {
    links_->flush_posted = false;  // could not queue it: the next set() tries again
  }
}

}  // namespace grove
