// hook_cost.cpp — grove-hook-cost: N calls of recv(MSG_DONTWAIT) on an
// empty socketpair (each returns EAGAIN at once) from a thread without a
// hub, inside the callgrind markers. bench/hook_callgrind.sh runs it with and without
// LD_PRELOAD=libgrove_hook.so: the difference in instructions per call is
// what the hook costs a program outside fibers (docs/benchmarks.md, H5).
// It links grove::io like any grove program (the bridge is present), and
// makes its calls where no hub exists.

#include <valgrind/callgrind.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 100000;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  char c = 0;
  long eagain = 0;
  (void)::recv(sv[0], &c, 1, MSG_DONTWAIT);  // the hook sets itself up outside the region
  CALLGRIND_START_INSTRUMENTATION;
  for (long i = 0; i < n; ++i) eagain += ::recv(sv[0], &c, 1, MSG_DONTWAIT) < 0;
  CALLGRIND_STOP_INSTRUMENTATION;
  std::printf("{\"calls\":%ld,\"eagain\":%ld}\n", n, eagain);
  ::close(sv[0]);
  ::close(sv[1]);
  return eagain == n ? 0 : 1;
}
