#pragma once
// mailbox.hpp — the actor Mailbox: many producers (other OS threads
// included), one consumer fiber. Two lanes: the system lane (exit and down
// signals) always overtakes ordinary messages. Unbounded by default;
// bounded with an overflow policy. Whatever cannot be delivered goes to
// dead_letters(), counted and logged — never dropped silently.
//
// Sends from the owning hub's thread go straight into a chain of segments
// (detail/segment_queue.hpp: no lock, no copy when it grows, no allocation
// in steady state). Sends from other threads go onto the mailbox's
// lock-free remote lane (detail/remote_lane.hpp: one node per message, no
// lock), which announces itself to the owning hub's inbox once per
// empty-to-busy edge; the consumer takes the lane's whole list at once. A
// sender on another thread that meets a full `block` mailbox parks its
// fiber (never its OS thread) until the consumer makes room. A send from
// another thread keeps the hub busy until it is delivered (its announcement
// is queued on the hub), but a receive with no timeout that only another
// thread could end is a LoopExit once nothing else keeps the hub busy, as
// Event's cross-thread wait and gevent: give such a receive a timeout.

#include <grove/async_result.hpp>
#include <grove/dead_letters.hpp>
#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/mailbox_config.hpp>
#include <grove/detail/queue_storage.hpp>
#include <grove/detail/remote_lane.hpp>
#include <grove/detail/segment_queue.hpp>
#include <grove/detail/wait_queue.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

namespace grove {

template <class T>
class Mailbox {
 public:
  explicit Mailbox(MailboxConfig config = {}, std::string owner = "actor")
      : hub_(&detail::scheduler()),
        capacity_(config.capacity),
        config_(config),
        owner_name_(std::move(owner)),
        anchor_(hub_->anchor()),
        lane_(new detail::RemoteLane<T>(this, &Mailbox::remote_ready)) {
    try {
      (void)to_duration(config.block_timeout, "MailboxConfig::block_timeout");  // negative: UsageError
      if (config.reserve) local_.reserve(config.reserve);
    } catch (...) {
      lane_->detach();  // no destructor runs for a throwing constructor
      throw;
    }
  }
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox() {
    close();
    lane_->detach();
  }

  const MailboxConfig& config() const noexcept { return config_; }
  const std::string& owner_name() const noexcept { return owner_name_; }
  void set_owner_name(std::string name) { owner_name_ = std::move(name); }
  // size() counts queued ordinary messages (both paths).
  std::size_t size() const noexcept {
    return local_size_.load(std::memory_order_relaxed) + lane_->size.load(std::memory_order_relaxed);
  }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // send() delivers msg from any thread, applying the overflow policy; a
  // closed mailbox sends it to dead letters. Throws MailboxFull when the
  // policy rejects it (fail, or block timing out).
  SendStatus send(T msg) {
    if (detail::tls_scheduler == hub_) [[likely]]
      return send_local(std::move(msg));
    return send_remote(std::move(msg));
  }

  // emplace(args...) is send(T(args...)), building the message in its slot
  // when the fast path applies (the owning hub's thread, open, not full).
  template <class... A>
  SendStatus emplace(A&&... args) {
    if (detail::tls_scheduler == hub_ && !closed() && !(capacity_ && size() >= capacity_)) [[likely]] {
      local_.emplace_back(std::forward<A>(args)...);
      local_size_.store(local_.size(), std::memory_order_relaxed);
      wake_consumer();
      return SendStatus::delivered;
    }
    return send_slow(T(std::forward<A>(args)...));
  }

  // send_as_full(msg) is send(msg) meeting the mailbox as if it were full:
  // a bounded mailbox applies its Overflow policy (drop_newest sheds msg,
  // drop_oldest the oldest queued message, fail rejects with MailboxFull).
  // An unbounded or `block` mailbox, a closed one, or a send from another
  // thread is an ordinary send. It is the forced overflow of a test kit's
  // fault plan (MessageFault::overflow, message_observer.hpp).
  SendStatus send_as_full(T msg) {
    if (detail::tls_scheduler != hub_ || !capacity_ || config_.overflow == Overflow::block || closed())
      return send(std::move(msg));
    return send_full(std::move(msg));
  }

