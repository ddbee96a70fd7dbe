// outbox.cpp — a subscriber's bounded outgoing queue.
#include <grove/chat/outbox.hpp>

namespace grove::chat {

bool Outbox::push(std::string chunk) {
  if (closed_ || overflowed_) return false;
  if (unsent() + chunk.size() > limit_) {
    overflowed_ = true;
    ready_.set();
    return false;
  }
  queued_ += chunk.size();
  chunks_.push_back(std::move(chunk));
  ready_.set();
  return true;
}

bool Outbox::take(std::vector<std::string>& out) {
  out.clear();
  while (chunks_.empty() && !closed_ && !ready_.is_set()) ready_.wait();
  ready_.clear();
  if (chunks_.empty()) return !closed_;
  in_flight_ += queued_;
  queued_ = 0;
  out.reserve(chunks_.size());
  for (auto& c : chunks_) out.push_back(std::move(c));
  chunks_.clear();
  return true;
}

void Outbox::abandon() noexcept {
  chunks_.clear();
  queued_ = 0;
  close();
}

}  // namespace grove::chat
