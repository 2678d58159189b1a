#pragma once
// Prometheus text exposition (format 0.0.4) of the latest results and validation verdicts, for a
// node exporter's textfile collector and `promtool check metrics`. Names follow Prometheus'
// conventions: base units (bytes per second, seconds), an info metric for the build, the run's
// timestamp as a gauge. docs/results.md lists every metric and label.
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {

// For each configuration and size, the row of the most recent run (by its timestamp); for each
// node and check of `collbench validate`, the verdict of the most recent run.
std::string export_prometheus(const std::vector<RunFile>& runs);

// A label value as the text format wants it: backslash, double quote and newline escaped.
std::string escape_label_value(const std::string& value);

}  // namespace collbench
