#pragma once
// chat_service.hpp — ChatService, the state the three protocols share: the
// room directory (room actors under one supervisor, their states owned
// here so they survive restarts), the one nick namespace, the long-poll
// members, counters for /stats, and the live connections (so stop() can
// drain them). The operations every protocol needs (set_nick, join, say,
// who, leave) live here and report user mistakes as ChatError, whose
// what() is the text shown to the user.
//
// The service belongs to the hub that made it (its home): its state is
// only touched there. Its operations may be called from the other hubs of
// the same grove::Runtime too (grove-chat --hubs N: each hub serves the
// connections it accepted): such a call runs on the home hub while the
// calling fiber parks (at_home), or, for what needs no answer (leave,
// count_disconnect, a connection's end), is posted there. config() and the
// counters stopping(), full() and next_member_id() are read anywhere.

#include <grove/chat/config.hpp>
#include <grove/chat/member.hpp>
#include <grove/chat/room.hpp>

#include <grove/actor_ref.hpp>
#include <grove/async_result.hpp>
#include <grove/duration.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/supervisor.hpp>
#include <grove/detail/hub_domain.hpp>
#include <grove/detail/remote_call.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace grove::chat {

class LongPollMember;

class ChatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ChatService {
 public:
  explicit ChatService(ChatConfig config);
  ~ChatService();
  ChatService(const ChatService&) = delete;
  ChatService& operator=(const ChatService&) = delete;

  const ChatConfig& config() const noexcept { return config_; }
  std::uint64_t next_member_id() noexcept { return ++member_ids_; }

  // home() is true on the service's own hub.
  bool home() const noexcept { return grove::detail::is_local(home_hub_); }
  // at_home(fn) is fn() run on the home hub: at once there; from another
  // hub of the Runtime, in a fiber there while the calling fiber parks
  // (fn's exception comes back; a home hub that stopped is ChatError
  // "server shutting down"). fn must own what it uses (capture by value):
  // the caller may be killed while fn runs.
  template <class F>
  auto at_home(F fn) const -> std::decay_t<std::invoke_result_t<F&>> {
    if (home()) return fn();
    return await_home(call_home(std::move(fn)));
  }
  // call_home(fn) starts fn() in a fiber of the home hub and returns its
  // outcome without waiting (await_home waits for it).
  template <class F>
  AsyncResult<std::decay_t<std::invoke_result_t<F&>>> call_home(F fn) const {
    using R = std::decay_t<std::invoke_result_t<F&>>;
    AsyncResult<R> result;
    auto call = std::make_shared<grove::detail::RemoteCall<R, F>>(result, std::move(fn), home_.index);
    (void)home_.post([call] {
      try {
        grove::spawn_raw([call] { call->run(); });
      } catch (...) {  // the home hub is stopping: the call, dropped unrun, tells the caller
      }
    });
    return result;
  }
  template <class R>
  static R await_home(AsyncResult<R> result) {
    try {
      return result.get();
    } catch (const UsageError&) {
      throw ChatError("server shutting down");
    }
  }

  // ---- what every protocol does (ChatError on a user mistake).
  // set_nick(m, nick) validates and claims nick for m, releasing m's old one.
  void set_nick(Member& m, const std::string& nick);
  // join(m, room) leaves m's current room and joins `room`; the room calls
  // m.joined() with its backlog. A room that does not exist is created,
  // unless that would pass max_rooms, or m has created max_rooms_per_client
  // rooms already (ChatError "room limit reached: ...").
  void join(const std::shared_ptr<Member>& m, const std::string& room);
  // say(m, text) publishes text in m's room; it returns once the room has
  // recorded the message (the acknowledgement).
  MessagePtr say(const Member& m, std::string text);
  // say_later(m, text) sends the same request without waiting; the returned
  // call waits for the room's answer (and throws ChatError like say). A
  // reader with several lines buffered sends them all before it waits, so the
  // room fans out many messages per round and each writer sends them at once.
  std::function<MessagePtr()> say_later(const Member& m, std::string text);
  // who(m) is the sorted nicks of m's room.
  std::vector<std::string> who(const Member& m);
  // rooms(after) is one page of the rooms and their member counts, sorted
  // by name: at most config().rooms_page rooms whose names sort after
  // `after` ("" : from the first). `more` says whether rooms follow the page.
  struct RoomsPage {
    std::vector<std::pair<std::string, std::size_t>> rooms;
    bool more = false;
  };
  RoomsPage rooms(const std::string& after = "") const;
  // leave(m) leaves m's room and releases its nick (the connection ends).
  void leave(Member& m) noexcept;

