#pragma once
// detail/probe_base.hpp — what a Simulation needs to know of a TestProbe of
// any message type: what it still holds, and how to stop it.

#include <string>

namespace grove::testing::detail {

class ProbeBase {
 public:
  virtual ~ProbeBase() = default;
  // take_unconsumed() empties the probe and describes the messages it
  // received that the test never consumed ("" when there were none).
  virtual std::string take_unconsumed() = 0;
  // stop() ends the probe's actor and waits for it (call it from a fiber).
  virtual void stop() = 0;
};

}  // namespace grove::testing::detail
