// A program that uses grove::fibers only (tests/install/fibers_only).
#include <grove/event.hpp>
#include <grove/fiber.hpp>

#include <cstdio>

int main() {
  grove::Event ready;
  auto f = grove::spawn([&] {
    ready.wait();
    return 42;
  });
  ready.set();
  const int v = f.get();
  std::printf("fibers_only: %d\n", v);
  return v == 42 ? 0 : 1;
}
