// chat_server.cpp — the ChatServer facade over ChatService and the sessions.
#include <grove/chat/chat_server.hpp>
#include <grove/chat/chat_service.hpp>

#include "sessions.hpp"

namespace grove::chat {

ChatServer::ChatServer(ChatConfig config) : service_(std::make_unique<ChatService>(std::move(config))) {}

ChatServer::~ChatServer() = default;

void ChatServer::handle_tcp(Stream& s) { detail::run_tcp_session(*service_, s); }
void ChatServer::handle_http(Stream& s) { detail::run_http_session(*service_, s); }

nlohmann::json ChatServer::stats() const { return service_->stats(); }
void ChatServer::stop(Duration grace) { service_->stop(grace); }
bool ChatServer::stopping() const noexcept { return service_->stopping(); }
bool ChatServer::crash_room(const std::string& room) { return service_->crash_room(room); }
const ChatConfig& ChatServer::config() const noexcept { return service_->config(); }

}  // namespace grove::chat
