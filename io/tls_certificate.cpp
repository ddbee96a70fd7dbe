// tls_certificate.cpp — PeerCertificate from an OpenSSL X509, and the
// TlsStream calls that report the peer certificate and ALPN.

#include <grove/tls.hpp>

#include <grove/io_error.hpp>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/ssl.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>
#include <memory>

namespace grove {

namespace detail {

namespace {

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string serial_text(const ASN1_INTEGER* serial) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(serial, nullptr), &BN_free);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn.get());
  if (!hex) return {};
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

std::chrono::system_clock::time_point time_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<std::string> alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS || n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->d.ia5;
      const char* prefix = n->type == GEN_DNS ? "DNS:" : n->type == GEN_EMAIL ? "email:" : "URI:";
      out.push_back(prefix + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<std::size_t>(ASN1_STRING_length(s))));
    } else if (n->type == GEN_IPADD) {
      const unsigned char* b = ASN1_STRING_get0_data(n->d.ip);
      const int len = ASN1_STRING_length(n->d.ip);
      if (len == 4) {
        std::array<unsigned char, 4> v4{b[0], b[1], b[2], b[3]};
        out.push_back("IP:" + boost::asio::ip::address_v4(v4).to_string());
      } else if (len == 16) {
        std::array<unsigned char, 16> v6{};
        for (int k = 0; k < 16; ++k) v6[static_cast<std::size_t>(k)] = b[k];
        out.push_back("IP:" + boost::asio::ip::address_v6(v6).to_string());
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

PeerCertificate describe_certificate(X509* cert) {
  PeerCertificate out;
  out.subject = name_text(X509_get_subject_name(cert));
  out.issuer = name_text(X509_get_issuer_name(cert));
  out.serial = serial_text(X509_get0_serialNumber(cert));
  out.not_before = time_of(X509_get0_notBefore(cert));
  out.not_after = time_of(X509_get0_notAfter(cert));
  out.subject_alt_names = alt_names(cert);
  const int len = i2d_X509(cert, nullptr);
  if (len > 0) {
    out.der.resize(static_cast<std::size_t>(len));
    unsigned char* p = out.der.data();
    i2d_X509(cert, &p);
  }
  return out;
}

}  // namespace detail

std::optional<PeerCertificate> TlsStream::peer_certificate() const {
  SSL* ssl = detail::tls_native(*this);
  if (!ssl) return std::nullopt;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  X509* cert = SSL_get1_peer_certificate(ssl);
#else
  X509* cert = SSL_get_peer_certificate(ssl);
#endif
  if (!cert) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> owned(cert, &X509_free);
  return detail::describe_certificate(cert);
}

std::string TlsStream::alpn_protocol() const {
  SSL* ssl = detail::tls_native(*this);
  if (!ssl) return {};
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &data, &len);
  return data ? std::string(reinterpret_cast<const char*>(data), len) : std::string();
}

}  // namespace grove
