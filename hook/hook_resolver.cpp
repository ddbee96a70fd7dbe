// hook_resolver.cpp — the interposed resolver entry points: getaddrinfo,
// getnameinfo, gethostbyname, gethostbyname_r. In a fiber they run on the
// bridge's ThreadPool (default 10 threads) while the fiber waits; the job
// owns copies of its inputs and a buffer of its own, so a fiber that a
// Timeout ends early leaves nothing the worker could still write into.
// Numeric lookups never block and stay on the hub. glibc's own internal
// calls to these (from inside other glibc functions) cannot be intercepted.

#include "src/hook_core.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace grove::hook::detail {
namespace {

bool numeric_host(const char* node) noexcept {
  unsigned char buf[sizeof(in6_addr)];
  return !node || ::inet_pton(AF_INET, node, buf) == 1 || ::inet_pton(AF_INET6, node, buf) == 1;
}

template <class Job>
void run_job(void* p) {
  static_cast<Job*>(p)->run();
}
template <class Job>
void drop_job(void* p) {
  delete static_cast<Job*>(p);  // NOLINT(cppcoreguidelines-owning-memory): the job is handed over as void*
}

// offload(job): true when job ran (the caller owns it again); false when
// an interrupt came first (errno set; the worker deletes it).
template <class Job>
bool offload(Job* job) noexcept {
  return bridge->offload(&run_job<Job>, job, &drop_job<Job>) == 0;
}

struct AddrinfoJob {
  std::string node, service;
  bool has_node = false, has_service = false, has_hints = false;
  addrinfo hints{};
  addrinfo* res = nullptr;
  int rc = 0;
  int err = 0;
  void run() {
    rc = real.getaddrinfo(has_node ? node.c_str() : nullptr, has_service ? service.c_str() : nullptr,
                          has_hints ? &hints : nullptr, &res);
    err = errno;
  }
  AddrinfoJob() = default;
  AddrinfoJob(const AddrinfoJob&) = delete;
  AddrinfoJob& operator=(const AddrinfoJob&) = delete;
  ~AddrinfoJob() {
    if (res) ::freeaddrinfo(res);
  }
};

struct NameinfoJob {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::vector<char> host, serv;
  int flags = 0;
  int rc = 0;
  int err = 0;
  void run() {
    rc = real.getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host.empty() ? nullptr : host.data(),
                          static_cast<socklen_t>(host.size()), serv.empty() ? nullptr : serv.data(),
                          static_cast<socklen_t>(serv.size()), flags);
    err = errno;
  }
};

struct HostJob {
  std::string name;
  hostent ent{};
  hostent* result = nullptr;
  std::vector<char> buf = std::vector<char>(1024);
  int rc = 0;
  int h_err = 0;
  void run() {
    for (;;) {
      rc = real.gethostbyname_r(name.c_str(), &ent, buf.data(), buf.size(), &result, &h_err);
      if (rc != ERANGE || buf.size() >= (1U << 20)) return;
      buf.resize(buf.size() * 2);
    }
  }
};

// relocate(p, from, to): a pointer into the job's buffer, moved to the
// same place in the caller's.
template <class T>
T relocate(T p, const char* from, char* to) noexcept {
  if (!p) return p;
  return reinterpret_cast<T>(to + (reinterpret_cast<const char*>(p) - from));
}

// copy_hostent(job, ret, buf, len): job's result moved into the caller's
// hostent and buffer (ERANGE when it does not fit).
int copy_hostent(const HostJob& job, hostent* ret, char* buf, size_t len) noexcept {
  if (job.buf.size() > len) {
    // Only the used part must fit; the job's buffer may have grown.
    return ERANGE;
  }
  const char* from = job.buf.data();
  std::memcpy(buf, from, job.buf.size());
  *ret = job.ent;
  ret->h_name = relocate(job.ent.h_name, from, buf);
  ret->h_aliases = relocate(job.ent.h_aliases, from, buf);
  ret->h_addr_list = relocate(job.ent.h_addr_list, from, buf);
  for (char** a = ret->h_aliases; a && *a; ++a) *a = relocate(*a, from, buf);
  for (char** a = ret->h_addr_list; a && *a; ++a) *a = relocate(*a, from, buf);
  return 0;
}

// The storage gethostbyname returns (per thread, as glibc's is per process).
thread_local hostent host_ent{};
thread_local std::vector<char> host_buf;

}  // namespace
}  // namespace grove::hook::detail

using namespace grove::hook::detail;  // NOLINT(google-build-using-namespace): the C entry points below

