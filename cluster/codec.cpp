// codec.cpp — the reply-codec registry, the wire header check, and Bytes'
// base64 (OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock).

#include <grove/codec.hpp>

#include <openssl/evp.h>

#include <mutex>
#include <unordered_map>

namespace grove::cluster {

namespace detail {

namespace {
struct ReplyCodecs {
  std::mutex mutex;
  std::unordered_map<std::type_index, ReplyCodec> by_type;
};
ReplyCodecs& reply_codecs() {
  static ReplyCodecs codecs;
  return codecs;
}
}  // namespace

bool register_reply_codec(std::type_index type, ReplyCodec codec) {
  auto& c = reply_codecs();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.by_type.try_emplace(type, codec);
  return true;
}

const ReplyCodec* find_reply_codec(std::type_index type) {
  auto& c = reply_codecs();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.by_type.find(type);
  return it == c.by_type.end() ? nullptr : &it->second;  // entries are never erased
}

std::string_view header(const nlohmann::json& j, int& version) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("body"))
    throw DecodeError("not a grove message (no \"type\" and \"body\")");
  const auto tv = j.find("tv");
  version = (tv != j.end() && tv->is_number_integer()) ? tv->get<int>() : 1;
  return j["type"].get_ref<const std::string&>();
}

}  // namespace detail

void to_json(nlohmann::json& j, const Bytes& b) {
  std::string out(4 * ((b.data.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b.data.data()), static_cast<int>(b.data.size()));
  out.resize(static_cast<std::size_t>(n));
  j = std::move(out);
}

void from_json(const nlohmann::json& j, Bytes& b) {
  const auto& in = j.get_ref<const std::string&>();
  if (in.size() % 4 != 0) throw DecodeError("Bytes: base64 of a length not a multiple of 4");
  std::string out(3 * (in.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) throw DecodeError("Bytes: not base64");
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (!in.empty() && in[in.size() - 1] == '=') --size;
  if (in.size() > 1 && in[in.size() - 2] == '=') --size;
  out.resize(size);
  b.data = std::move(out);
}

}  // namespace grove::cluster
