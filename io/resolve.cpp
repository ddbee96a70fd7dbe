// resolve.cpp — resolve() and the reverse lookups on async_resolve and
// grove::yield (which parks the fiber through detail::run_op).

#include <grove/resolve.hpp>

#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/yield.hpp>

#include <boost/asio/error.hpp>

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

template <class Protocol>
NameInfo reverse_with(const typename Protocol::endpoint& endpoint, boost::system::error_code& ec) {
  ec = {};
  typename Protocol::resolver resolver(hub().io_context());
  auto results = resolver.async_resolve(endpoint, grove::yield[ec].cancel_by(resolver));
  if (ec) return {};
  if (results.empty()) {
    ec = boost::asio::error::host_not_found;
    return {};
  }
  return NameInfo{results.begin()->host_name(), results.begin()->service_name()};
}

std::string endpoint_text(const boost::asio::ip::address& address, unsigned short port) {
  return address.to_string() + ":" + std::to_string(port);
}

}  // namespace

NameInfo getnameinfo(const boost::asio::ip::tcp::endpoint& endpoint, boost::system::error_code& ec) {
  return reverse_with<boost::asio::ip::tcp>(endpoint, ec);
}

NameInfo getnameinfo(const boost::asio::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto out = getnameinfo(endpoint, ec);
  if (ec)
    detail::throw_io_error(ec, ("grove::getnameinfo " + endpoint_text(endpoint.address(), endpoint.port())).c_str());
  return out;
}

NameInfo getnameinfo(const boost::asio::ip::udp::endpoint& endpoint, boost::system::error_code& ec) {
  return reverse_with<boost::asio::ip::udp>(endpoint, ec);
}

NameInfo getnameinfo(const boost::asio::ip::udp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto out = getnameinfo(endpoint, ec);
  if (ec)
    detail::throw_io_error(ec, ("grove::getnameinfo " + endpoint_text(endpoint.address(), endpoint.port())).c_str());
  return out;
}

std::string gethostbyaddr(std::string_view address, boost::system::error_code& ec) {
  auto addr = boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return {};
  NameInfo info = getnameinfo(boost::asio::ip::tcp::endpoint(addr, 0), ec);
  if (ec) return {};
  // getnameinfo(3) answers an address without a name with the address itself.
  boost::system::error_code numeric;
  (void)boost::asio::ip::make_address(info.host, numeric);
  if (!numeric) {
    ec = boost::asio::error::host_not_found;
    return {};
  }
  return info.host;
}

std::string gethostbyaddr(std::string_view address) {
  boost::system::error_code ec;
  auto out = gethostbyaddr(address, ec);
  if (ec) detail::throw_io_error(ec, ("grove::gethostbyaddr " + std::string(address)).c_str());
  return out;
}

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