  // signal() queues a system signal (owning hub's thread only).
  void signal(SystemSignal s) {
    if (closed()) return;
    system_.push_back(std::move(s));
    wake_consumer();
  }

  // The Waitable protocol (waitable.hpp) for grove::wait and iwait: ready
  // when a receive would not block (a signal or message is queued, from
  // any thread) or the mailbox is closed. Owning hub's thread only; the
  // waiting fiber counts as the mailbox's one consumer.
  detail::WaitQueue& waitable_queue() noexcept { return consumer_; }
  std::uint64_t waitable_begin(const char* call) const {
    if (detail::tls_scheduler != hub_)
      throw UsageError(std::string("grove::") + call +
                       ": a Mailbox can only be waited on from its owning hub's thread");
    return 0;
  }
  bool waitable_ready(std::uint64_t) noexcept { return ready_or_arm(true); }
  static constexpr bool waitable_wakes_one = true;

  // receive(on_system, on_message, timeout) waits for the next signal or
  // message and hands it to the matching callback (system lane first).
  // Returns false when the deadline passed with nothing to receive (none by
  // default). Owning hub's thread only, one consumer fiber at a time.
  template <class OnSystem, class OnMessage>
  bool receive(OnSystem&& on_system, OnMessage&& on_message, Deadline timeout = Deadline::never()) {
    const TimePoint deadline = timeout.time_point("Mailbox::receive");
    if (remote_ready_) [[unlikely]]
      drain_remote();  // fairness
    if (system_.empty() && local_.empty()) [[unlikely]] {
      if (!wait_for_input(deadline)) return false;
    }
    if (!system_.empty()) [[unlikely]] {
      SystemSignal sig = system_.take_front();
      on_system(sig);
      return true;
    }
    T msg = local_.take_front();
    took_one();
    on_message(msg);
    return true;
  }

  // consume(on_system, on_message, keep_going) is the consumer loop of an
  // actor: while keep_going() holds, it hands over the next system signal
  // (first) or message, and parks when there is nothing. Exceptions from
  // the callbacks propagate. Owning hub's thread only, one consumer.
  template <class OnSystem, class OnMessage, class KeepGoing>
  void consume(OnSystem&& on_system, OnMessage&& on_message, KeepGoing&& keep_going) {
    detail::Scheduler& s = detail::scheduler();
    detail::Waiter w(s.current());
    while (keep_going()) {
      if (!system_.empty() || remote_ready_) [[unlikely]] {
        if (remote_ready_) drain_remote();
        if (!system_.empty()) {
          SystemSignal sig = system_.take_front();
          on_system(sig);
        }
        continue;
      }
      if (!local_.empty()) [[likely]] {
        T msg = local_.take_front();
        took_one();
        on_message(msg);
        continue;
      }
      if (closed()) [[unlikely]] {
        consumer_.wait("Mailbox::receive (closed)", [] { return false; });  // until killed
        continue;
      }
      // Nothing to take (checked above): arm the hint so the next send (or
      // a posted remote drain, or a signal) wakes us; the loop re-checks.
      consumer_parked_ = true;
      consumer_.park_once(s, w, "Mailbox::receive");
    }
  }

