// long_poll_member.cpp — a member reached by HTTP long polling.
#include <grove/chat/long_poll.hpp>

#include <grove/hub.hpp>

namespace grove::chat {

void LongPollMember::on_joined(const std::string&, const std::vector<MessagePtr>&) noexcept {}

void LongPollMember::on_deliver(const MessagePtr& m) noexcept {
  if (retired_ || overflowed_ || m->room != room()) return;
  const std::size_t bytes = m->text.size() + m->from.size() + m->room.size() + 64;
  if (pending_bytes_ + bytes > limit_) {
    overflowed_ = true;  // the reaper retires it
    ready_.set();
    return;
  }
  try {
    pending_.push_back(m);
  } catch (...) {
    overflowed_ = true;
  }
  pending_bytes_ += bytes;
  if (soft_.exceeded(pending_bytes_, hub().now())) {
    overflowed_ = soft_exceeded_ = true;  // the reaper retires it
  }
  ready_.set();
}

std::vector<MessagePtr> LongPollMember::take(Duration timeout) {
  touch();
  ++polling_;
  if (pending_.empty() && !retired_ && !overflowed_) {
    ready_.clear();
    (void)ready_.wait(timeout);  // woken or timed out: the caller looks at pending_ either way
  }
  --polling_;
  touch();
  std::vector<MessagePtr> out;
  out.swap(pending_);
  pending_bytes_ = 0;
  (void)soft_.exceeded(0, hub().now());  // drained: the soft clock restarts
  return out;
}

void LongPollMember::touch() { last_seen_ = hub().now(); }

bool LongPollMember::expired(TimePoint now, Duration expiry) const noexcept {
  return polling_ == 0 && now - last_seen_ > expiry;
}

void LongPollMember::retire() noexcept {
  retired_ = true;
  ready_.set();
}

}  // namespace grove::chat
