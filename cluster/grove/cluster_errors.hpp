#pragma once
// cluster_errors.hpp — what grove::cluster raises (docs/cluster.md).

#include <grove/errors.hpp>

#include <string>

namespace grove::cluster {

// DecodeError: a message from another process is not one this process can
// decode (unknown type, newer version, bad JSON, over the size limit). The
// cluster dead-letters such a message with what() as the reason.
class DecodeError : public Error {
 public:
  explicit DecodeError(const std::string& what) : Error("grove::cluster: " + what) {}
};

// MessageTooLarge: a send or ask whose encoded message exceeds the node's
// max_message_bytes (or the NATS server's max_payload); nothing was sent.
class MessageTooLarge : public Error {
 public:
  explicit MessageTooLarge(const std::string& what) : Error(what) {}
};

// NoConnection: the reason in Down (and the error of an ask) when a remote
// actor's node is down or unreachable — Erlang's `noconnection`.
class NoConnection : public Error {
 public:
  explicit NoConnection(const std::string& what) : Error(what) {}
};

// RemoteError: an ask failed on the remote node; what() carries the remote
// exception's type and message (exceptions do not cross processes).
class RemoteError : public Error {
 public:
  explicit RemoteError(const std::string& what) : Error(what) {}
};

// ClusterError: the NATS connection failed (connect, subscribe); what()
// has nats.c's status text.
class ClusterError : public Error {
 public:
  explicit ClusterError(const std::string& what) : Error(what) {}
};

}  // namespace grove::cluster