  // close() refuses later sends and moves what is queued to dead letters
  // (reason leftover; each goes through the discard hook first). Blocked
  // senders wake and dead-letter their message. Call it on the owning
  // hub's thread (or once nothing else uses the mailbox).
  void close() noexcept {
    if (closed_.exchange(true, std::memory_order_acq_rel)) return;
    // After lane_->close() no remote sender is inside: each of their
    // messages is either on the list taken here or refused (dead_actor).
    typename detail::RemoteLane<T>::Node* leftovers = lane_->close();
    lane_->size.store(0, std::memory_order_relaxed);
    remote_ready_ = false;
    lane_->wake_space_waiters();  // parked remote senders see closed() and dead-letter
    while (!local_.empty()) {
      T m = local_.take_front();
      discard(m, DeadLetterReason::leftover);
    }
    while (leftovers) {
      auto* next = leftovers->next;
      discard(leftovers->msg, DeadLetterReason::leftover);
      detail::RemoteLane<T>::Node::destroy(leftovers);
      leftovers = next;
    }
    system_.clear();
    local_size_.store(0);
    if (detail::tls_scheduler == hub_) {
      space_waiters_.notify_all();
      consumer_.notify_all();
    }
  }

  // dead_letter(reason, detail, msg) records a message taken from this
  // mailbox as undeliverable for `reason` (used by actors for the message
  // that crashed them); msg, when given, goes to the dead-letter hook.
  void dead_letter(DeadLetterReason reason, std::string_view detail = {}, const T* msg = nullptr) const noexcept {
    record(reason, msg, true, detail);
  }

  // set_discard_hook(fn) has fn(msg, reason) called for every queued
  // message the mailbox gives up on (a drop_oldest victim, a leftover at
  // close), before it is counted as a dead letter; it must not throw.
  // Actors use it to fail the asks inside such messages at once.
  using DiscardHook = void (*)(T&, DeadLetterReason) noexcept;
  void set_discard_hook(DiscardHook fn) noexcept { discard_hook_ = fn; }

  // set_dead_letter_hook(fn) has fn(msg, reason, queued, owner, detail)
  // called for every dead letter of this mailbox, before it is counted;
  // queued is false for the message being sent (to a dead actor, shed
  // newest, rejected) and true for one that was queued or taken already.
  // It must not throw. Actors use it to report drops to a MessageObserver.
  using DeadLetterHook = void (*)(const T& msg, DeadLetterReason reason, bool queued, std::string_view owner,
                                  std::string_view detail) noexcept;
  void set_dead_letter_hook(DeadLetterHook fn) noexcept { dead_letter_hook_ = fn; }

 private:
  [[gnu::noinline]] SendStatus send_slow(T&& msg) { return send(std::move(msg)); }
  SendStatus send_local(T&& msg) {
    if (closed()) [[unlikely]]
      return dead(msg, DeadLetterReason::dead_actor);
    if (capacity_ && size() >= capacity_) [[unlikely]]
      return send_full(std::move(msg));
    local_.push_back(std::move(msg));
    local_size_.store(local_.size(), std::memory_order_relaxed);
    wake_consumer();
    return SendStatus::delivered;
  }

  // send_full() applies the overflow policy to a local send that finds the
  // mailbox full.
  [[gnu::noinline]] SendStatus send_full(T&& msg) {
    switch (config_.overflow) {
      case Overflow::drop_newest:
        return shed(msg);
      case Overflow::drop_oldest:
        if (local_.empty()) drain_remote();
        if (!local_.empty()) {
          T victim = local_.take_front();
          discard(victim, DeadLetterReason::shed);
        }
        break;
      case Overflow::fail:
        reject(msg);
      case Overflow::block: {
        // A sender that leaves while space remains (it timed out, was
        // closed out, or was killed) passes the wake on, so none is lost.
        // The PassOn outlives the push: one that takes the space must not
        // wake the next blocked sender for nothing first (that one would
        // then wait again behind the later senders, out of its turn).
        detail::PassOn pass(space_waiters_, [this] { return !closed() && size() < config_.capacity; });
        if (!wait_for_space()) {
          if (closed()) return dead(msg, DeadLetterReason::dead_actor);
          reject(msg);
        }
        local_.push_back(std::move(msg));
        local_size_.store(local_.size(), std::memory_order_relaxed);
        wake_consumer();
        return SendStatus::delivered;
      }
    }
    local_.push_back(std::move(msg));
    local_size_.store(local_.size(), std::memory_order_relaxed);
    wake_consumer();
    return SendStatus::delivered;
  }

