#pragma once
// web.hpp — grove::web in one include: HTTP/1.1 and WebSocket servers on
// Boost.Beast (docs/web.md).

#include <grove/web/beast_stream.hpp>
#include <grove/web/chunk_writer.hpp>
#include <grove/web/http.hpp>
#include <grove/web/http_client.hpp>
#include <grove/web/http_limits.hpp>
#include <grove/web/http_server.hpp>
#include <grove/web/http_session.hpp>
#include <grove/web/long_poll.hpp>
#include <grove/web/request.hpp>
#include <grove/web/response.hpp>
#include <grove/web/router.hpp>
#include <grove/web/static_files.hpp>
#include <grove/web/websocket.hpp>
#include <grove/web/websocket_client.hpp>
