#pragma once
// codec.hpp — how a message crosses processes (docs/cluster.md, "The codec").
// A message type is JSON through nlohmann_json's ADL to_json/from_json and is
// registered under a stable name and a version:
//
//   namespace app {
//   struct Deposit { std::int64_t cents; };
//   void to_json(nlohmann::json& j, const Deposit& d) { j = {{"cents", d.cents}}; }
//   void from_json(const nlohmann::json& j, Deposit& d) { j.at("cents").get_to(d.cents); }
//   }
//   GROVE_MESSAGE(app::Deposit, "app.deposit")            // at global scope
//   GROVE_MESSAGE_VERSION(app::Audit, "app.audit", 2)     // a later version
//
// An actor's message type M is one registered type or a std::variant of
// registered types; on the wire a message is {"type", "tv" (its version),
// "body"}. Decoding fails (DecodeError, with the reason) on an unknown type
// name, a version newer than this process knows, or a body its from_json
// rejects; the cluster turns that into a dead letter with the reason, never
// a crash. Replies to remote asks go through the same registry, so a reply
// type is registered too (bool, the integers, double and std::string are).
// Binary data travels as Bytes (base64 inside the JSON).

#include <grove/cluster_errors.hpp>

#include <nlohmann/json.hpp>

#include <any>
#include <cstdint>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <variant>

namespace grove::cluster {

// MessageTraits<T> names a registered type: `name` (stable across builds
// and processes) and `version` (raise it when the JSON form changes; a
// receiver decodes versions up to its own, its from_json copes with older).
template <class T>
struct MessageTraits;

template <class T>
concept RegisteredMessage = requires {
  { MessageTraits<T>::name } -> std::convertible_to<std::string_view>;
  { MessageTraits<T>::version } -> std::convertible_to<int>;
};

// Bytes is binary data in a message: base64 in the JSON (OpenSSL's codec).
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};
void to_json(nlohmann::json& j, const Bytes& b);
void from_json(const nlohmann::json& j, Bytes& b);

namespace detail {

// ReplyCodec encodes a reply held in a std::any (a remote ask's answer,
// whose type only the asking process knows statically).
struct ReplyCodec {
  std::string_view name;
  int version = 1;
  nlohmann::json (*encode)(const std::any& value) = nullptr;
};
// register_reply_codec(type, codec) makes values of `type` answerable to a
// remote ask; find_reply_codec(type) is null for an unregistered type.
// Thread-safe; registering the same type again is a no-op.
bool register_reply_codec(std::type_index type, ReplyCodec codec);
const ReplyCodec* find_reply_codec(std::type_index type);

template <class T>
bool register_type() {
  return register_reply_codec(typeid(T),
                              ReplyCodec{MessageTraits<T>::name, MessageTraits<T>::version,
                                         [](const std::any& v) { return nlohmann::json(std::any_cast<const T&>(v)); }});
}

template <class T>
nlohmann::json encode_one(const T& m) {
  return nlohmann::json{{"type", MessageTraits<T>::name}, {"tv", MessageTraits<T>::version}, {"body", m}};
}

template <class T>
T decode_one(const nlohmann::json& body, int version) {
  if (version > MessageTraits<T>::version)
    throw DecodeError("version " + std::to_string(version) + " of '" + std::string(MessageTraits<T>::name) +
                      "' is newer than this process knows (" + std::to_string(MessageTraits<T>::version) + ")");
  try {
    return body.get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw DecodeError("'" + std::string(MessageTraits<T>::name) + "' did not decode: " + e.what());
  }
}

template <class T>
struct IsVariant : std::false_type {};
template <class... A>
struct IsVariant<std::variant<A...>> : std::true_type {};

// header(j) checks the {"type", "tv", "body"} shape and returns the name.
std::string_view header(const nlohmann::json& j, int& version);

}  // namespace detail

// Encodable<M>: one registered type, or a variant of registered types.
template <class M>
struct IsEncodable : std::bool_constant<RegisteredMessage<M>> {};
template <class... A>
struct IsEncodable<std::variant<A...>> : std::bool_constant<(RegisteredMessage<A> && ...)> {};
template <class M>
concept Encodable = IsEncodable<M>::value;

// encode(m) is m on the wire: {"type", "tv", "body"}.
template <Encodable M>
nlohmann::json encode(const M& m) {
  if constexpr (detail::IsVariant<M>::value)
    return std::visit([](const auto& alt) { return detail::encode_one(alt); }, m);
  else return detail::encode_one(m);
}

// decode<M>(j) is the M that j encodes; DecodeError (what() says why) when
// j is not one: an unknown or foreign type name, a newer version, a bad body.
template <Encodable M>
M decode(const nlohmann::json& j) {
  int version = 0;
  const std::string_view name = detail::header(j, version);
  const nlohmann::json& body = j.at("body");
  if constexpr (detail::IsVariant<M>::value) {
    return [&]<class... A>(std::variant<A...>*) -> M {
      M out;
      bool found = false;
      (void)((name == MessageTraits<A>::name ? (out = detail::decode_one<A>(body, version), found = true) : false) ||
             ...);
      if (!found) throw DecodeError("unknown message type '" + std::string(name) + "' for this actor");
      return out;
    }(static_cast<M*>(nullptr));
  } else {
    if (name != MessageTraits<M>::name)
      throw DecodeError("message type '" + std::string(name) + "' where '" + std::string(MessageTraits<M>::name) +
                        "' was expected");
    return detail::decode_one<M>(body, version);
  }
}

}  // namespace grove::cluster

#define GROVE_CLUSTER_CAT2(a, b) a##b
#define GROVE_CLUSTER_CAT(a, b) GROVE_CLUSTER_CAT2(a, b)

// GROVE_MESSAGE_VERSION(Type, "name", version) registers Type (at global
// scope, once per type in the program): the name and version on the wire,
// and its reply codec (so a remote ask may be answered with a Type).
#define GROVE_MESSAGE_VERSION(Type, Name, Version)                                               \
  template <>                                                                                    \
  struct grove::cluster::MessageTraits<Type> {                                                   \
    static constexpr std::string_view name = Name;                                               \
    static constexpr int version = Version;                                                      \
  };                                                                                             \
  [[maybe_unused]] static const bool GROVE_CLUSTER_CAT(grove_message_registered_, __COUNTER__) = \
      ::grove::cluster::detail::register_type<Type>()

// GROVE_MESSAGE(Type, "name") is GROVE_MESSAGE_VERSION(Type, "name", 1).
#define GROVE_MESSAGE(Type, Name) GROVE_MESSAGE_VERSION(Type, Name, 1)

GROVE_MESSAGE(bool, "bool");
GROVE_MESSAGE(int, "int");
GROVE_MESSAGE(std::int64_t, "int64");
GROVE_MESSAGE(std::uint64_t, "uint64");
GROVE_MESSAGE(double, "double");
GROVE_MESSAGE(std::string, "string");
GROVE_MESSAGE(grove::cluster::Bytes, "bytes");