  // send_remote(): onto the lane, inside its gate; a bounded mailbox reserves
  // a slot first (drop_oldest pushes; the consumer sheds the oldest).
  [[gnu::noinline]] SendStatus send_remote(T&& msg) {
    detail::RemoteLane<T>& lane = *lane_;
    if (!lane.enter()) return dead(msg, DeadLetterReason::dead_actor);
    if (config_.capacity && config_.overflow != Overflow::drop_oldest && !reserve_remote()) {
      lane.leave();  // not inside the gate while parked: close() must not wait for us
      switch (config_.overflow) {
        case Overflow::drop_newest:
          return shed(msg);
        case Overflow::fail:
          reject(msg);
        case Overflow::drop_oldest:
        case Overflow::block:
          break;
      }
      return send_remote_blocked(std::move(msg));
    }
    if (!config_.capacity || config_.overflow == Overflow::drop_oldest)
      lane.size.fetch_add(1, std::memory_order_relaxed);
    try {
      lane.push(std::move(msg), *anchor_);
    } catch (...) {
      lane.size.fetch_sub(1, std::memory_order_relaxed);
      lane.leave();
      throw;
    }
    lane.leave();
    return SendStatus::delivered;
  }

  bool reserve_remote() noexcept { return lane_->reserve(local_size_, capacity_); }
  // send_remote_blocked() parks the sending fiber (on its own hub) until the
  // consumer makes room, the mailbox closes, or block_timeout passes.
  SendStatus send_remote_blocked(T&& msg) {
    detail::RemoteLane<T>& lane = *lane_;
    const TimePoint deadline = deadline_after(detail::scheduler().now(), config_.block_timeout);
    for (;;) {
      AsyncResult<> room;
      lane.add_space_waiter(room);  // seq_cst: pairs with took_one()'s fence
      struct Remove {
        detail::RemoteLane<T>& lane;
        AsyncResult<>& room;
        ~Remove() { lane.remove_space_waiter(room); }
      } remove{lane, room};
      if (!lane.enter()) return dead(msg, DeadLetterReason::dead_actor);
      if (reserve_remote()) {
        lane.push(std::move(msg), *anchor_);
        lane.leave();
        return SendStatus::delivered;
      }
      lane.leave();
      if (detail::scheduler().now() >= deadline || !room.wait(Deadline(deadline))) {
        if (closed()) return dead(msg, DeadLetterReason::dead_actor);
        reject(msg);
      }
    }
  }

  // wait_for_input() parks the consumer until a signal or message is
  // queued (draining the remote side into the local one); false on timeout.
  bool wait_for_input(TimePoint deadline) {
    for (;;) {
      if (remote_ready_ || !lane_->messages.empty()) drain_remote();
      if (!system_.empty() || !local_.empty()) return true;
      if (!consumer_.wait_until(deadline, "Mailbox::receive", [this] { return ready_or_arm(false); })) return false;
    }
  }

  // ready_or_arm(stop_on_close) is the consumer's predicate: true when there
  // is something to take (or, with stop_on_close, the mailbox is closed);
  // otherwise it arms consumer_parked_, so that the next send wakes the
  // consumer, which the WaitQueue parks right after (detail/wait_queue.hpp).
  bool ready_or_arm(bool stop_on_close) noexcept {
    if (!system_.empty() || !local_.empty() || remote_ready_ || (stop_on_close && closed())) return true;
    consumer_parked_ = true;
    return false;
  }

  // took_one() accounts for a message taken by the consumer and lets one
  // blocked sender (this hub's, or another thread's) retry.
  void took_one() {
    local_size_.store(local_.size(), std::memory_order_relaxed);
    if (capacity_) [[unlikely]] {
      if (!space_waiters_.empty()) space_waiters_.notify_one();
      // Pairs with the seq_cst increment in add_space_waiter(): either the
      // parked sender's re-check sees the new size, or we see it parked
      // and set its result.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (lane_->space_blocked.load(std::memory_order_relaxed)) lane_->wake_space_waiters();
    }
  }

