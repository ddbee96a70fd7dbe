#pragma once
// http.hpp — the Beast names grove::web is written in: web::http is
// boost::beast::http (verbs, status codes, fields), so a handler says
// web::http::status::not_found without including Beast itself.

#include <boost/beast/core/string_type.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <string_view>

namespace grove::web {

namespace http = boost::beast::http;

// to_beast(s) / from_beast(s): Beast 1.74 speaks boost::string_view.
inline boost::beast::string_view to_beast(std::string_view s) noexcept { return {s.data(), s.size()}; }
inline std::string_view from_beast(boost::beast::string_view s) noexcept { return {s.data(), s.size()}; }

}  // namespace grove::web
