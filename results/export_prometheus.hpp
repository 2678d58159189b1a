#pragma once
// OpenMetrics text of the latest results, for a node exporter's textfile collector.
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {
// For each configuration and size, the row of the most recent run (by its timestamp).
std::string export_openmetrics(const std::vector<RunFile>& runs);
}  // namespace collbench
