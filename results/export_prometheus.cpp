#include "results/export_prometheus.hpp"

#include <cstdio>
#include <map>

namespace collbench {
namespace {

// OpenMetrics label values know three escapes (\\, \" and \n); any other control character
// (a NUL from a "\u0000" in a results file) would reach the scraper raw and break the exposition,
// so it is replaced by U+FFFD, visible and harmless.
std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += "\xEF\xBF\xBD";
      continue;
    }
    out += c;
  }
  return out;
}

struct Metric {
  const char* name;
  const char* help;
  double (*value)(const ResultRow&);
};

const Metric kMetrics[] = {
    {"collbench_busbw_gbps", "Bus bandwidth (nccl-tests convention), GB/s.",
     [](const ResultRow& r) { return r.busbw; }},
    {"collbench_algbw_gbps", "Algorithm bandwidth (bytes / time), GB/s.",
     [](const ResultRow& r) { return r.algbw; }},
    {"collbench_time_us", "Median time per operation of the slowest rank, microseconds.",
     [](const ResultRow& r) { return r.time_us; }},
    {"collbench_wrong_elements", "Wrong elements found by verification (-1: not checked).",
     [](const ResultRow& r) { return static_cast<double>(r.wrong); }},
};

}  // namespace

std::string export_openmetrics(const std::vector<RunFile>& runs) {
  std::map<std::string, std::pair<std::string, const ResultRow*>> latest;  // key -> (time, row)
  for (const RunFile& run : runs) {
    const std::string when = run.run.value("timestamp", std::string());
    for (const ResultRow& row : run.results) {
      auto& slot = latest[row.config_key()];
      if (!slot.second || when >= slot.first) slot = {when, &row};
    }
  }
  std::string out;
  char number[64];
  for (const Metric& metric : kMetrics) {
    out += std::string("# HELP ") + metric.name + " " + metric.help + "\n";
    out += std::string("# TYPE ") + metric.name + " gauge\n";
    for (const auto& [key, entry] : latest) {
      const ResultRow& r = *entry.second;
      std::snprintf(number, sizeof number, "%.6g", metric.value(r));
      out += std::string(metric.name) + "{collective=\"" + escape_label(r.collective) +
             "\",backend=\"" + escape_label(r.backend) + "\",dtype=\"" + escape_label(r.dtype) +
             "\",redop=\"" + escape_label(r.redop) + "\",placement=\"" +
             (r.inplace ? "in_place" : "out_of_place") + "\",nranks=\"" + std::to_string(r.nranks) +
             "\",bytes=\"" + std::to_string(r.bytes) + "\"} " + number + "\n";
    }
  }
  out += "# EOF\n";
  return out;
}

}  // namespace collbench
