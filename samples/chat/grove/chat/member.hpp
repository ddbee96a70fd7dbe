#pragma once
// member.hpp — Member, what a room knows of one subscriber: its id, nick,
// the room it listens to, and two callbacks the room calls from its own
// fiber. Each kind of connection (TCP line, WebSocket, long poll)
// implements them by queueing bytes in its own Outbox (or list), so they
// never block the room.

#include <grove/chat/message.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace grove::chat {

enum class MemberKind { tcp, websocket, long_poll };
std::string_view to_string(MemberKind k) noexcept;

class Member {
 public:
  Member(MemberKind kind, std::uint64_t id) : kind_(kind), id_(id) {}
  virtual ~Member() = default;
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  MemberKind kind() const noexcept { return kind_; }
  std::uint64_t id() const noexcept { return id_; }
  const std::string& nick() const noexcept { return nick_; }
  void set_nick(std::string nick) { nick_ = std::move(nick); }
  // room() is the room this member listens to ("" before its first join);
  // messages of any other room are ignored, so a room being left cannot
  // slip a late message in after the new room's welcome.
  const std::string& room() const noexcept { return room_; }
  void set_room(std::string room) { room_ = std::move(room); }
  // rooms_created() is how many rooms this member has created (each join
  // of a room that did not exist); ChatConfig::max_rooms_per_client caps it.
  std::size_t rooms_created() const noexcept { return rooms_created_; }
  void count_room_created() noexcept { ++rooms_created_; }

  // joined(room, backlog) is called by the room as it adds the member,
  // before any later message: backlog is oldest first.
  virtual void joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept = 0;
  // deliver(m) is called by the room for each message; it must not block.
  virtual void deliver(const MessagePtr& m) noexcept = 0;

 private:
  MemberKind kind_;
  std::uint64_t id_;
  std::string nick_;
  std::string room_;
  std::size_t rooms_created_ = 0;
};

}  // namespace grove::chat
