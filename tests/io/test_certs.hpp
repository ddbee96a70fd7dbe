#pragma once
// test_certs.hpp — throw-away certificates for the TLS suites, made at test
// time by the openssl CLI: self-signed EC keys valid for one day.

#include <cstdlib>
#include <filesystem>
#include <string>

namespace grove::test {

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key
};

// make_self_signed(dir, name, subject, san) writes dir/name.pem and
// dir/name-key.pem for subject ("/CN=localhost") with the subjectAltName
// san ("DNS:localhost,IP:127.0.0.1"; empty: none). Empty paths on failure.
inline CertFiles make_self_signed(const std::filesystem::path& dir, const std::string& name, const std::string& subject,
                                  const std::string& san) {
  CertFiles files{(dir / (name + ".pem")).string(), (dir / (name + "-key.pem")).string()};
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj " +
                    subject + (san.empty() ? std::string() : " -addext subjectAltName=" + san) + " -keyout " +
                    files.key + " -out " + files.cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  return files;
}

}  // namespace grove::test
