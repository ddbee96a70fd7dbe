#pragma once
// mailbox_config.hpp — what a Mailbox is configured with and what its sends
// report: MailboxConfig and its Overflow policy, MailboxFull, the system
// lane's SystemSignal, SendStatus (mailbox.hpp builds on them).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace grove {

// Overflow says what a full bounded mailbox does with one more message:
// block the sender (up to block_timeout, then reject), drop the newest (the
// one being sent), drop the oldest queued one, or fail (reject at once).
// Shed and rejected messages go to dead letters; a rejected send also
// throws MailboxFull to its sender.
enum class Overflow { block, drop_newest, drop_oldest, fail };

struct MailboxConfig {
  std::size_t capacity = 0;  // 0 = unbounded
  Overflow overflow = Overflow::block;
  // block_timeout: how long a blocked send waits for room (Duration::max():
  // for ever; zero: not at all). A negative one is a UsageError naming
  // MailboxConfig::block_timeout, thrown when a Mailbox (or an actor) is
  // made with it. (A NaN cannot be stored: Duration is integral.)
  Duration block_timeout = Duration::max();
  // reserve: slots allocated up front (a hint; the mailbox still grows
  // when unbounded), so a burst of that size allocates nothing.
  std::size_t reserve = 0;
};

// MailboxFull is the error of a send to a full mailbox that fails (policy
// fail, or block past its block_timeout): a TimeoutError.
class MailboxFull : public Error, public TimeoutError {
 public:
  using Error::Error;
  const char* what() const noexcept override { return Error::what(); }
};

// SystemSignal travels on the system lane: an exit signal from a linked
// fiber (for actors that trap exits) or a monitor's Down notification.
struct SystemSignal {
  enum class Kind { exit, down };
  Kind kind;
  Fiber<> from;
  ExitReason reason;
  std::uint64_t monitor_id = 0;
  std::string from_name;
};

// SendStatus is what became of a send.
enum class SendStatus { delivered, shed, dead };

}  // namespace grove
