#pragma once
// exit_reason_printer.hpp — PrintTo(ExitReason): GoogleTest prints an
// ExitReason in a failed assertion as its to_string() ("exception: boom")
// instead of raw bytes. Found by argument-dependent lookup, so it lives in
// namespace grove.

#include <grove/exit_reason.hpp>

#include <ostream>

namespace grove {
inline void PrintTo(const ExitReason& r, std::ostream* os) { *os << r.to_string(); }
}  // namespace grove