  // ---- long poll (long_poll.cpp).
  // poll_member(nick, room) is the long-poll member `nick`, made (and
  // joined to room) when first seen; it moves to `room` if elsewhere.
  std::shared_ptr<LongPollMember> poll_member(const std::string& nick, const std::string& room);
  std::shared_ptr<LongPollMember> find_poll_member(const std::string& nick) const;
  // retire_poll_member(nick, reason) drops it (expired, overflowed, stopped).
  void retire_poll_member(const std::string& nick, std::string_view reason) noexcept;

  // ---- connections and shutdown.
  // Connection keeps a live connection known until destroyed; on_stop is
  // called once when the service stops (it must not block).
  class Connection {
   public:
    Connection() = default;
    Connection(ChatService* s, std::uint64_t id) : service_(s), id_(id) {}
    Connection(Connection&& o) noexcept : service_(std::exchange(o.service_, nullptr)), id_(o.id_) {}
    Connection& operator=(Connection&&) = delete;
    ~Connection();

   private:
    ChatService* service_ = nullptr;
    std::uint64_t id_ = 0;
  };
  // track(kind, on_stop): kind is "tcp", "http" or "websocket" (/stats).
  Connection track(std::string_view kind, std::function<void()> on_stop);
  // full() is true when max_connections connections are open: a new one
  // is to be refused (and counted as "server_full").
  bool full() const noexcept {
    return config_.max_connections > 0 && live_count_.load(std::memory_order_relaxed) >= config_.max_connections;
  }
  // stop(grace) calls every connection's on_stop, waits up to grace for
  // them to end, then stops the rooms. Later connections are refused.
  void stop(Duration grace);
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }

  // ---- statistics and test hooks.
  void count_disconnect(std::string_view reason);
  nlohmann::json stats() const;
  // crash_room(name) makes the room's actor throw (false: no such room).
  bool crash_room(const std::string& name);
  // room_state(name) is the room's surviving state (tests), or null.
  std::shared_ptr<const RoomState> room_state(const std::string& name) const;

 private:
  struct RoomEntry {
    std::shared_ptr<RoomState> state;
    ActorRef<RoomMsg> ref;
    // Set while the first joiner starts the room's actor; later joiners of
    // the same room wait on it instead of starting a duplicate child.
    std::shared_ptr<Event> starting;
    std::string child_id;   // the supervisor's id for this room's actor
    int joining = 0;        // joins in flight (the reaper keeps the room)
    TimePoint last_used{};  // the last join, leave, say or who
  };
  struct Live {
    std::string kind;
    std::function<void()> on_stop;
  };
  // open_room(name, creator) is the room, started if needed (the caps
  // apply to creator); room(name) is an existing room (ChatError if none).
  RoomEntry& open_room(const std::string& name, Member& creator);
  RoomEntry& room(const std::string& name);
  void register_live(std::uint64_t id, std::string kind, std::function<void()> on_stop);
  void end_live(std::uint64_t id) noexcept;
  void reap();
  void reap_poll_members();
  void reap_idle_rooms();

  ChatConfig config_;
  const Hub* home_hub_;             // compared, never dereferenced
  grove::detail::HubAddress home_;  // reaches the home hub from the others
  Supervisor rooms_sup_;
  std::map<std::string, RoomEntry> rooms_;
  std::unordered_map<std::string, std::uint64_t> nicks_;  // nick -> member id
  std::map<std::string, std::shared_ptr<LongPollMember>> poll_members_;
  std::map<std::uint64_t, Live> live_;
  std::map<std::string, std::uint64_t, std::less<>> disconnects_;
  Event all_gone_;
  Fiber<> reaper_;
  std::atomic<std::uint64_t> member_ids_{0};
  std::atomic<std::uint64_t> connection_ids_{0};
  std::atomic<std::size_t> live_count_{0};  // live_.size(), for full() on any hub
  std::uint64_t room_ids_ = 0;
  std::atomic<bool> stopping_{false};
  bool rooms_stopped_ = false;
};

}  // namespace grove::chat
