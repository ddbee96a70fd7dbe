#pragma once
// actor_errors.hpp — the errors an actor's caller can see beyond the
// callee's own exceptions.

#include <grove/errors.hpp>

namespace grove {

// ActorDead is the error of an ask sent to an actor that has stopped (or
// stops before answering: the ask was left in its mailbox, or it was killed
// while handling it).
class ActorDead : public Error {
 public:
  using Error::Error;
};

}  // namespace grove
