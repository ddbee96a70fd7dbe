#pragma once
// resolve.hpp — green name resolution through Asio's async_resolve:
//
//   for (auto& ep : grove::resolve("localhost", "http")) ...
//
// The lookup runs on Asio's resolver thread while the fiber is parked; a
// Timeout or kill() cancels it, but the fiber waits for the lookup to come
// back first (getaddrinfo cannot be interrupted), so a Timeout on a stuck
// DNS server is late by that much. Numeric addresses never block.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>
#include <vector>

namespace grove {

// resolve(host, service) returns the TCP endpoints for host (a name or an
// address) and service (a port number or a name from /etc/services).
std::vector<boost::asio::ip::tcp::endpoint> resolve(std::string_view host, std::string_view service);
std::vector<boost::asio::ip::tcp::endpoint> resolve(std::string_view host, std::string_view service,
                                                    boost::system::error_code& ec);
// resolve_udp(host, service) is the same for UDP.
std::vector<boost::asio::ip::udp::endpoint> resolve_udp(std::string_view host, std::string_view service);
std::vector<boost::asio::ip::udp::endpoint> resolve_udp(std::string_view host, std::string_view service,
                                                        boost::system::error_code& ec);

}  // namespace grove
