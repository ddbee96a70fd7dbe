// chat_service.cpp — rooms, nicks, connections and counters shared by the
// three protocols.
#include <grove/chat/chat_service.hpp>
#include <grove/chat/long_poll.hpp>
#include <grove/chat/protocol.hpp>

#include <grove/dead_letters.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace grove::chat {

using namespace std::chrono_literals;

namespace {

// How long an operation waits for its room (a room being restarted answers late).
constexpr auto kRoomAnswer = 5s;

// await_room<R>(answer, room) is the room's answer; a room that fails, dies
// or is late becomes a ChatError (the message then counts as not delivered).
template <class R>
R await_room(AsyncResult<R>& answer, const std::string& room) {
  if (!answer.wait(kRoomAnswer)) throw ChatError("room " + room + " did not answer in time; not delivered");
  try {
    return answer.get();  // ready: rethrows the room's failure without blocking
  } catch (const std::exception& e) {
    throw ChatError("room " + room + " failed (" + e.what() + "); not delivered");
  }
}

// ask_room<R>(ref, msg, room) asks and waits (await_room).
template <class R>
R ask_room(const ActorRef<RoomMsg>& ref, RoomMsg msg, const std::string& room) {
  auto answer = ref.ask<R>(std::move(msg), Duration::max());
  return await_room<R>(answer, room);
}

}  // namespace

std::string_view to_string(MemberKind k) noexcept {
  switch (k) {
    case MemberKind::tcp:
      return "tcp";
    case MemberKind::websocket:
      return "websocket";
    case MemberKind::long_poll:
      return "long_poll";
  }
  return "?";
}

ChatService::ChatService(ChatConfig config)
    : config_(std::move(config)),
      home_hub_(&hub()),
      home_(grove::detail::HubAddress::here()),
      rooms_sup_(SupervisorConfig{.strategy = Strategy::one_for_one,
                                  .intensity = config_.room_restarts,
                                  .period = config_.room_restart_period,
                                  .backoff = {},
                                  .name = "grove-chat rooms"}) {
  rooms_sup_.start();
  reaper_ = spawn([this] { reap(); });
  reaper_.set_name("grove-chat reaper");
}

ChatService::~ChatService() {
  try {
    stop(Duration::zero());
  } catch (...) {
  }
}

void ChatService::set_nick(Member& m, const std::string& nick) {
  if (!home()) return at_home([this, m = m.shared_from_this(), nick] { set_nick(*m, nick); });
  if (!valid_nick(nick)) throw ChatError("invalid nick: use 1-32 characters of A-Z a-z 0-9 _ -");
  if (nick == m.nick()) return;
  auto [it, inserted] = nicks_.try_emplace(nick, m.id());
  if (!inserted) throw ChatError("nick taken: " + nick);
  if (!m.nick().empty()) nicks_.erase(m.nick());
  m.set_nick(nick);
}

ChatService::RoomEntry& ChatService::room(const std::string& name) {
  if (!rooms_sup_.running()) throw ChatError("room " + name + " is unavailable: the rooms' supervisor has stopped");
  auto it = rooms_.find(name);
  if (it == rooms_.end()) throw ChatError("room " + name + " is unavailable");
  if (auto starting = it->second.starting) {  // another fiber is starting this room: wait for it
    if (!starting->wait(kRoomAnswer)) throw ChatError("room " + name + " did not start in time");
    it = rooms_.find(name);  // the entry is gone when the start failed
    if (it == rooms_.end() || it->second.starting) throw ChatError("room " + name + " is unavailable");
  }
  it->second.last_used = hub().now();
  return it->second;
}

