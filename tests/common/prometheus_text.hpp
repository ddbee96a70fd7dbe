#pragma once
// prometheus_text.hpp — reading values back from a Prometheus text
// exposition (a /metrics scrape) in tests.

#include <optional>
#include <sstream>
#include <string>

namespace grove::test {

// sample(text, series) is the value of the line `series value` (series is
// the metric's name with its labels as serialized), or nullopt.
inline std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

// sum(text, name) adds every sample of the metric `name` (all label sets).
inline double sum(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  double total = 0;
  while (std::getline(in, line))
    if (line.compare(0, name.size() + 1, name + "{") == 0) total += std::stod(line.substr(line.rfind(' ') + 1));
  return total;
}

}  // namespace grove::test
