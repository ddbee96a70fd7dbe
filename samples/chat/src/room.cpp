// room.cpp — the room actor.
#include <grove/chat/room.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace grove::chat {

void Room::on_start() {
  if (++state_->incarnations > 1)
    spdlog::warn("grove-chat: room '{}' restarted (incarnation {}), backlog {} messages, {} members kept",
                 state_->name, state_->incarnations, state_->backlog.size(), state_->members.size());
}

void Room::receive(RoomMsg& message) {
  RoomState& st = *state_;
  match(
      message,
      [&](Join& j) {
        std::vector<MessagePtr> backlog(st.backlog.begin(), st.backlog.end());
        st.members[j.member->id()] = j.member;
        j.member->joined(st.name, backlog);
        reply();
      },
      [&](Leave& l) { st.members.erase(l.member_id); },
      [&](Say& s) { say(s); },
      [&](Who&) {
        std::vector<std::string> nicks;
        nicks.reserve(st.members.size());
        for (auto& [id, m] : st.members) nicks.push_back(m->nick());
        std::sort(nicks.begin(), nicks.end());
        reply(std::move(nicks));
      },
      [&](Crash&) { throw RoomCrashed("grove-chat: room '" + st.name + "' crashed on request"); });
}

void Room::say(Say& s) {
  RoomState& st = *state_;
  if (fault_) fault_(st.name, s.text);  // may throw: the actor crashes before recording
  MessagePtr m = make_message(st.name, std::move(s.from), std::move(s.text), st.last_seq + 1);
  st.last_seq = m->seq;
  st.backlog.push_back(m);
  while (st.backlog.size() > st.backlog_limit) st.backlog.pop_front();
  for (auto& [id, member] : st.members) member->deliver(m);
  reply(m);
}

}  // namespace grove::chat