ChatService::RoomEntry& ChatService::open_room(const std::string& name, Member& creator) {
  if (!rooms_sup_.running()) throw ChatError("room " + name + " is unavailable: the rooms' supervisor has stopped");
  if (rooms_.count(name)) return room(name);
  if (config_.max_rooms > 0 && rooms_.size() >= config_.max_rooms)
    throw ChatError("room limit reached: the server has " + std::to_string(rooms_.size()) + " rooms; join one of them");
  if (creator.rooms_created() >= config_.max_rooms_per_client)
    throw ChatError("room limit reached: you have created " + std::to_string(creator.rooms_created()) +
                    " rooms; join one that exists");
  creator.count_room_created();
  auto state = std::make_shared<RoomState>(name, config_.backlog);
  // Each room gets a child id of its own: a removed room's actor may still
  // be stopping when the name is used again.
  std::string id = "room:" + name + "#" + std::to_string(++room_ids_);
  auto child = actor_child<Room>(ActorOptions{.name = id, .mailbox = {}},
                                 ChildOptions{.restart = Restart::permanent, .shutdown = 1s}, state, config_.fault);
  auto starting = std::make_shared<Event>();
  // Record the room before start_child parks, so concurrent joiners find it.
  auto it = rooms_.emplace(name, RoomEntry{std::move(state), child.ref, starting, id, 0, hub().now()}).first;
  try {
    rooms_sup_.start_child(std::move(child));
  } catch (const std::exception& e) {  // the supervisor gave up (or is stopping)
    spdlog::error("grove-chat: cannot start room '{}': {}", name, e.what());
    rooms_.erase(name);
    starting->set();
    throw ChatError("room " + name + " is unavailable");
  }
  it->second.starting.reset();
  starting->set();
  return it->second;
}

void ChatService::join(const std::shared_ptr<Member>& m, const std::string& name) {
  if (!home()) return at_home([this, m, name] { join(m, name); });
  if (!valid_room(name)) throw ChatError("invalid room: use 1-64 characters of A-Z a-z 0-9 _ -");
  if (m->nick().empty()) throw ChatError("set a nick first: /nick NAME");
  if (stopping_) throw ChatError("server shutting down");
  RoomEntry& entry = open_room(name, *m);  // before leaving: a refused join leaves m where it was
  if (!m->room().empty() && m->room() != name) {
    if (auto it = rooms_.find(m->room()); it != rooms_.end()) {
      it->second.ref.send(Leave{m->id()});
      it->second.last_used = hub().now();
    }
  }
  m->set_room(name);
  ++entry.joining;  // the reaper keeps the room until the join is answered
  try {
    ask_room<void>(entry.ref, Join{m}, name);
  } catch (...) {
    --entry.joining;
    m->set_room("");
    throw;
  }
  --entry.joining;
}

MessagePtr ChatService::say(const Member& m, std::string text) {
  if (!home())
    return at_home(
        [this, m = m.shared_from_this(), text = std::move(text)]() mutable { return say(*m, std::move(text)); });
  if (m.nick().empty()) throw ChatError("set a nick first: /nick NAME");
  if (m.room().empty()) throw ChatError("join a room first: /join ROOM");
  return ask_room<MessagePtr>(room(m.room()).ref, Say{m.nick(), std::move(text)}, m.room());
}

std::function<MessagePtr()> ChatService::say_later(const Member& m, std::string text) {
  if (!home()) {  // the home hub says it in a fiber of its own; the answer waits here
    auto answer = std::make_shared<AsyncResult<MessagePtr>>(call_home(
        [this, m = m.shared_from_this(), text = std::move(text)]() mutable { return say(*m, std::move(text)); }));
    return [answer] { return await_home(*answer); };
  }
  if (m.nick().empty()) throw ChatError("set a nick first: /nick NAME");
  if (m.room().empty()) throw ChatError("join a room first: /join ROOM");
  auto answer = std::make_shared<AsyncResult<MessagePtr>>(
      room(m.room()).ref.ask<MessagePtr>(Say{m.nick(), std::move(text)}, Duration::max()));
  return [answer, name = m.room()] { return await_room<MessagePtr>(*answer, name); };
}

std::vector<std::string> ChatService::who(const Member& m) {
  if (!home()) return at_home([this, m = m.shared_from_this()] { return who(*m); });
  if (m.room().empty()) throw ChatError("join a room first: /join ROOM");
  return ask_room<std::vector<std::string>>(room(m.room()).ref, Who{}, m.room());
}

ChatService::RoomsPage ChatService::rooms(const std::string& after) const {
  if (!home()) return at_home([this, after] { return rooms(after); });
  RoomsPage page;
  const std::size_t limit = std::max<std::size_t>(config_.rooms_page, 1);
  for (auto it = rooms_.upper_bound(after); it != rooms_.end(); ++it) {  // std::map: sorted by name
    if (page.rooms.size() == limit) {
      page.more = true;
      break;
    }
    page.rooms.emplace_back(it->first, it->second.state->members.size());
  }
  return page;
}

