// grove-pingpong — the Pinger/Ponger of the gevent tutorial as grove actors.
// Each actor prints the message it gets and sends the other its reply:
//
//   ping        (printed by the Ponger)
//   pong        (printed by the Pinger)
//   ping
//   ...
//
// Usage: grove-pingpong [--rounds N]   (N ping/pong pairs; without it, forever)

#include <grove/actor.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <variant>

namespace {

struct Ping {};
struct Pong {};
struct Stop {};
using Message = std::variant<Ping, Pong, Stop>;

// Table is where the two players find each other.
struct Table {
  grove::ActorRef<Message> pinger;
  grove::ActorRef<Message> ponger;
};

class Pinger : public grove::Actor<Message> {
 public:
  Pinger(Table& table, std::uint64_t rounds) : table_(table), rounds_(rounds) {}

 protected:
  void receive(Message& message) override {
    grove::match(
        message,
        [&](Pong&) {
          std::puts("pong");
          if (rounds_ != 0 && ++played_ == rounds_) {
            table_.ponger.send(Stop{});
            stop();
            return;
          }
          table_.ponger.send(Ping{});
        },
        [&](Ping&) {}, [&](Stop&) { stop(); });
  }

 private:
  Table& table_;
  std::uint64_t rounds_;
  std::uint64_t played_ = 0;
};

class Ponger : public grove::Actor<Message> {
 public:
  explicit Ponger(Table& table) : table_(table) {}

 protected:
  void receive(Message& message) override {
    grove::match(
        message,
        [&](Ping&) {
          std::puts("ping");
          table_.pinger.send(Pong{});
        },
        [&](Pong&) {}, [&](Stop&) { stop(); });
  }

 private:
  Table& table_;
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: grove-pingpong [--rounds N]   (N >= 1; without it, forever)\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t rounds = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      char* end = nullptr;
      rounds = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || rounds == 0) usage();
    } else {
      usage();
    }
  }
  Table table;
  table.pinger = grove::spawn_actor<Pinger>(grove::ActorOptions{.name = "pinger", .mailbox = {}}, table, rounds);
  table.ponger = grove::spawn_actor<Ponger>(grove::ActorOptions{.name = "ponger", .mailbox = {}}, table);
  table.ponger.send(Ping{});  // the first serve
  table.pinger.fiber().join();
  table.ponger.fiber().join();
  return 0;
}
