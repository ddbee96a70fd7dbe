#pragma once
// resolve.hpp — green name resolution through Asio's async_resolve,
// forward and reverse:
//
//   for (auto& ep : grove::resolve("localhost", "http")) ...
//   grove::NameInfo n = grove::getnameinfo(grove::tcp_endpoint("127.0.0.1", 80));  // {"localhost", "http"}
//   std::string host = grove::gethostbyaddr("127.0.0.1");                           // "localhost"
//
// The lookup runs on Asio's resolver thread while the fiber is parked; a
// Timeout or kill() cancels it, but the fiber waits for the lookup to come
// back first (getaddrinfo cannot be interrupted), so a Timeout on a stuck
// DNS server is late by that much. Numeric addresses never block. Reverse
// lookups (getnameinfo(3)) run the same way, off the hub. Every call that
// takes a host (TcpSocket::connect, tcp_endpoint, udp_endpoint, TcpListener,
// UdpSocket::send_to/connect, TlsStream::connect) accepts a name or an address.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>

#include <string>
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

// NameInfo is what a reverse lookup finds: the host's name and the
// service's name (numeric strings when none is known, as getnameinfo(3)
// without NI_NAMEREQD).
struct NameInfo {
  std::string host;
  std::string service;
};

// getnameinfo(endpoint) looks the address and port up (gevent's
// getnameinfo): /etc/hosts and DNS for the host, /etc/services for the
// port (the TCP or UDP one, by the endpoint's type).
NameInfo getnameinfo(const boost::asio::ip::tcp::endpoint& endpoint);
NameInfo getnameinfo(const boost::asio::ip::tcp::endpoint& endpoint, boost::system::error_code& ec);
NameInfo getnameinfo(const boost::asio::ip::udp::endpoint& endpoint);
NameInfo getnameinfo(const boost::asio::ip::udp::endpoint& endpoint, boost::system::error_code& ec);

// gethostbyaddr(address) is the host name of a numeric address (gevent's
// gethostbyaddr, the name only). An address with no name is an IoError
// (host_not_found); one that does not parse is an IoError too.
std::string gethostbyaddr(std::string_view address);
std::string gethostbyaddr(std::string_view address, boost::system::error_code& ec);

}  // namespace grove