void ChatService::leave(Member& m) noexcept {
  if (!home()) {  // nothing to wait for: posted (after this hub's earlier calls)
    try {
      (void)home_.post([this, m = m.shared_from_this()] { leave(*m); });
    } catch (...) {
    }
    return;
  }
  if (!m.room().empty()) {
    if (auto it = rooms_.find(m.room()); it != rooms_.end()) {
      it->second.last_used = hub().now();
      try {
        it->second.ref.send(Leave{m.id()});
      } catch (...) {
        it->second.state->members.erase(m.id());  // the room is gone for good
      }
    }
    m.set_room("");
  }
  if (!m.nick().empty()) {
    auto it = nicks_.find(m.nick());
    if (it != nicks_.end() && it->second == m.id()) nicks_.erase(it);
  }
}

ChatService::Connection::~Connection() {
  if (!service_) return;
  if (service_->home()) {
    service_->end_live(id_);
    return;
  }
  try {
    (void)service_->home_.post([s = service_, id = id_] { s->end_live(id); });
  } catch (...) {
  }
}

ChatService::Connection ChatService::track(std::string_view kind, std::function<void()> on_stop) {
  const std::uint64_t id = ++connection_ids_;
  if (home()) {
    register_live(id, std::string(kind), std::move(on_stop));
  } else {
    // Registered on the home hub (before this hub's later end_live: posts
    // from one thread run in order); stop() calls on_stop back on this hub.
    auto back = [here = grove::detail::HubAddress::here(), f = std::move(on_stop)] { (void)here.post(f); };
    (void)home_.post(
        [this, id, k = std::string(kind), back]() mutable { register_live(id, std::move(k), std::move(back)); });
  }
  return Connection(this, id);
}

void ChatService::register_live(std::uint64_t id, std::string kind, std::function<void()> on_stop) {
  live_.emplace(id, Live{std::move(kind), std::move(on_stop)});
  live_count_.store(live_.size(), std::memory_order_relaxed);
  all_gone_.clear();
}

void ChatService::end_live(std::uint64_t id) noexcept {
  live_.erase(id);
  live_count_.store(live_.size(), std::memory_order_relaxed);
  if (live_.empty()) all_gone_.set();
}

void ChatService::stop(Duration grace) {
  if (!home()) return at_home([this, grace] { stop(grace); });
  if (!stopping_.load(std::memory_order_relaxed)) {
    stopping_.store(true, std::memory_order_release);
    spdlog::info("grove-chat: stopping: {} connections, {} long-poll members", live_.size(), poll_members_.size());
    // Copy first: on_stop may end connections, which edits live_.
    std::vector<std::function<void()>> stops;
    for (auto& [id, live] : live_) stops.push_back(live.on_stop);
    for (auto& f : stops) f();
    auto members = poll_members_;
    for (auto& [nick, m] : members) retire_poll_member(nick, "server_shutdown");
  }
  if (!live_.empty() && grace > Duration::zero()) (void)all_gone_.wait(grace);  // the rest are killed below
  if (reaper_ && !reaper_.dead()) reaper_.kill();
  if (!rooms_stopped_) {
    rooms_stopped_ = true;
    rooms_sup_.stop();  // also retires the rooms of a supervisor that gave up
  }
}

void ChatService::count_disconnect(std::string_view reason) {
  if (!home()) {
    (void)home_.post([this, r = std::string(reason)] { count_disconnect(r); });
    return;
  }
  auto it = disconnects_.find(reason);
  if (it == disconnects_.end()) it = disconnects_.emplace(std::string(reason), 0).first;
  ++it->second;
}

nlohmann::json ChatService::stats() const {
  if (!home()) return at_home([this] { return stats(); });
  nlohmann::json members = nlohmann::json::object();
  std::uint64_t messages = 0;
  std::uint64_t restarts = 0;
  for (auto& [name, entry] : rooms_) {
    members[name] = entry.state->members.size();
    messages += entry.state->last_seq;
    if (entry.state->incarnations > 1) restarts += entry.state->incarnations - 1;
  }
  nlohmann::json connections = {{"tcp", 0}, {"websocket", 0}, {"http", 0}};
  for (auto& [id, live] : live_) connections[live.kind] = connections[live.kind].get<std::uint64_t>() + 1;
  connections["long_poll"] = poll_members_.size();
  nlohmann::json disconnects = nlohmann::json::object();
  for (auto& [reason, n] : disconnects_) disconnects[reason] = n;
  return {{"rooms", rooms_.size()},
          {"members", std::move(members)},
          {"messages", messages},
          {"room_restarts", restarts},
          {"dead_letters", dead_letters().total()},
          {"disconnects", std::move(disconnects)},
          {"connections", std::move(connections)},
          {"nicks", nicks_.size()},
          // this hub's (hub 0's) live fibers and pending timers: a soak
          // (bench/soak.sh) checks that neither grows without bound
          {"fibers", hub().fiber_count()},
          {"timers", hub().timer_count()}};
}

