#include "results/report_summary.hpp"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "core/byte_units.hpp"
#include "results/report.hpp"

namespace collbench {
namespace {

struct RunHighlights {
  double peak_busbw = 0;
  int64_t peak_bytes = 0;
  std::optional<double> latency_us;  // at the smallest size measured
  int64_t latency_bytes = 0;
};

std::optional<RunHighlights> highlights(const RunFile& run, const std::string& collective) {
  std::optional<RunHighlights> h;
  for (const ResultRow& row : run.results) {
    if (row.collective != collective || row.bytes <= 0) continue;
    if (!h) h = RunHighlights{};
    if (row.busbw > h->peak_busbw) {
      h->peak_busbw = row.busbw;
      h->peak_bytes = row.bytes;
    }
    // The smallest size's fastest placement: the latency a user of small messages sees.
    if (!h->latency_us || row.bytes < h->latency_bytes ||
        (row.bytes == h->latency_bytes && row.time_us < *h->latency_us)) {
      h->latency_us = row.time_us;
      h->latency_bytes = row.bytes;
    }
  }
  return h;
}

std::string number(double value, const char* format) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string ratio_cell(double ratio, bool higher_is_better) {
  const bool good = higher_is_better ? ratio >= 1.05 : ratio <= 1 / 1.05;
  const bool bad = higher_is_better ? ratio <= 1 / 1.05 : ratio >= 1.05;
  return std::string("<td") +
         (good  ? " class=ok"
          : bad ? " class=bad"
                : "") +
         ">" + number(ratio, "%.2f") + "x</td>";
}

// The configuration of a row without backend, ranks and size: what a ratio compares.
std::string shape(const ResultRow& row) {
  return row.dtype + " " + row.redop + " " + (row.inplace ? "in-place" : "out-of-place");
}

}  // namespace

std::string summary_table_html(const std::vector<RunFile>& runs) {
  std::set<std::string> collectives;
  for (const RunFile& run : runs) {
    for (const ResultRow& row : run.results) collectives.insert(row.collective);
  }
  if (collectives.empty()) return "";
  std::ostringstream html;
  html << "<h2>Summary</h2>\n<table class=summary><tr><th class=text>collective</th>"
       << "<th class=text>run</th><th>peak busbw (GB/s)</th><th>at size</th>"
       << "<th>latency (us)</th><th>at size</th>";
  if (runs.size() > 1) html << "<th>peak busbw / run 1</th><th>latency / run 1</th>";
  html << "</tr>\n";
  for (const std::string& collective : collectives) {
    std::optional<RunHighlights> first;
    bool first_row = true;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::optional<RunHighlights> h = highlights(runs[i], collective);
      if (!h) continue;
      if (i == 0) first = h;
      html << "<tr><td class=text>" << (first_row ? html_escape(collective) : std::string())
           << "</td><td class=text>" << i + 1 << ": " << html_escape(runs[i].label()) << "</td><td>"
           << number(h->peak_busbw, "%.3f") << "</td><td>" << format_bytes(h->peak_bytes)
           << "</td><td>" << (h->latency_us ? number(*h->latency_us, "%.2f") : "-") << "</td><td>"
           << format_bytes(h->latency_bytes) << "</td>";
      if (runs.size() > 1) {
        if (i > 0 && first && first->peak_busbw > 0 && h->peak_busbw > 0) {
          html << ratio_cell(h->peak_busbw / first->peak_busbw, true);
        } else {
          html << "<td>" << (i == 0 ? "1.00x" : "-") << "</td>";
        }
        if (i > 0 && first && first->latency_us && h->latency_us && *first->latency_us > 0 &&
            first->latency_bytes == h->latency_bytes) {
          html << ratio_cell(*h->latency_us / *first->latency_us, false);
        } else {
          html << "<td>" << (i == 0 ? "1.00x" : "-") << "</td>";
        }
      }
      html << "</tr>\n";
      first_row = false;
    }
  }
  html << "</table>\n";
  if (runs.size() > 1) {
    html << "<p class=note>Ratios are against run 1 (" << html_escape(runs.front().label())
         << "); green at least 5 % better, red at least 5 % worse. Latency is the time per "
            "operation at the smallest size each run measured (8 B in a default sweep).</p>\n";
  }
  return html.str();
}

nlohmann::json busbw_ratio_series(const std::vector<RunFile>& runs, const std::string& collective) {
  nlohmann::json series = nlohmann::json::array();
  if (runs.size() < 2) return series;
  std::map<std::pair<std::string, int64_t>, double> reference;
  for (const ResultRow& row : runs.front().results) {
    if (row.collective == collective && row.bytes > 0 && row.busbw > 0) {
      reference[{shape(row), row.bytes}] = row.busbw;
    }
  }
  for (std::size_t i = 1; i < runs.size(); ++i) {
    std::map<std::string, nlohmann::json> lines;
    for (const ResultRow& row : runs[i].results) {
      if (row.collective != collective || row.busbw <= 0) continue;
      const auto it = reference.find({shape(row), row.bytes});
      if (it == reference.end()) continue;
      lines[shape(row)].push_back({{"x", row.bytes}, {"y", row.busbw / it->second}});
    }
    for (const auto& [label, points] : lines) {
      series.push_back({{"label", std::to_string(i + 1) + ": " + runs[i].label() +
                                      " / 1: " + runs.front().label() + " " + label},
                        {"points", points}});
    }
  }
  return series;
}

}  // namespace collbench
