// router.cpp — pattern parsing and matching (router.hpp).
#include <grove/web/router.hpp>

#include <grove/errors.hpp>

#include <algorithm>

namespace grove::web {

namespace {

// split(path) is path's '/'-separated segments; empty segments (from "//"
// or a trailing '/') are kept except the leading one, so "/a/" is {"a", ""}.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  if (path.empty()) return parts;
  for (;;) {
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

Router& Router::add(http::verb method, std::string_view pattern, Handler handler) {
  const std::string where = "web::Router::add(\"" + std::string(pattern) + "\")";
  if (pattern.empty() || pattern.front() != '/') throw UsageError(where + ": a pattern starts with '/'");
  if (!handler) throw UsageError(where + ": the handler is empty");
  Route r{method, std::string(pattern), {}, std::move(handler)};
  const auto parts = split(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto part = parts[i];
    if (!part.empty() && (part.front() == ':' || part.front() == '*')) {
      if (part.size() == 1) throw UsageError(where + ": a parameter needs a name, as :name or *name");
      const bool rest = part.front() == '*';
      if (rest && i + 1 != parts.size())
        throw UsageError(where + ": *" + std::string(part.substr(1)) + " must be last");
      r.segments.push_back({rest ? Segment::rest : Segment::param, std::string(part.substr(1))});
    } else {
      r.segments.push_back({Segment::literal, std::string(part)});
    }
  }
  routes_.push_back(std::move(r));
  return *this;
}

bool Router::match(const Route& r, const std::vector<std::string>& path,
                   std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  std::size_t i = 0;
  for (const auto& seg : r.segments) {
    if (seg.kind == Segment::rest) {
      std::string rest;
      for (std::size_t j = i; j < path.size(); ++j) {
        if (j > i) rest += '/';
        rest += path[j];
      }
      params.emplace_back(seg.text, std::move(rest));
      return true;
    }
    if (i >= path.size()) return false;
    if (seg.kind == Segment::literal && path[i] != seg.text) return false;
    if (seg.kind == Segment::param) {
      if (path[i].empty()) return false;
      params.emplace_back(seg.text, path[i]);
    }
    ++i;
  }
  return i == path.size();
}

Response Router::operator()(Request& req) const {
  std::vector<std::string> path;
  std::string decoded;
  for (auto part : split(req.path())) {
    if (!url_decode(part, decoded))
      return Response::text("bad percent-encoding in the path\n", http::status::bad_request);
    path.push_back(decoded);
  }
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;
  const http::verb m = req.method();
  for (const auto& r : routes_) {
    if (!match(r, path, params)) continue;
    if (r.method == http::verb::unknown || r.method == m || (m == http::verb::head && r.method == http::verb::get)) {
      req.set_params(std::move(params));
      return r.handler(req);
    }
    const auto name = http::to_string(r.method);
    if (allow.find(std::string(name.data(), name.size())) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow.append(name.data(), name.size());
      if (r.method == http::verb::get) allow += ", HEAD";
    }
  }
  if (!allow.empty()) {
    Response res = Response::text("method not allowed\n", http::status::method_not_allowed);
    res.set(http::field::allow, allow);
    return res;
  }
  return Response::text("not found\n", http::status::not_found);
}

}  // namespace grove::web
