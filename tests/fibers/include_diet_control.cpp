// include_diet_control.cpp — the control of include_diet_check.hpp: a header
// whose job is Asio (grove/yield.hpp) does define the macros the check
// looks for, so a check that passes means the Asio and Boost.Context
// headers really were absent, not that Boost renamed its include guards.

#include <grove/yield.hpp>

#include <boost/asio/version.hpp>
#include <boost/context/fiber.hpp>

#if !defined(BOOST_ASIO_DETAIL_CONFIG_HPP)
#error "include_diet_check.hpp looks for BOOST_ASIO_DETAIL_CONFIG_HPP, which this Asio does not define"
#endif
#if !defined(BOOST_CONTEXT_DETAIL_CONFIG_H)
#error "include_diet_check.hpp looks for BOOST_CONTEXT_DETAIL_CONFIG_H, which this Boost.Context does not define"
#endif

namespace grove_diet {
// control_version() is Asio's version as this TU saw it (the test checks it).
int control_version() { return BOOST_ASIO_VERSION; }
}  // namespace grove_diet