bool ChatService::crash_room(const std::string& name) {
  if (!home()) return at_home([this, name] { return crash_room(name); });
  auto it = rooms_.find(name);
  if (it == rooms_.end()) return false;
  it->second.ref.send(Crash{});
  return true;
}

std::shared_ptr<const RoomState> ChatService::room_state(const std::string& name) const {
  if (!home()) return at_home([this, name] { return room_state(name); });
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : it->second.state;
}

// ---- long-poll members

std::shared_ptr<LongPollMember> ChatService::find_poll_member(const std::string& nick) const {
  auto it = poll_members_.find(nick);
  return it == poll_members_.end() ? nullptr : it->second;
}

std::shared_ptr<LongPollMember> ChatService::poll_member(const std::string& nick, const std::string& room_name) {
  if (!valid_nick(nick)) throw ChatError("invalid nick: use 1-32 characters of A-Z a-z 0-9 _ -");
  if (!valid_room(room_name)) throw ChatError("invalid room: use 1-64 characters of A-Z a-z 0-9 _ -");
  auto m = find_poll_member(nick);
  if (!m) {
    if (stopping_) throw ChatError("server shutting down");
    m = std::make_shared<LongPollMember>(next_member_id(), config_.max_outbound,
                                         SoftLimit(config_.soft_outbound, config_.soft_outbound_time));
    set_nick(*m, nick);  // throws when taken by another connection
    poll_members_.emplace(nick, m);
  }
  m->touch();
  if (m->room() != room_name) {
    try {
      join(m, room_name);
    } catch (...) {
      if (m->room().empty()) retire_poll_member(nick, "error");
      throw;
    }
  }
  return m;
}

void ChatService::retire_poll_member(const std::string& nick, std::string_view reason) noexcept {
  auto it = poll_members_.find(nick);
  if (it == poll_members_.end()) return;
  auto m = it->second;
  poll_members_.erase(it);
  m->retire();
  leave(*m);
  try {
    count_disconnect(reason);
  } catch (...) {
  }
}

void ChatService::reap() {
  const Duration period =
      std::min({config_.poll_expiry / 4, config_.room_idle_timeout / 4, Duration(std::chrono::seconds(1))});
  for (;;) {
    this_fiber::sleep(period > Duration::zero() ? period : std::chrono::milliseconds(10));
    reap_poll_members();
    reap_idle_rooms();
  }
}

void ChatService::reap_poll_members() {
  const TimePoint now = hub().now();
  std::vector<std::pair<std::string, const char*>> gone;
  for (auto& [nick, m] : poll_members_) {
    if (m->overflowed()) gone.emplace_back(nick, m->overflow_reason());
    else if (m->expired(now, config_.poll_expiry)) gone.emplace_back(nick, "poll_expired");
  }
  for (auto& [nick, reason] : gone) retire_poll_member(nick, reason);
}

void ChatService::reap_idle_rooms() {
  if (!rooms_sup_.running() || stopping_) return;
  const TimePoint now = hub().now();
  std::vector<std::string> idle;  // child ids
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    const RoomEntry& e = it->second;
    const bool unused = e.state->members.empty() && e.joining == 0 && !e.starting;
    if (unused && now - e.last_used >= config_.room_idle_timeout) {
      idle.push_back(e.child_id);
      it = rooms_.erase(it);  // first: a join from now on makes the room afresh
    } else {
      ++it;
    }
  }
  for (auto& id : idle) {
    try {
      rooms_sup_.terminate_child(id);
      rooms_sup_.delete_child(id);
    } catch (const std::exception& e) {
      spdlog::warn("grove-chat: removing idle room {}: {}", id, e.what());
    }
  }
}

}  // namespace grove::chat
