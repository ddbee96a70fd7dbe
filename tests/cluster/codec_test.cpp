// codec_test.cpp — the codec without a server: round trips of registered
// types and variants, Bytes (binary through base64), and every decode
// failure as a DecodeError with the reason.

#include <grove/codec.hpp>

#include "peer_messages.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace grove::cluster;

namespace {

struct Blob {
  std::string name;
  Bytes data;
};
void to_json(nlohmann::json& j, const Blob& b) { j = {{"name", b.name}, {"data", b.data}}; }
void from_json(const nlohmann::json& j, Blob& b) {
  j.at("name").get_to(b.name);
  j.at("data").get_to(b.data);
}

}  // namespace

GROVE_MESSAGE_VERSION(Blob, "test.blob", 3);

namespace {

template <class T>
std::string decode_error(const nlohmann::json& j) {
  try {
    (void)decode<T>(j);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "no DecodeError";
}

TEST(CodecTest, RegisteredTypesAndVariantsRoundTrip) {
  const nlohmann::json j = encode(peer::Echo{"hi"});
  EXPECT_EQ(j, (nlohmann::json{{"type", "peer.echo"}, {"tv", 1}, {"body", {{"text", "hi"}}}}));
  EXPECT_EQ(decode<peer::Echo>(j).text, "hi");
  const peer::Msg m = peer::Seq{"A", 42};
  const nlohmann::json wire = nlohmann::json::parse(encode(m).dump());
  EXPECT_EQ(wire["type"], "peer.seq");
  const auto back = decode<peer::Msg>(wire);
  ASSERT_TRUE(std::holds_alternative<peer::Seq>(back));
  EXPECT_EQ(std::get<peer::Seq>(back).n, 42u);
  EXPECT_EQ(decode<int>(encode(7)), 7);
  EXPECT_EQ(decode<std::string>(encode(std::string("s"))), "s");
}

TEST(CodecTest, BytesCarryAnyBinaryThroughBase64) {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 255u, 256u}) {
    const Blob b{"b", Bytes{binary.substr(0, n)}};
    const nlohmann::json j = nlohmann::json::parse(encode(b).dump());
    EXPECT_EQ(j["tv"], 3);
    EXPECT_EQ(decode<Blob>(j).data, b.data) << n << " bytes";
  }
  EXPECT_NE(
      decode_error<Blob>({{"type", "test.blob"}, {"tv", 3}, {"body", {{"name", "b"}, {"data", "abc"}}}}).find("base64"),
      std::string::npos);
}

TEST(CodecTest, DecodeFailuresSayWhy) {
  EXPECT_NE(decode_error<peer::Echo>(nlohmann::json::array()).find("not a grove message"), std::string::npos);
  EXPECT_NE(decode_error<peer::Echo>({{"type", "peer.seq"}, {"body", {}}}).find("'peer.seq' where 'peer.echo'"),
            std::string::npos);
  EXPECT_NE(decode_error<peer::Msg>({{"type", "nope"}, {"body", {}}}).find("unknown message type 'nope'"),
            std::string::npos);
  EXPECT_NE(decode_error<peer::Echo>({{"type", "peer.echo"}, {"tv", 2}, {"body", {{"text", "x"}}}}).find("newer"),
            std::string::npos);
  EXPECT_NE(decode_error<peer::Echo>({{"type", "peer.echo"}, {"body", {{"text", 5}}}}).find("did not decode"),
            std::string::npos);
  // An older version decodes (its from_json copes).
  EXPECT_EQ(decode<Blob>({{"type", "test.blob"}, {"tv", 1}, {"body", {{"name", "n"}, {"data", ""}}}}).name, "n");
}

}  // namespace
