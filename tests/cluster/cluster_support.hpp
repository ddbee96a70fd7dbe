#pragma once
// cluster_support.hpp — what the cluster suites share: child peer processes
// (cluster_peer.cpp) and a Sink actor that checks per-sender FIFO.

#include <grove/actor.hpp>
#include <grove/node.hpp>
#include <grove/popen.hpp>
#include <grove/this_fiber.hpp>
#include <grove/detail/sanitizer.hpp>

#include "hub_fixture.hpp"
#include "nats_server.hpp"
#include "peer_messages.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace grove::test {

// Under ASan each message costs ~30x: the stream tests send fewer (CI time).
#if defined(GROVE_ASAN)
inline constexpr std::uint64_t kStreamScale = 6;
#else
inline constexpr std::uint64_t kStreamScale = 1;
#endif

// start_peer(url, id, args) runs cluster_peer as a child; for "serve" and
// "topic" it returns once the child printed READY.
inline grove::Popen start_peer(const std::string& url, const std::string& id, std::vector<std::string> args) {
  std::vector<std::string> argv{GROVE_CLUSTER_PEER, url, id};
  argv.insert(argv.end(), args.begin(), args.end());
  grove::Popen p(argv, grove::PopenOptions{.std_out = grove::Stdio::pipe()});
  if (args.at(0) == "serve" || args.at(0) == "topic") {
    const std::string line = p.std_out().readline();
    if (line != "READY\n") throw std::runtime_error("cluster_peer " + id + " did not start: '" + line + "'");
  }
  return p;
}

// FifoTally is what a Sink saw: per sender, the last counter; how many
// arrived out of order (a counter not above the last) and how many gaps
// (a counter more than one past the last: messages lost in between).
struct FifoTally {
  std::map<std::string, std::uint64_t> last;
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t gaps = 0;
};

class Sink : public grove::Actor<peer::Msg> {
 public:
  explicit Sink(std::shared_ptr<FifoTally> tally) : tally_(std::move(tally)) {}

 private:
  void receive(peer::Msg& m) override {
    if (auto* s = std::get_if<peer::Seq>(&m)) {
      auto& last = tally_->last[s->sender];
      if (s->n <= last) ++tally_->out_of_order;
      if (s->n > last + 1) ++tally_->gaps;
      last = std::max(last, s->n);
      ++tally_->received;
    } else if (asking()) {
      reply(std::string("sink"));
    }
  }
  std::shared_ptr<FifoTally> tally_;
};

// wait_until(pred, timeout) polls pred every 10 ms; whether it came true.
template <class P>
bool wait_until(P pred, grove::Duration timeout) {
  const auto until = grove::hub().now() + timeout;
  while (!pred()) {
    if (grove::hub().now() > until) return false;
    grove::this_fiber::sleep(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace grove::test
