// grove-zmq-reqrep [ENDPOINT]: the seed's ZeroMQ exchange. Two fibers in
// one process talk over a REQ/REP pair; each blocking send/recv switches
// to the other fiber, so the output alternates:
//   Switched to Server for 1
//   Switched to Client for 1
//   ...
//   Switched to Client for 9
// ENDPOINT defaults to inproc://grove-zmq-reqrep (tcp://127.0.0.1:PORT works too).

#include <grove/fiber.hpp>
#include <grove/wait.hpp>
#include <grove/zmq_socket.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string endpoint = argc > 1 ? argv[1] : "inproc://grove-zmq-reqrep";
  try {
    zmq::context_t context;
    grove::ZmqSocket server_socket(context, zmq::socket_type::req);
    server_socket.bind(endpoint);
    auto server = grove::spawn([&] {
      for (int request = 1; request < 10; ++request) {
        server_socket.send("Hello");
        std::printf("Switched to Server for %d\n", request);
        std::fflush(stdout);
        server_socket.recv_string();  // implicit context switch
      }
    });
    auto client = grove::spawn([&] {
      grove::ZmqSocket client_socket(context, zmq::socket_type::rep);
      client_socket.connect(endpoint);
      for (int request = 1; request < 10; ++request) {
        client_socket.recv_string();
        std::printf("Switched to Client for %d\n", request);
        std::fflush(stdout);
        client_socket.send("World");  // implicit context switch
      }
    });
    std::vector<grove::Fiber<>> both{server, client};
    grove::joinall(both, /*raise_error=*/true);
    server.get();
    client.get();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-zmq-reqrep: %s\n", e.what());
    return 1;
  }
  return 0;
}
