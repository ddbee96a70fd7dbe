#pragma once
// room.hpp — a chat room: RoomState (what survives a crash) and Room, the
// actor that owns it while it runs. The service makes the state once and
// hands it to every incarnation, so a restarted room keeps its backlog,
// its sequence numbers and its members; the mailbox is kept by the
// supervisor, so messages queued meanwhile reach the next incarnation.
//
//   Join{member}   ask<void>:  adds the member, calls member->joined(backlog)
//   Leave{id}      tell:       removes the member
//   Say{from,text} ask<MessagePtr>: records (seq+1, backlog), fans out to
//                  every member, then replies — a reply means it is recorded
//   Who{}          ask<std::vector<std::string>>: members' nicks, sorted
//   Crash{}        tell: throws (the test hook behind ChatServer::crash_room)

#include <grove/actor.hpp>
#include <grove/chat/member.hpp>
#include <grove/chat/message.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace grove::chat {

struct RoomState {
  RoomState(std::string room_name, std::size_t limit) : name(std::move(room_name)), backlog_limit(limit) {}
  std::string name;
  std::size_t backlog_limit;
  std::deque<MessagePtr> backlog;  // the last backlog_limit messages, oldest first
  std::uint64_t last_seq = 0;      // seq of the last message recorded
  std::map<std::uint64_t, std::shared_ptr<Member>> members;  // by Member::id
  std::uint64_t incarnations = 0;  // 1 + restarts
};

struct Join {
  std::shared_ptr<Member> member;
};
struct Leave {
  std::uint64_t member_id = 0;
};
struct Say {
  std::string from;
  std::string text;
};
struct Who {};
struct Crash {};
using RoomMsg = std::variant<Join, Leave, Say, Who, Crash>;

// RoomCrashed is what Crash{} throws.
class RoomCrashed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using RoomFault = std::function<void(const std::string& room, const std::string& text)>;

class Room : public Actor<RoomMsg> {
 public:
  Room(std::shared_ptr<RoomState> state, RoomFault fault) : state_(std::move(state)), fault_(std::move(fault)) {}

 protected:
  void on_start() override;
  void receive(RoomMsg& message) override;

 private:
  void say(Say& s);
  std::shared_ptr<RoomState> state_;
  RoomFault fault_;
};

}  // namespace grove::chat
