#pragma once
// grove/source_site.hpp — a call site (file, line, function) taken as a
// default argument: `void f(SourceSite site = SourceSite::current())` records
// where f was called, as std::source_location does. grove has its own
// because std::source_location needs __builtin_source_location, which
// clang 14 (the TSan and fuzz builds) does not have with libstdc++ 12;
// __builtin_FILE/LINE/FUNCTION are in both gcc and clang.
//
// The strings are string literals of the calling translation unit: they
// live as long as the program. A default-constructed SourceSite is "unknown":
// file "" and line 0.

namespace grove {

class SourceSite {
 public:
  constexpr SourceSite() noexcept = default;

  // current() is the site of the call whose default argument it is.
  static constexpr SourceSite current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE(),
                                      const char* function = __builtin_FUNCTION()) noexcept {
    SourceSite site;
    site.file_ = file;
    site.line_ = line;
    site.function_ = function;
    return site;
  }

  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  const char* file_ = "";
  unsigned line_ = 0;
  const char* function_ = "";
};

}  // namespace grove
