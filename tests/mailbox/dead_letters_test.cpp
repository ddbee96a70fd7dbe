// dead_letters_test.cpp — dead_letters.hpp: what a dead letter's log line
// calls the message (the user's type, demangled, never grove's wrappers),
// and the log's bound (kLoggedInFull lines a second) while the counts stay
// exact.

#include <grove/actor.hpp>
#include <grove/dead_letters.hpp>
#include <grove/mailbox.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "hub_fixture.hpp"
#include "log_capture.hpp"

namespace {

struct Order {
  int id;
};
struct Cancel {};
using ShopMsg = std::variant<Order, Cancel>;

class Shop : public grove::Actor<ShopMsg> {
 protected:
  void receive(ShopMsg&) override {}
};

class DeadLetterNames : public grove::test::HubTest {};

TEST_F(DeadLetterNames, ReadableTypeNameDropsTheAnonymousNamespace) {
  EXPECT_EQ(grove::readable_type_name(typeid(Order)), "Order");
  EXPECT_EQ(grove::readable_type_name(typeid(int)), "int");
}

TEST_F(DeadLetterNames, APlainMailboxNamesItsMessageType) {
  grove::test::LogCapture log;
  grove::Mailbox<Order> box(grove::MailboxConfig{}, "orders");
  box.close();
  EXPECT_EQ(box.send(Order{1}), grove::SendStatus::dead);
  EXPECT_NE(log.text().find("sent to a dead actor to 'orders' (Order)"), std::string::npos) << log.text();
}

TEST_F(DeadLetterNames, AnActorsDeadLetterNamesTheVariantAlternativeNotTheEnvelope) {
  grove::test::LogCapture log;
  auto shop = grove::spawn_actor<Shop>({.name = "shop"});
  shop.fiber().kill();
  shop.send(Order{7});
  shop.send(Cancel{});
  const std::string text = log.text();
  EXPECT_NE(text.find("sent to a dead actor to 'shop' (Order)"), std::string::npos) << text;
  EXPECT_NE(text.find("sent to a dead actor to 'shop' (Cancel)"), std::string::npos) << text;
  EXPECT_EQ(text.find("detail"), std::string::npos) << text;
  EXPECT_EQ(text.find("Envelope"), std::string::npos) << text;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The log of one second holds kLoggedInFull dead letters in full (-1, 0),
// then one line saying the rest are counted (+1); a flood from four threads
// adds nothing to it, and every dead letter is counted. The first dead
// letter of the next second logs how many were left out, then itself.
TEST(DeadLetterLog, AFloodIsLoggedWithinTheBoundAndCountedExactly) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kFull = grove::DeadLetters::kLoggedInFull;
  grove::test::LogCapture log;
  grove::DeadLetters office;
  office.reset();  // a fresh second of the log
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i + 1 < kFull; ++i) office.record(grove::DeadLetterReason::dead_actor, "a", "M");
  EXPECT_EQ(occurrences(log.text(), "grove: dead letter #"), kFull - 1);
  office.record(grove::DeadLetterReason::dead_actor, "a", "M");
  EXPECT_EQ(occurrences(log.text(), "grove: dead letter #"), kFull);
  office.record(grove::DeadLetterReason::shed, "a", "M");
  EXPECT_EQ(occurrences(log.text(), "grove: dead letter #"), kFull);
  EXPECT_EQ(occurrences(log.text(), "the rest are counted, not logged"), 1u);

  constexpr int kThreads = 4;
  constexpr int kEach = 25000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&office] {
      for (int i = 0; i < kEach; ++i) office.record(grove::DeadLetterReason::rejected, "b", "N");
    });
  for (auto& t : threads) t.join();
  const auto flooded = Clock::now() - start;
  const std::uint64_t total = kFull + 1 + std::uint64_t{kThreads} * kEach;
  EXPECT_EQ(office.total(), total);
  EXPECT_EQ(office.count(grove::DeadLetterReason::dead_actor), kFull);
  EXPECT_EQ(office.count(grove::DeadLetterReason::shed), 1u);
  EXPECT_EQ(office.count(grove::DeadLetterReason::rejected), std::uint64_t{kThreads} * kEach);
  // kFull + 2 lines a second at most (a slow machine may take more than one).
  const auto seconds = static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(flooded).count());
  EXPECT_LE(occurrences(log.text(), "\n"), (seconds + 1) * (kFull + 2)) << log.text();
  if (seconds == 0) {
    EXPECT_EQ(occurrences(log.text(), "grove: dead letter #"), kFull);
    EXPECT_EQ(occurrences(log.text(), "were not logged"), 0u);
  }

  std::this_thread::sleep_until(start + std::max(flooded, Clock::duration(std::chrono::seconds(1))) +
                                std::chrono::milliseconds(50));
  office.record(grove::DeadLetterReason::crashed, "c", "Last");
  const std::string text = log.text();
  if (seconds == 0) {
    EXPECT_NE(text.find("grove: " + std::to_string(total - kFull) + " dead letters were not logged"), std::string::npos)
        << text;
    EXPECT_NE(text.find(std::to_string(total + 1) + " so far (" + std::to_string(kFull) + " dead actor, 1 shed, " +
                        std::to_string(kThreads * kEach) + " rejected"),
              std::string::npos)
        << text;
  }
  EXPECT_NE(text.find("grove: dead letter #" + std::to_string(total + 1) + ": being processed when the actor crashed"),
            std::string::npos)
      << text;
}

}  // namespace
