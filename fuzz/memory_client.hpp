#pragma once
// memory_client.hpp — the client side shared by the web fuzz targets
// (http_request, ws_frames): inside a fiber of a Simulation, connect to
// address on the in-memory network, send input cut into writes of `cut`
// bytes (0: one write), shut the sending side, and return every byte the
// server wrote until it closed.

#include <grove/testing/memory_network.hpp>
#include <grove/testing/memory_stream.hpp>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace grove::fuzz {

inline std::string send_in_pieces_and_read(grove::testing::MemoryNetwork& net, std::string_view address,
                                           std::string_view input, std::size_t cut) {
  auto s = net.connect(address);
  boost::system::error_code ec;
  while (!input.empty() && !ec) {
    const std::size_t n = cut == 0 ? input.size() : std::min(cut, input.size());
    s->send_all(input.substr(0, n), ec);
    input.remove_prefix(n);
  }
  s->shutdown_send(ec);
  std::string output;
  for (;;) {
    std::string piece = s->recv(65536, ec);
    if (ec || piece.empty()) break;
    output += piece;
  }
  s->close();
  return output;
}

}  // namespace grove::fuzz
