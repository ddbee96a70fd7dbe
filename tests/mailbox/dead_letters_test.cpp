// dead_letters_test.cpp — dead_letters.hpp: what a dead letter's log line
// calls the message (the user's type, demangled, never grove's wrappers).

#include <grove/actor.hpp>
#include <grove/dead_letters.hpp>
#include <grove/mailbox.hpp>

#include <gtest/gtest.h>

#include <string>
#include <variant>

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

}  // namespace
