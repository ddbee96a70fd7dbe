// resolve.cpp — resolve() on async_resolve and grove::yield.

#include <grove/resolve.hpp>

#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/yield.hpp>

#include <string>

namespace grove {

namespace {

template <class Protocol>
std::vector<typename Protocol::endpoint> resolve_with(std::string_view host, std::string_view service,
                                                      boost::system::error_code& ec) {
  ec = {};
  std::vector<typename Protocol::endpoint> out;
  // A numeric address needs no lookup at all.
  boost::system::error_code parse_ec;
  auto addr = boost::asio::ip::make_address(std::string(host), parse_ec);
  if (!parse_ec && !service.empty() && service.find_first_not_of("0123456789") == std::string_view::npos &&
      service.size() <= 5) {
    unsigned long port = std::stoul(std::string(service));
    if (port <= 65535) {
      out.emplace_back(addr, static_cast<unsigned short>(port));
      return out;
    }
  }
  typename Protocol::resolver resolver(hub().io_context());
  auto results = resolver.async_resolve(std::string(host), std::string(service), grove::yield[ec].cancel_by(resolver));
  if (ec) return out;
  for (const auto& entry : results) out.push_back(entry.endpoint());
  return out;
}

}  // namespace

std::vector<boost::asio::ip::tcp::endpoint> resolve(std::string_view host, std::string_view service,
                                                    boost::system::error_code& ec) {
  return resolve_with<boost::asio::ip::tcp>(host, service, ec);
}

std::vector<boost::asio::ip::tcp::endpoint> resolve(std::string_view host, std::string_view service) {
  boost::system::error_code ec;
  auto out = resolve(host, service, ec);
  if (ec) detail::throw_io_error(ec, ("grove::resolve " + std::string(host) + ":" + std::string(service)).c_str());
  return out;
}

std::vector<boost::asio::ip::udp::endpoint> resolve_udp(std::string_view host, std::string_view service,
                                                        boost::system::error_code& ec) {
  return resolve_with<boost::asio::ip::udp>(host, service, ec);
}

std::vector<boost::asio::ip::udp::endpoint> resolve_udp(std::string_view host, std::string_view service) {
  boost::system::error_code ec;
  auto out = resolve_udp(host, service, ec);
  if (ec) detail::throw_io_error(ec, ("grove::resolve_udp " + std::string(host) + ":" + std::string(service)).c_str());
  return out;
}

}  // namespace grove
