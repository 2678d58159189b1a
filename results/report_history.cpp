#include "results/report_history.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/byte_units.hpp"
#include "core/errors.hpp"
#include "results/report.hpp"
#include "results/utc_time.hpp"

namespace collbench {
namespace {

// One line of a chart: a configuration's points, oldest first, each with its judgement.
struct TrendLine {
  ResultRow config;
  std::vector<HistoryPoint> points;
  std::vector<HistoryJudgement> judgements;
};

std::string without_size(const ResultRow& r) {
  ResultRow copy = r;
  copy.bytes = 0;
  return copy.config_key();
}

std::string line_label(const ResultRow& r) {
  return r.backend + " " + r.dtype + " " + r.redop + " " +
         (r.inplace ? "in-place" : "out-of-place") + " " + std::to_string(r.nranks) + " ranks";
}

std::string number(double v, const char* format) {
  char text[48];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

// The configurations a choice selects: the size chosen, or each configuration's largest size.
std::vector<ResultRow> select(const std::vector<ResultRow>& stored, const HistoryRowChoice& c) {
  std::map<std::string, ResultRow> chosen;  // configuration without size -> row
  for (const ResultRow& row : stored) {
    if (row.collective != c.collective || (c.bytes && row.bytes != *c.bytes)) continue;
    auto [it, fresh] = chosen.try_emplace(without_size(row), row);
    if (!fresh && row.bytes > it->second.bytes) it->second = row;
  }
  if (chosen.empty()) {
    throw UsageError("--rows " + c.collective +
                     (c.bytes ? ":" + std::to_string(*c.bytes) : std::string()) +
                     ": no such results in the history");
  }
  std::vector<ResultRow> out;
  for (auto& [key, row] : chosen) out.push_back(std::move(row));
  return out;
}

TrendLine trend(const HistoryDb& db, const ResultRow& config, const HistoryReportOptions& o) {
  SeriesFilter filter;
  filter.collective = config.collective;
  filter.bytes = config.bytes;
  filter.backend = config.backend;
  filter.dtype = config.dtype;
  filter.nranks = config.nranks;
  filter.inplace = config.inplace;
  filter.last = 2 * o.last;  // the points shown, and the history the oldest of them is judged by
  std::vector<HistoryPoint> all;
  for (HistoryPoint& p : db.series(filter)) {
    if (p.row.config_key() == config.config_key()) all.push_back(std::move(p));  // the op too
  }
  TrendLine line{config, {}, {}};
  const std::size_t first = all.size() > static_cast<std::size_t>(o.last) ? all.size() - o.last : 0;
  for (std::size_t i = first; i < all.size(); ++i) {
    std::vector<double> earlier;
    for (std::size_t k = i > static_cast<std::size_t>(o.last) ? i - o.last : 0; k < i; ++k) {
      earlier.push_back(all[k].row.busbw);
    }
    line.judgements.push_back(
        judge_against_history(all[i].row, earlier, o.mad_factor, o.threshold_pct));
    line.points.push_back(all[i]);
  }
  return line;
}

std::string verdict_cell(const HistoryJudgement& j) {
  std::string cell;
  if (j.regression) {
    cell = "<td class=\"text bad\">REGRESSION";
    if (j.row.wrong > 0) cell += " (wrong data)";
  } else if (!j.enough_history) {
    cell = "<td class=text>too little history (";
    cell += std::to_string(j.history_points);
    cell += " earlier runs)";
  } else {
    cell = "<td class=\"text ok\">ok";
  }
  cell += "</td>";
  return cell;
}

}  // namespace

std::string history_section_html(const HistoryDb& db, const HistoryReportOptions& options,
                                 nlohmann::json& charts) {
  const std::vector<ResultRow> stored = db.configurations();
  std::vector<HistoryRowChoice> choices = options.rows;
  if (choices.empty()) {
    for (const ResultRow& row : stored) {
      if (choices.empty() || choices.back().collective != row.collective) {
        choices.push_back({row.collective, std::nullopt});
      }
    }
  }
  // One chart per collective and size, one line per configuration.
  std::map<std::pair<std::string, int64_t>, std::vector<TrendLine>> groups;
  for (const HistoryRowChoice& choice : choices) {
    for (const ResultRow& config : select(stored, choice)) {
      auto& lines = groups[{config.collective, config.bytes}];
      const bool seen = std::any_of(lines.begin(), lines.end(), [&](const TrendLine& l) {
        return l.config.config_key() == config.config_key();
      });
      if (!seen) lines.push_back(trend(db, config, options));
    }
  }

  std::ostringstream html;
  html << "<h2>History</h2>\n<p>Bus bandwidth of the last " << options.last
       << " stored runs per row. Each point is judged like <code>history check</code>: against "
          "the runs before it (at least 3), below median - max("
       << number(options.mad_factor, "%g") << " x 1.4826 x MAD, "
       << number(options.threshold_pct, "%g")
       << " % of the median) is a regression, marked with a cross.</p>\n";
  int regressions = 0;
  for (const auto& [group, lines] : groups) {
    const auto& [collective, bytes] = group;
    nlohmann::json series = nlohmann::json::array();
    for (const TrendLine& line : lines) {
      nlohmann::json points = nlohmann::json::array(), marks = nlohmann::json::array();
      for (std::size_t i = 0; i < line.points.size(); ++i) {
        const double when = epoch_seconds(line.points[i].timestamp);
        if (when < 0) continue;  // no place on a time axis; the table still lists it
        points.push_back({{"x", when}, {"y", line.points[i].row.busbw}});
        marks.push_back(line.judgements[i].regression);
      }
      series.push_back({{"label", line_label(line.config)}, {"points", points}, {"marks", marks}});
    }
    const std::string id = "history-chart-" + std::to_string(charts.size());
    const std::string title = collective + " " + format_bytes(bytes);
    charts.push_back({{"id", id},
                      {"title", title + ": bus bandwidth over time"},
                      {"yLabel", "busbw (GB/s)"},
                      {"logY", false},
                      {"xTime", true},
                      {"series", series}});
    html << "<h3>" << html_escape(title)
         << "</h3>\n<div class=charts><div class=chart><canvas id=\"" << id
         << "\"></canvas></div></div>\n"
         << "<table class=history><tr><th class=text>configuration</th><th class=text>timestamp"
         << "</th><th class=text>revision</th><th>busbw (GB/s)</th><th>median before</th>"
         << "<th>floor</th><th class=text>verdict</th></tr>\n";
    for (const TrendLine& line : lines) {
      for (std::size_t i = 0; i < line.points.size(); ++i) {
        const HistoryJudgement& j = line.judgements[i];
        regressions += j.regression;
        html << "<tr><td class=text>" << html_escape(line_label(line.config))
             << "</td><td class=text>" << html_escape(line.points[i].timestamp)
             << "</td><td class=text>" << html_escape(line.points[i].git_revision) << "</td><td>"
             << number(j.row.busbw, "%.3f") << "</td><td>"
             << (j.history_points ? number(j.median, "%.3f") : "-") << "</td><td>"
             << (j.enough_history ? number(j.floor, "%.3f") : "-") << "</td>" << verdict_cell(j)
             << "</tr>\n";
      }
    }
    html << "</table>\n";
  }
  html << "<p id=history-summary>" << regressions << " regressions marked in " << groups.size()
       << " history charts</p>\n";
  return html.str();
}

}  // namespace collbench
