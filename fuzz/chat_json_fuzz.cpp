// chat_json_fuzz.cpp — the chat's WebSocket JSON requests (samples/chat):
// the input is one text frame; decode_request must answer every frame
// with a request or an error (never throw, never crash), agree with a
// plain nlohmann parse about what the frame is, and a request re-encoded
// must decode to itself. A "say" whose text may be said is made into a
// message whose JSON form must round-trip. Any broken invariant aborts.
#include <grove/chat/command.hpp>
#include <grove/chat/message.hpp>
#include <grove/chat/protocol.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using grove::chat::RequestKind;
using json = nlohmann::json;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "chat_json: %s\n", what);
  std::abort();
}

const char* type_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::nick:
      return "nick";
    case RequestKind::join:
      return "join";
    case RequestKind::say:
      return "say";
    case RequestKind::who:
      return "who";
    case RequestKind::rooms:
      return "rooms";
    case RequestKind::invalid:
      break;
  }
  return "";
}

const char* arg_key(RequestKind kind) {
  switch (kind) {
    case RequestKind::nick:
      return "nick";
    case RequestKind::join:
      return "room";
    case RequestKind::say:
      return "text";
    case RequestKind::rooms:
      return "after";
    default:
      return nullptr;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto req = grove::chat::decode_request(text);
  require((req.kind == RequestKind::invalid) == !req.error.empty(), "an error iff invalid");
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    require(req.error == "malformed JSON", "a malformed frame was decoded");
    return 0;
  }
  if (req.kind == RequestKind::invalid) {
    // The answer is an error object; its text (which may quote the frame)
    // must survive the wire.
    const json answer{{"type", "error"}, {"error", req.error}};
    const json back = json::parse(answer.dump(-1, ' ', false, json::error_handler_t::replace));
    require(back.at("error") == req.error, "an error answer does not round-trip");
    return 0;
  }
  require(j.is_object() && j.at("type") == type_name(req.kind), "decoded a different type");
  // Re-encode: the same request comes back.
  json again{{"type", type_name(req.kind)}};
  if (const char* key = arg_key(req.kind)) again[key] = req.arg;
  const auto back = grove::chat::decode_request(again.dump());
  require(back.kind == req.kind && back.arg == req.arg, "a re-encoded request decodes differently");
  if (req.kind == RequestKind::say && grove::chat::text_error(req.arg, 4096).empty()) {
    const auto m = grove::chat::make_message("room", "nick", req.arg, 1);
    require(json::parse(m->json_text).at("text") == req.arg, "a said text does not round-trip");
  }
  return 0;
}
