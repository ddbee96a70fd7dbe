#pragma once
// long_poll.hpp — LongPollMember, a member reached by HTTP long polling
// (the seed's Flask chat): messages wait in a list until the next
// POST /poll/NICK takes them. The list is bounded like an Outbox; a member
// that overflows it (past the hard limit, or over the soft limit for too
// long: soft_limit.hpp), or is not seen for ChatConfig::poll_expiry, is
// retired by the service's reaper (its nick released, its room left).

#include <grove/chat/member.hpp>
#include <grove/chat/soft_limit.hpp>

#include <grove/duration.hpp>
#include <grove/event.hpp>

#include <cstddef>
#include <vector>

namespace grove::chat {

class LongPollMember final : public Member {
 public:
  // LongPollMember(id, limit, soft): limit is the hard limit on pending bytes.
  LongPollMember(std::uint64_t id, std::size_t limit, SoftLimit soft = {0, {}})
      : Member(MemberKind::long_poll, id), limit_(limit), soft_(soft) {}

  void on_joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept override;
  void on_deliver(const MessagePtr& m) noexcept override;

  // take(timeout) waits up to timeout for messages and takes them all
  // (empty on timeout, or once retired).
  std::vector<MessagePtr> take(Duration timeout);
  // touch() records that the client was seen now.
  void touch();
  // expired(now, expiry): not seen for expiry, and no poll waiting.
  bool expired(TimePoint now, Duration expiry) const noexcept;
  bool overflowed() const noexcept { return overflowed_; }
  // overflow_reason(): "slow_consumer" (hard limit) or "slow_consumer_soft".
  const char* overflow_reason() const noexcept { return soft_exceeded_ ? "slow_consumer_soft" : "slow_consumer"; }
  // retire() wakes a waiting poll; later messages are ignored.
  void retire() noexcept;
  bool retired() const noexcept { return retired_; }

 private:
  std::vector<MessagePtr> pending_;
  std::size_t pending_bytes_ = 0;
  std::size_t limit_;
  SoftLimit soft_;
  Event ready_;
  TimePoint last_seen_{};
  int polling_ = 0;
  bool overflowed_ = false;
  bool soft_exceeded_ = false;
  bool retired_ = false;
};

}  // namespace grove::chat
