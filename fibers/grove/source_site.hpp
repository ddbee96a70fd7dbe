#pragma once
// grove/source_site.hpp — a call site (file, line, function) taken as a
// default argument: `void f(SourceSite site = SourceSite::current())` records
// where f was called. It is std::source_location where the library has it
// (gcc: the function's full signature); clang 14 with libstdc++ 12 has no
// std::source_location (it needs __builtin_source_location), so there it
// is __builtin_FILE/LINE/FUNCTION (the function's plain name).
//
// The strings are string literals of the calling translation unit: they
// live as long as the program. A default-constructed SourceSite is "unknown":
// file "" and line 0.

#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace grove {

class SourceSite {
 public:
  constexpr SourceSite() noexcept = default;

  // current() is the site of the call whose default argument it is.
#if defined(__cpp_lib_source_location)
  static constexpr SourceSite current(std::source_location here = std::source_location::current()) noexcept {
    return SourceSite(here.file_name(), here.line(), here.function_name());
  }
#else
  static constexpr SourceSite current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE(),
                                      const char* function = __builtin_FUNCTION()) noexcept {
    return SourceSite(file, line, function);
  }
#endif

  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  constexpr SourceSite(const char* file, unsigned line, const char* function) noexcept
      : file_(file), line_(line), function_(function) {}

  const char* file_ = "";
  unsigned line_ = 0;
  const char* function_ = "";
};

}  // namespace grove
