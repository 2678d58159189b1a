#include "results/report.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/errors.hpp"
#include "results/json_text.hpp"
#include "results/report_summary.hpp"
#include "results/report_validation.hpp"

namespace collbench {
namespace {

constexpr const char* kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
td { white-space: nowrap; }
th { background: #f0f0f0; }
td.text, th.text { text-align: left; white-space: normal; }
.scroll { overflow-x: auto; max-width: 100%; }
table.summary { font-size: 1em; }
.note { font-size: 0.85em; color: #555; }
.ok { color: #1a7f37; font-weight: bold; }
.bad { color: #cf222e; font-weight: bold; }
.warn { color: #9a6700; font-weight: bold; }
.charts { display: grid; grid-template-columns: 1fr; gap: 1.2em; }
.chart { position: relative; width: 100%; height: 340px; }
.legend { display: flex; flex-wrap: wrap; gap: 0.2em 1.2em; font-size: 0.8em; margin: 0.2em 0 0 4em; }
.legend-item { cursor: pointer; user-select: none; }
.legend-item.off { opacity: 0.35; }
.swatch { display: inline-block; width: 1.4em; height: 0.6em; margin-right: 0.4em; }
details { margin-bottom: 1.5em; }
summary { cursor: pointer; color: #0550ae; }
)css";

// Draws every chart described in the embedded data, then marks the body so tests (and people)
// can tell the page finished: data-rendered = number of charts drawn. Legends are HTML below each
// chart (click to hide a line), so the plot keeps its height however many lines there are; size
// ticks are powers of two as 1K, 64K, 1M, 1G.
constexpr const char* kScript = R"js(
(function () {
  const data = JSON.parse(document.getElementById('collbench-data').textContent);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                   '#7f7f7f', '#bcbd22', '#17becf'];
  const trim = (v) => String(Number(v.toPrecision(3)));
  const bytes = (v) => {
    const units = ['', 'K', 'M', 'G', 'T'];
    let u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
    return trim(v) + units[u];
  };
  const number = (v) => {
    const a = Math.abs(v);
    if (a >= 1e9) return trim(v / 1e9) + 'G';
    if (a >= 1e6) return trim(v / 1e6) + 'M';
    if (a >= 1e3) return trim(v / 1e3) + 'k';
    return trim(v);
  };
  // Powers of two across the data, thinned to at most ~10 ticks.
  const sizeTicks = (axis) => {
    const lo = Math.max(1, axis.min), hi = axis.max;
    let first = Math.ceil(Math.log2(lo)), last = Math.floor(Math.log2(hi));
    let step = 1;
    while ((last - first) / step > 10) step *= 2;
    const ticks = [];
    for (let e = first; e <= last; e += step) ticks.push({ value: Math.pow(2, e) });
    if (ticks.length) axis.ticks = ticks;
  };
  const logTicks = (axis) => {
    const ticks = [];
    for (let e = Math.floor(Math.log10(Math.max(axis.min, 1e-12))); Math.pow(10, e) <= axis.max; e++) {
      if (Math.pow(10, e) >= axis.min) ticks.push({ value: Math.pow(10, e) });
    }
    if (ticks.length >= 2) axis.ticks = ticks;
  };
  let drawn = 0;
  for (const spec of data.charts) {
    const canvas = document.getElementById(spec.id);
    // marks[i]: point i is flagged (a regression), drawn as a large cross.
    const datasets = spec.series.map((s, i) => ({
      label: s.label, data: s.points, borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length], fill: false, tension: 0,
      pointRadius: s.marks ? s.marks.map(m => (m ? 8 : 2)) : 2,
      pointStyle: s.marks ? s.marks.map(m => (m ? 'crossRot' : 'circle')) : 'circle',
      pointBorderWidth: s.marks ? s.marks.map(m => (m ? 3 : 1)) : 1,
      borderDash: spec.dashed && i % 2 ? [6, 3] : [] }));
    const y = { type: spec.logY ? 'logarithmic' : 'linear',
                title: { display: true, text: spec.yLabel },
                ticks: { callback: (v) => number(v) } };
    if (spec.logY) y.afterBuildTicks = logTicks;
    if (spec.yMin !== undefined) y.suggestedMin = spec.yMin;
    if (spec.yMax !== undefined) y.suggestedMax = spec.yMax;
    // The size axis spans the data, not the decade around it; xTime: x is seconds since the
    // epoch, labelled as UTC dates (report --history).
    const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
    const x = spec.xTime
      ? { type: 'linear', title: { display: true, text: 'run start (UTC)' },
          ticks: { callback: v => new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ') } }
      : { type: 'logarithmic', title: { display: true, text: 'message size (bytes)' },
          min: Math.min(...xs), max: Math.max(...xs),
          afterBuildTicks: sizeTicks, ticks: { callback: (v) => bytes(v) } };
    const chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
        plugins: { title: { display: true, text: spec.title, font: { size: 14 } },
                   legend: { display: false },
                   tooltip: { callbacks: { title: (items) => spec.xTime
                     ? new Date(items[0].parsed.x * 1000).toISOString().slice(0, 16).replace('T', ' ')
                     : bytes(items[0].parsed.x) + 'B' } } },
        scales: {
          x: x,
          y: y } } });
    const legend = document.createElement('div');
    legend.className = 'legend';
    datasets.forEach((d, i) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = d.borderColor;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(d.label));
      item.addEventListener('click', () => {
        const visible = chart.isDatasetVisible(i);
        chart.setDatasetVisibility(i, !visible);
        item.classList.toggle('off', visible);
        chart.update();
      });
      legend.appendChild(item);
    });
    canvas.parentNode.after(legend);
    drawn += 1;
  }
  document.body.setAttribute('data-rendered', String(drawn));
})();
)js";

// How far a row's samples agree (core/stability.hpp): "unstable" rows are not to be trusted.
std::string stability_cell(const ResultRow& row) {
  const std::string count = std::to_string(row.samples_us.size());
  if (!row.stable) return "<td class=text>" + count + "</td>";
  if (*row.stable) return "<td class=text>" + count + ", stable</td>";
  return "<td class=\"text bad\">" + count + ", unstable</td>";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError("Chart.js not found at " + path + " (apt-get install libjs-chart.js)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string fixed(double v, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << v;
  return out.str();
}

std::string placement(const ResultRow& r) {
  return r.inplace ? "in-place" : "out-of-place";
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string json_for_script(const nlohmann::json& value) {
  const std::string text = value.dump();
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";  // only ever inside JSON strings
    } else {
      out += c;
    }
  }
  return out;
}

std::string make_report_html(const std::vector<RunFile>& runs, const std::string& chartjs_path,
                             const ReportSection& extra) {
  const std::string chartjs = read_file(chartjs_path);
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<title>collbench report</title><style>" << kStyle << "</style>\n<script>" << chartjs
       << "</script></head>\n<body>\n<h1>collbench report</h1>\n";
  html << summary_table_html(runs);

  // Run metadata.
  html << "<h2>Runs</h2>\n<div class=scroll><table><tr><th class=text>file</th><th "
          "class=text>timestamp</th>"
       << "<th class=text>collbench</th><th class=text>backend</th><th>ranks</th>"
       << "<th class=text>hosts</th><th class=text>MPI</th><th class=text>command</th></tr>\n";
  for (const RunFile& run : runs) {
    std::string hosts;
    if (run.run.contains("hosts") && run.run["hosts"].is_array()) {
      for (const auto& h : run.run["hosts"]) {
        if (!hosts.empty()) hosts += ", ";
        hosts += json_field_text(h, "name") + " (" + json_field_text(h, "ranks", "0") + ")";
      }
    }
    auto cell = [&](const char* key) { return html_escape(json_field_text(run.run, key)); };
    html << "<tr><td class=text>" << html_escape(run.path) << "</td><td class=text>"
         << cell("timestamp") << "</td><td class=text>"
         << html_escape(json_field_text(run.run, "collbench_version") + " " +
                        json_field_text(run.run, "git_revision", ""))
         << "</td><td class=text>" << cell("backend") << "</td><td>"
         << html_escape(json_field_text(run.run, "nranks", "0")) << "</td><td class=text>"
         << html_escape(hosts) << "</td><td class=text>" << cell("mpi_library")
         << "</td><td class=text>" << cell("command_line") << "</td></tr>\n";
  }
  html << "</table></div>\n";

  // Group rows by collective; a series is one run x configuration.
  std::map<std::string, std::vector<std::pair<std::size_t, const ResultRow*>>> by_collective;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    for (const ResultRow& row : runs[i].results) by_collective[row.collective].push_back({i, &row});
  }
  nlohmann::json charts = nlohmann::json::array();
  for (const auto& entry : by_collective) {
    // Named, not a structured binding: the chart lambda below captures it (clang 14, which the
    // fuzz build uses, cannot capture structured bindings).
    const std::string& collective = entry.first;
    const auto& rows = entry.second;
    std::map<std::string, nlohmann::json> busbw, time, efficiency;
    int64_t wrong = 0;
    bool checked = false;
    for (const auto& [run, row] : rows) {
      if (row->wrong > 0) wrong += row->wrong;
      checked = checked || row->wrong >= 0;
      if (row->bytes <= 0) continue;  // no place on a log axis
      const std::string label =
          runs[run].label() + " " + row->dtype + " " + row->redop + " " + placement(*row);
      busbw[label].push_back({{"x", row->bytes}, {"y", row->busbw}});
      time[label].push_back({{"x", row->bytes}, {"y", row->time_us}});
      if (row->ceiling > 0) {
        efficiency[label].push_back({{"x", row->bytes}, {"y", 100.0 * row->busbw / row->ceiling}});
      }
    }
    auto add_series = [&](const std::string& title, const std::string& y_label, bool log_y,
                          const nlohmann::json& list) -> nlohmann::json* {
      if (list.empty()) return nullptr;
      const std::string id = "chart-" + std::to_string(charts.size());
      charts.push_back({{"id", id},
                        {"title", collective + ": " + title},
                        {"yLabel", y_label},
                        {"logY", log_y},
                        {"series", list}});
      html << "<div class=chart-box><div class=chart><canvas id=\"" << id
           << "\"></canvas></div></div>\n";
      return &charts.back();
    };
    auto add_chart = [&](const std::string& title, const std::string& y_label, bool log_y,
                         const std::map<std::string, nlohmann::json>& series) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [label, points] : series)
        list.push_back({{"label", label}, {"points", points}});
      add_series(title, y_label, log_y, list);
    };
    html << "<h2>" << html_escape(collective) << "</h2>\n<p>Verification: "
         << (!checked ? "<span>not checked</span>"
             : wrong  ? "<span class=bad>" + std::to_string(wrong) + " wrong elements</span>"
                      : std::string("<span class=ok>#wrong 0</span>"))
         << "</p>\n<div class=charts>\n";
    add_chart("bus bandwidth", "busbw (GB/s)", false, busbw);
    add_chart("bus bandwidth, log scale", "busbw (GB/s)", true, busbw);
    add_chart("time per operation", "time (us)", true, time);
    add_chart("efficiency against the ceiling", "busbw / ceiling (%)", false, efficiency);
    if (nlohmann::json* ratio =
            add_series("busbw ratio against run 1 (above 1: faster; log scale)",
                       "busbw / run 1's busbw", true, busbw_ratio_series(runs, collective))) {
      (*ratio)["dashed"] = true;
    }
    html << "</div>\n<details><summary>Full table (" << rows.size() << " rows)</summary>\n"
         << "<table><tr><th class=text>run</th><th class=text>dtype</th>"
         << "<th class=text>redop</th><th class=text>placement</th><th>ranks</th><th>size (B)</th>"
         << "<th>time (us)</th><th>min</th><th>max</th><th>algbw (GB/s)</th>"
         << "<th>busbw (GB/s)</th><th>#wrong</th><th class=text>samples</th></tr>\n";
    for (const auto& [run, row] : rows) {
      html << "<tr><td class=text>" << html_escape(runs[run].label()) << "</td><td class=text>"
           << html_escape(row->dtype) << "</td><td class=text>" << html_escape(row->redop)
           << "</td><td class=text>" << placement(*row) << "</td><td>" << row->nranks << "</td><td>"
           << row->bytes << "</td><td>" << fixed(row->time_us, 2) << "</td><td>"
           << fixed(row->time_us_min, 2) << "</td><td>" << fixed(row->time_us_max, 2) << "</td><td>"
           << fixed(row->algbw, 3) << "</td><td>" << fixed(row->busbw, 3) << "</td><td"
           << (row->wrong > 0 ? " class=bad" : "") << ">"
           << (row->wrong < 0 ? std::string("N/A") : std::to_string(row->wrong)) << "</td>"
           << stability_cell(*row) << "</tr>\n";
    }
    html << "</table></details>\n";
  }
  if (extra) html << extra(charts);
  html << validation_section_html(runs);
  // Scale-model predictions (`collbench model predict -J`): busbw per algorithm against size.
  std::map<std::string, std::map<std::string, nlohmann::json>> predicted;  // collective -> line
  for (const RunFile& run : runs) {
    for (const nlohmann::json& record : run.others) {
      if (json_field_text(record, "type", "") != "prediction") continue;
      const int64_t bytes = json_field_integer(record, "bytes", 0);
      if (bytes <= 0) continue;
      const std::string line = run.label() + " " + json_field_text(record, "algorithm") + " (" +
                               json_field_text(record, "nranks", "0") + " GPUs)";
      predicted[json_field_text(record, "collective")][line].push_back(
          {{"x", bytes}, {"y", json_field_number(record, "busbw_GBps", 0.0)}});
    }
  }
  if (!predicted.empty()) {
    html << "<h2>Predictions (scale model)</h2>\n<div class=charts>\n";
    for (const auto& [collective, lines] : predicted) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [label, points] : lines)
        list.push_back({{"label", label}, {"points", points}});
      const std::string id = "chart-" + std::to_string(charts.size());
      charts.push_back({{"id", id},
                        {"title", collective + ": predicted bus bandwidth"},
                        {"yLabel", "busbw (GB/s)"},
                        {"logY", true},
                        {"series", list}});
      html << "<div class=chart-box><div class=chart><canvas id=\"" << id
           << "\"></canvas></div></div>\n";
    }
    html << "</div>\n";
  }
  html << "<script type=\"application/json\" id=\"collbench-data\">"
       << json_for_script({{"charts", charts}}) << "</script>\n<script>" << kScript
       << "</script>\n</body></html>\n";
  return html.str();
}

}  // namespace collbench
