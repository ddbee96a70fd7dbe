// ws_frames_fuzz.cpp — grove::web's WebSocket frame path: a client upgrades
// (a fixed, valid request) and then sends the fuzzed bytes as frames to an
// echo handler on web::WebSocket (websocket_handler over an HttpSession),
// over the test kit's in-memory network on Simulation's virtual time.
// The first byte: bit 0 picks the mode, bits 1-6 how the bytes are cut into
// writes (0: one write). Raw mode sends the bytes as they are. Frame mode
// reads them as records [first byte][length][payload] and sends each as a
// masked frame (key 0, so the payload is the literal bytes) with that first
// byte (FIN, RSV, opcode) — past Beast's mask check, into opcodes,
// fragmentation, control frames, UTF-8, close codes and the 1 KiB message
// limit.
//
// Checked: the answer is 101; every frame the server sends is unmasked,
// has no RSV bit, a known opcode, a control frame is whole and at most 125
// bytes, a text message is valid UTF-8 (nlohmann_json's decoder, not
// Beast's), a close frame is the last frame and carries no code or a valid
// one (valid_close_code); the session ends and leaves no fiber behind. Any broken invariant aborts.
#include <grove/fiber.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/testing/memory_stream.hpp>
#include <grove/testing/simulation.hpp>
#include <grove/web/http_session.hpp>
#include <grove/web/router.hpp>

#include <grove/web/websocket.hpp>
#include "memory_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace web = grove::web;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "ws_frames: %s\n", what);
  std::abort();
}

bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();  // error_handler_t::strict
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

constexpr std::string_view kUpgrade =
    "GET /ws HTTP/1.1\r\nHost: fuzz\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// frames(records): frame mode's bytes — each [b0][len][payload] record as
// a masked frame with key 0.
std::string frames(std::string_view in) {
  std::string out;
  while (in.size() >= 2) {
    const auto b0 = static_cast<unsigned char>(in[0]);
    const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(in[1]), in.size() - 2);
    out += static_cast<char>(b0);
    if (n < 126) {
      out += static_cast<char>(0x80 | n);
    } else {
      out += static_cast<char>(0x80 | 126);
      out += static_cast<char>(n >> 8);
      out += static_cast<char>(n & 0xff);
    }
    out.append(4, '\0');  // the masking key
    out.append(in.substr(2, n));
    in.remove_prefix(2 + n);
  }
  return out;
}

// valid_close_code(code): RFC 6455 7.4 — the defined codes, and 3000 and
// up (registered, private use, and the undefined 5000-65535, which Beast
// echoes back to a peer that sent one: Autobahn 7.13 leaves that open).
bool valid_close_code(unsigned code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013) || code >= 3000;
}

// check_frames(bytes): the server's side after the 101 answer.
void check_frames(std::string_view b) {
  bool closed = false, in_text = false, in_message = false;
  std::string text;
  while (!b.empty()) {
    require(!closed, "a frame after the close frame");
    require(b.size() >= 2, "a frame head is cut short");
    const auto b0 = static_cast<unsigned char>(b[0]), b1 = static_cast<unsigned char>(b[1]);
    const unsigned op = b0 & 0x0f;
    const bool fin = (b0 & 0x80) != 0;
    require((b0 & 0x70) == 0, "an RSV bit is set");
    require((b1 & 0x80) == 0, "a server frame is masked");
    std::size_t n = b1 & 0x7f, at = 2;
    if (n == 126) {
      require(b.size() >= 4, "a length is cut short");
      n = (static_cast<std::size_t>(static_cast<unsigned char>(b[2])) << 8) | static_cast<unsigned char>(b[3]);
      at = 4;
    } else if (n == 127) {
      require(b.size() >= 10, "a length is cut short");
      n = 0;
      for (int i = 2; i < 10; ++i) n = (n << 8) | static_cast<unsigned char>(b[i]);
      at = 10;
    }
    require(b.size() - at >= n, "a payload is cut short");
    const std::string_view payload = b.substr(at, n);
    b.remove_prefix(at + n);
    if (op >= 8) {
      require(op == 8 || op == 9 || op == 10, "an unknown control opcode");
      require(fin && n <= 125, "a fragmented or oversized control frame");
      if (op == 8) {
        closed = true;
        require(n != 1, "a close payload of one byte");
        if (n >= 2) {
          const unsigned code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
          require(valid_close_code(code), "an invalid close code");
        }
      }
      continue;
    }
    require(op <= 2, "an unknown data opcode");
    require((op == 0) == in_message, "a continuation out of place");
    if (op != 0) in_text = op == 1, text.clear();
    in_message = !fin;
    if (in_text) text.append(payload);
    if (fin && in_text) require(valid_utf8(text), "an echoed text message is not UTF-8");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 16384) return 0;
  const bool frame_mode = (data[0] & 1) != 0;
  const std::size_t cut = (data[0] >> 1) & 0x3f;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string input = std::string(kUpgrade) + (frame_mode ? frames(rest) : std::string(rest));
  std::string output;
  {
    grove::testing::Simulation sim;
    grove::testing::MemoryNetwork net;
    auto listener = net.listen("web:80");
    web::WebSocketOptions o;
    o.max_message_bytes = 1024;
    o.max_queued_bytes = 4096;
    web::Router router;
    router.get("/ws", web::websocket_handler(
                          [](web::WebSocket& ws) {
                            while (auto m = ws.receive())
                              if (!ws.send(std::move(m->data), m->binary)) break;
                          },
                          o));
    auto server = grove::spawn([&] {
      auto s = listener.accept();
      web::HttpSession(*s, router).run();
      s->close();
    });
    auto client = grove::spawn([&] { output = grove::fuzz::send_in_pieces_and_read(net, "web:80", input, cut); });
    sim.run_until_idle();
    require(server.dead() && client.dead(), "a fiber is left blocked");
  }
  if (std::getenv("GROVE_FUZZ_VERBOSE"))  // what the server wrote, for a reproducer
    std::fprintf(stderr, "%zu bytes out: %.200s\n", output.size(), output.c_str());
  require(output.rfind("HTTP/1.1 101 ", 0) == 0, "the upgrade was not answered 101");
  const auto head_end = output.find("\r\n\r\n");
  require(head_end != std::string::npos, "the 101 answer is cut short");
  check_frames(std::string_view(output).substr(head_end + 4));
  return 0;
}