  // drain_remote(): the lane's messages to local_ (drop_oldest sheds extras).
  void drain_remote() {
    remote_ready_ = false;
    const std::size_t n = lane_->drain([this](T&& m) { local_.push_back(std::move(m)); });
    if (n == 0) return;
    // Local count first: meanwhile the moved messages count twice (a remote
    // sender may see the mailbox fuller than it is, never emptier).
    local_size_.store(local_.size(), std::memory_order_seq_cst);
    lane_->size.fetch_sub(n, std::memory_order_seq_cst);
    if (capacity_ && config_.overflow == Overflow::drop_oldest) [[unlikely]] {
      while (local_.size() > capacity_) {
        T victim = local_.take_front();
        discard(victim, DeadLetterReason::shed);
      }
      local_size_.store(local_.size(), std::memory_order_relaxed);
    }
  }

  // remote_ready() is the lane's announcement, run by the owning hub.
  static void remote_ready(void* self) noexcept {
    auto* box = static_cast<Mailbox*>(self);
    box->remote_ready_ = true;
    box->wake_consumer();
  }

  bool wait_for_space() {
    // The caller (send_full) holds the PassOn.
    const TimePoint deadline = deadline_after(detail::scheduler().now(), config_.block_timeout);
    (void)space_waiters_.wait_until(deadline, "Mailbox::send (full)",
                                    [this] { return closed() || size() < config_.capacity; });
    return !closed() && size() < config_.capacity;
  }

  // wake_consumer() wakes the parked consumer, if any (owner thread).
  void wake_consumer() noexcept {
    if (consumer_parked_) {
      consumer_parked_ = false;
      consumer_.notify_one();
    }
  }

  SendStatus dead(const T& msg, DeadLetterReason reason) const noexcept {
    record(reason, &msg, false);
    return SendStatus::dead;
  }
  SendStatus shed(const T& msg) const noexcept {
    record(DeadLetterReason::shed, &msg, false);
    return SendStatus::shed;
  }
  [[noreturn]] void reject(const T& msg) const {
    record(DeadLetterReason::rejected, &msg, false);
    throw MailboxFull("grove: the mailbox of '" + owner_name_ + "' is full (capacity " +
                      std::to_string(config_.capacity) + "); the message went to dead letters");
  }
  void discard(T& msg, DeadLetterReason reason) noexcept {
    if (discard_hook_) discard_hook_(msg, reason);
    record(reason, &msg, true);
  }
  void record(DeadLetterReason reason, const T* msg, bool queued, std::string_view detail = {}) const noexcept {
    if (dead_letter_hook_ && msg) dead_letter_hook_(*msg, reason, queued, owner_name_, detail);
    dead_letters().record(reason, owner_name_, DeadLetterName<T>::of(msg), detail);
  }

  // What send_local() touches fits in one cache line (a publisher sending
  // to thousands of mailboxes pays a miss per line it touches): these
  // fields and the push side of local_ (its first 32 bytes).
  alignas(64) std::atomic<bool> closed_{false};
  bool remote_ready_ = false;     // the lane announced messages (owner's thread)
  bool consumer_parked_ = false;  // consumer_ may hold the consumer
  detail::Scheduler* hub_;
  std::size_t capacity_;                    // config_.capacity
  std::atomic<std::size_t> local_size_{0};  // written by the owner only
  detail::SegmentQueue<T> local_;
  // Colder.
  detail::WaitQueue consumer_;
  detail::RingBuffer<SystemSignal> system_;
  detail::WaitQueue space_waiters_;
  MailboxConfig config_;

  std::string owner_name_;
  std::shared_ptr<detail::RemoteAnchor> anchor_;
  detail::RemoteLane<T>* lane_;  // shared with a queued announcement (reference-counted)
  DiscardHook discard_hook_ = nullptr;
  DeadLetterHook dead_letter_hook_ = nullptr;
};

}  // namespace grove
