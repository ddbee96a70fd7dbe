// resolve_test.cpp — resolve()/resolve_udp() without leaving the machine.
#include <grove/resolve.hpp>

#include <grove/io_error.hpp>

#include "io_test_support.hpp"

#include <boost/asio/error.hpp>

using namespace grove;
using namespace grove::test;

namespace {

class ResolveTest : public HubTest {};

TEST_F(ResolveTest, NumericAddressesNeedNoLookup) {
  auto eps = resolve("127.0.0.1", "8080");
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].port(), 8080);
  EXPECT_TRUE(eps[0].address().is_loopback());
  auto v6 = resolve("::1", "80");
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_TRUE(v6[0].address().is_v6());
}

TEST_F(ResolveTest, LocalhostAndServiceNamesGoThroughAsyncResolve) {
  auto eps = resolve("localhost", "http");  // /etc/hosts and /etc/services
  ASSERT_FALSE(eps.empty());
  for (auto& ep : eps) {
    EXPECT_TRUE(ep.address().is_loopback());
    EXPECT_EQ(ep.port(), 80);
  }
  auto udp = resolve_udp("localhost", "53");
  ASSERT_FALSE(udp.empty());
  EXPECT_EQ(udp[0].port(), 53);
}

TEST_F(ResolveTest, AnUnknownServiceIsAnErrorInBothForms) {
  boost::system::error_code ec;
  auto eps = resolve("127.0.0.1", "no-such-service-grove", ec);
  EXPECT_TRUE(ec);
  EXPECT_TRUE(eps.empty());
  EXPECT_THROW(resolve("127.0.0.1", "no-such-service-grove"), IoError);
}

}  // namespace
