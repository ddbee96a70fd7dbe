#include <grove/hub.hpp>

int main() {
  grove::hub();
  return 0;
}
