// request.cpp — Request accessors and form/percent decoding.
#include <grove/web/request.hpp>

#include <grove/errors.hpp>
#include <grove/stream.hpp>

namespace grove::web {

std::string_view Request::target() const noexcept {
  auto t = message_.target();
  return {t.data(), t.size()};
}

std::string_view Request::path() const noexcept {
  auto t = target();
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const noexcept {
  auto t = target();
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view Request::header(http::field name) const {
  auto it = message_.find(name);
  if (it == message_.end()) return {};
  auto v = it->value();
  return {v.data(), v.size()};
}

std::string_view Request::header(std::string_view name) const {
  auto it = message_.find(boost::beast::string_view(name.data(), name.size()));
  if (it == message_.end()) return {};
  auto v = it->value();
  return {v.data(), v.size()};
}

bool Request::has_param(std::string_view name) const noexcept {
  for (auto& [k, v] : params_)
    if (k == name) return true;
  return false;
}

std::string_view Request::param(std::string_view name) const {
  for (auto& [k, v] : params_)
    if (k == name) return v;
  throw UsageError("web::Request::param: the route has no parameter named \"" + std::string(name) +
                   "\"; name it in the pattern as :" + std::string(name));
}

Stream& Request::stream() const {
  if (!stream_) throw UsageError("web::Request::stream: this request was built without a connection");
  return *stream_;
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool url_decode(std::string_view s, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return true;
}

bool form_field(std::string_view body, std::string_view name, std::string& out) {
  std::string key;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body.remove_prefix(amp == std::string_view::npos ? body.size() : amp + 1);
    const auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq), key, true) && key == name)
      return url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), out, true);
  }
  return false;
}

}  // namespace grove::web