namespace {
[[gnu::noinline]] int hooked_getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  if (where() != GROVE_HOOK_FIBER || numeric_host(node) || (hints && (hints->ai_flags & AI_NUMERICHOST)))
    return real.getaddrinfo(node, service, hints, res);
  auto* job = new (std::nothrow) AddrinfoJob;
  if (!job) return EAI_MEMORY;
  try {
    job->has_node = node != nullptr;
    job->has_service = service != nullptr;
    if (node) job->node = node;
    if (service) job->service = service;
  } catch (...) {
    delete job;
    return EAI_MEMORY;
  }
  if (hints) {
    job->has_hints = true;
    job->hints.ai_flags = hints->ai_flags;
    job->hints.ai_family = hints->ai_family;
    job->hints.ai_socktype = hints->ai_socktype;
    job->hints.ai_protocol = hints->ai_protocol;
  }
  if (!offload(job)) return EAI_SYSTEM;  // errno: ETIMEDOUT or ECANCELED
  const int rc = job->rc;
  *res = job->res;
  job->res = nullptr;
  if (rc == EAI_SYSTEM) errno = job->err;
  delete job;
  return rc;
}
}  // namespace

GROVE_HOOK_PUBLIC int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  if (!maybe_grove()) [[likely]]
    return real.getaddrinfo(node, service, hints, res);
  return hooked_getaddrinfo(node, service, hints, res);
}

namespace {
[[gnu::noinline]] int hooked_getnameinfo(const sockaddr* addr, socklen_t len, char* host, socklen_t hostlen, char* serv,
                                         socklen_t servlen, int flags) {
  const bool numeric = (flags & NI_NUMERICHOST) && (flags & NI_NUMERICSERV);
  if (where() != GROVE_HOOK_FIBER || numeric || !addr || len > sizeof(sockaddr_storage))
    return real.getnameinfo(addr, len, host, hostlen, serv, servlen, flags);
  auto* job = new (std::nothrow) NameinfoJob;
  if (!job) return EAI_MEMORY;
  std::memcpy(&job->addr, addr, len);
  job->len = len;
  job->flags = flags;
  try {
    job->host.resize(host ? hostlen : 0);
    job->serv.resize(serv ? servlen : 0);
  } catch (...) {
    delete job;
    return EAI_MEMORY;
  }
  if (!offload(job)) return EAI_SYSTEM;
  const int rc = job->rc;
  if (rc == 0) {
    if (host && hostlen) std::memcpy(host, job->host.data(), hostlen);
    if (serv && servlen) std::memcpy(serv, job->serv.data(), servlen);
  } else if (rc == EAI_SYSTEM) {
    errno = job->err;
  }
  delete job;
  return rc;
}
}  // namespace

GROVE_HOOK_PUBLIC int getnameinfo(const sockaddr* addr, socklen_t len, char* host, socklen_t hostlen, char* serv,
                                  socklen_t servlen, int flags) {
  if (!maybe_grove()) [[likely]]
    return real.getnameinfo(addr, len, host, hostlen, serv, servlen, flags);
  return hooked_getnameinfo(addr, len, host, hostlen, serv, servlen, flags);
}

namespace {
[[gnu::noinline]] int hooked_gethostbyname_r(const char* name, hostent* ret, char* buf, size_t len, hostent** result,
                                             int* h_errnop) {
  if (where() != GROVE_HOOK_FIBER || numeric_host(name))
    return real.gethostbyname_r(name, ret, buf, len, result, h_errnop);
  auto* job = new (std::nothrow) HostJob;
  if (!job) return ENOMEM;
  try {
    job->name = name;
    job->buf.resize(len > 0 ? len : 1);
  } catch (...) {
    delete job;
    return ENOMEM;
  }
  *result = nullptr;
  if (!offload(job)) {
    if (h_errnop) *h_errnop = NETDB_INTERNAL;
    return errno;
  }
  int rc = job->rc;
  if (h_errnop) *h_errnop = job->h_err;
  if (rc == 0 && job->result) {
    rc = copy_hostent(*job, ret, buf, len);
    if (rc == 0) *result = ret;
  }
  delete job;
  return rc;
}
}  // namespace

GROVE_HOOK_PUBLIC int gethostbyname_r(const char* name, hostent* ret, char* buf, size_t len, hostent** result,
                                      int* h_errnop) {
  if (!maybe_grove()) [[likely]]
    return real.gethostbyname_r(name, ret, buf, len, result, h_errnop);
  return hooked_gethostbyname_r(name, ret, buf, len, result, h_errnop);
}

namespace {
[[gnu::noinline]] hostent* hooked_gethostbyname(const char* name) {
  if (where() != GROVE_HOOK_FIBER || numeric_host(name)) return real.gethostbyname(name);
  auto* job = new (std::nothrow) HostJob;
  if (!job) return nullptr;
  try {
    job->name = name;
  } catch (...) {
    delete job;
    return nullptr;
  }
  if (!offload(job)) {
    h_errno = NETDB_INTERNAL;
    return nullptr;
  }
  hostent* out = nullptr;
  h_errno = job->h_err;
  if (job->rc == 0 && job->result) {
    host_buf.swap(job->buf);  // the hostent points into this buffer
    host_ent = job->ent;
    out = &host_ent;
  }
  delete job;
  return out;
}
}  // namespace

GROVE_HOOK_PUBLIC hostent* gethostbyname(const char* name) {
  if (!maybe_grove()) [[likely]]
    return real.gethostbyname(name);
  return hooked_gethostbyname(name);
}
