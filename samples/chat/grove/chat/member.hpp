#pragma once
// member.hpp — Member, what a room knows of one subscriber: its id, nick,
// the room it listens to, and two callbacks the room calls from its own
// fiber. Each kind of connection (TCP line, WebSocket, long poll)
// implements them (on_joined, on_deliver) by queueing bytes in its own
// Outbox (or list), so they never block the room.
//
// A member belongs to the hub that made it (its connection's). With
// grove-chat on several hubs (--hubs N) the room may run on another hub:
// joined() and deliver() then post the call to the member's hub, so its
// outbox is only ever touched there, and one room's calls reach it in the
// room's order (closures one thread posts to one hub run in order).

#include <grove/chat/message.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_domain.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grove::chat {

enum class MemberKind { tcp, websocket, long_poll };
std::string_view to_string(MemberKind k) noexcept;

class Member : public std::enable_shared_from_this<Member> {
 public:
  // Made on its connection's hub (in a fiber or handler of that hub).
  Member(MemberKind kind, std::uint64_t id)
      : kind_(kind), id_(id), hub_(&grove::hub()), address_(grove::detail::HubAddress::here()) {}
  virtual ~Member() = default;
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  MemberKind kind() const noexcept { return kind_; }
  std::uint64_t id() const noexcept { return id_; }
  const std::string& nick() const noexcept { return nick_; }
  void set_nick(std::string nick) { nick_ = std::move(nick); }
  // room() is the room this member listens to ("" before its first join);
  // messages of any other room are ignored, so a room being left cannot
  // slip a late message in after the new room's welcome. The service sets
  // it on its hub, the member reads it on its own: a copy, under a lock.
  std::string room() const {
    std::lock_guard<std::mutex> lock(room_mutex_);
    return room_;
  }
  void set_room(std::string room) {
    std::lock_guard<std::mutex> lock(room_mutex_);
    room_ = std::move(room);
  }
  // rooms_created() is how many rooms this member has created (each join
  // of a room that did not exist); ChatConfig::max_rooms_per_client caps it.
  std::size_t rooms_created() const noexcept { return rooms_created_; }
  void count_room_created() noexcept { ++rooms_created_; }

  // joined(room, backlog) is called by the room as it adds the member,
  // before any later message: backlog is oldest first. deliver(m) is
  // called by the room for each message. Both run on_joined / on_deliver
  // on the member's hub (at once when the room runs there) and never block.
  void joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept {
    if (grove::detail::is_local(hub_)) return on_joined(room, backlog);
    try {
      (void)address_.post([self = shared_from_this(), room, backlog] { self->on_joined(room, backlog); });
    } catch (...) {  // out of memory: the member misses it, as a dropped connection would
    }
  }
  void deliver(const MessagePtr& m) noexcept {
    if (grove::detail::is_local(hub_)) return on_deliver(m);
    try {
      (void)address_.post([self = shared_from_this(), m] { self->on_deliver(m); });
    } catch (...) {
    }
  }

 protected:
  virtual void on_joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept = 0;
  virtual void on_deliver(const MessagePtr& m) noexcept = 0;

 private:
  MemberKind kind_;
  std::uint64_t id_;
  std::string nick_;
  mutable std::mutex room_mutex_;
  std::string room_;
  std::size_t rooms_created_ = 0;
  const grove::Hub* hub_;              // compared, never dereferenced
  grove::detail::HubAddress address_;  // reaches hub_ from the room's hub
};

}  // namespace grove::chat
