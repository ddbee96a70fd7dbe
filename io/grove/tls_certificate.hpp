#pragma once
// tls_certificate.hpp — PeerCertificate, what a TLS peer's certificate
// says (gevent's SSLSocket.getpeercert(), as a struct):
//
//   auto tls = grove::TlsStream::connect("localhost", port, ctx, 2s);
//   if (auto cert = tls.peer_certificate()) {
//     spdlog::info("peer {} issued by {}, valid until {}", cert->subject, cert->issuer,
//                  std::chrono::system_clock::to_time_t(cert->not_after));
//     // cert->der holds the certificate itself (DER), e.g. for pinning.
//   }
//
// Names are one line in RFC 2253 form ("CN=localhost,O=Example"), the
// serial number is upper-case hexadecimal, and the times are UTC. The
// certificate is reported as the peer sent it: whether it was verified
// depends on the context (TlsContext::set_verify_peer,
// require_client_certificate), as with gevent's getpeercert(binary_form=True).

#include <chrono>
#include <string>
#include <vector>

namespace grove {

struct PeerCertificate {
  std::string subject;  // RFC 2253, e.g. "CN=localhost"
  std::string issuer;   // RFC 2253; the subject again for a self-signed certificate
  std::string serial;   // hexadecimal, upper case
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  // subject_alt_names: "DNS:localhost", "IP:127.0.0.1", ... in certificate order.
  std::vector<std::string> subject_alt_names;
  std::vector<unsigned char> der;  // the whole certificate, DER-encoded
};

}  // namespace grove
