// include_diet_check.hpp — included by each TU that tests/fibers/CMakeLists.txt
// generates for include_diet_test.cpp, right after the one grove header
// that TU includes alone. It stops the build when that header pulled in an
// Asio or Boost.Context header (docs/design/hub.md, "What a primitive's
// header includes"), and registers the header so that the test can count
// that every listed header was compiled in. Each generated TU defines
// GROVE_DIET_TU and GROVE_DIET_HEADER (the header's name) first.

#if !defined(GROVE_DIET_HEADER)
#error "define GROVE_DIET_HEADER to the header this TU checks (tests/fibers/CMakeLists.txt does)"
#endif

// Every Asio header includes boost/asio/detail/config.hpp; every
// Boost.Context header includes boost/context/detail/config.hpp or
// fiber.hpp. include_diet_control.cpp proves these macros are the right ones.
#if defined(BOOST_ASIO_DETAIL_CONFIG_HPP) || defined(BOOST_ASIO_VERSION)
#error "this grove header pulls in Boost.Asio; name boost::asio::io_context instead, or move the Asio code to a .cpp"
#endif
#if defined(BOOST_CONTEXT_DETAIL_CONFIG_H) || defined(BOOST_CONTEXT_FIBER_H)
#error \
    "this grove header pulls in Boost.Context; hold the continuation as detail::Continuation and switch in fibers/park.cpp"
#endif

namespace grove_diet {
// note(header) records one checked header (defined in include_diet_test.cpp).
int note(const char* header);
}  // namespace grove_diet

#if defined(GROVE_DIET_TU)
namespace {
[[maybe_unused]] const int grove_diet_noted = grove_diet::note(GROVE_DIET_HEADER);
}  // namespace
#endif
