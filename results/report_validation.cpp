#include "results/report_validation.hpp"

#include <sstream>

#include "results/json_text.hpp"
#include "results/report.hpp"

namespace collbench {
namespace {

constexpr std::size_t kEvidenceRows = 200;  // per run; the JSON Lines keep the rest

// Any field of a verdict record, whatever its JSON type, as escaped HTML text.
std::string field(const nlohmann::json& record, const char* key, const std::string& fallback) {
  return html_escape(json_field_text(record, key, fallback));
}

std::string status_cell(const std::string& status) {
  const char* css = status == "PASS" ? "ok" : status == "WARN" ? "warn" : "bad";
  return "<td class=\"text " + std::string(css) + "\">" + html_escape(status) + "</td>";
}

// The warn and fail limits of a threshold check ("below 440" for bandwidth, "above 30" for
// latency), so a WARN's row shows what it missed and how far it is from failing.
std::string limit_cells(const nlohmann::json& v) {
  const std::string direction = json_field_text(v, "limit_direction", "");
  std::string cells;
  for (const char* key : {"warn_limit", "fail_limit"}) {
    const bool number = v.is_object() && v.contains(key) && v[key].is_number();
    const std::string text = number ? direction + " " + json_field_text(v, key, "") : "-";
    cells += "<td>" + html_escape(text) + "</td>";
  }
  return cells;
}

}  // namespace

std::string verdict_value_text(const nlohmann::json& value) {
  return json_value_text(value);
}

std::string validation_section_html(const std::vector<RunFile>& runs) {
  std::ostringstream html;
  for (const RunFile& run : runs) {
    std::vector<const nlohmann::json*> nodes;
    std::vector<const nlohmann::json*> evidence;
    for (const nlohmann::json& record : run.others) {
      if (json_field_text(record, "type", "") != "verdict") continue;
      (json_field_text(record, "check", "") == "overall" ? nodes : evidence).push_back(&record);
    }
    if (nodes.empty() && evidence.empty()) continue;
    int failed = 0;
    for (const nlohmann::json* n : nodes) failed += json_field_text(*n, "status", "") == "FAIL";
    const nlohmann::json validate =
        run.run.contains("validate") ? run.run["validate"] : nlohmann::json::object();
    const std::string spec = json_field_text(validate, "spec", "");
    html << "<h3>" << html_escape(run.path) << "</h3>\n<p>Spec: "
         << html_escape(spec.empty() ? std::string("none (measured only)") : spec)
         << "; pairing: " << field(validate, "pairing", "-")
         << "; verdict: <span class=" << (failed ? "bad" : "ok") << ">"
         << (failed ? std::to_string(failed) + " of " + std::to_string(nodes.size()) + " nodes FAIL"
                    : "all " + std::to_string(nodes.size()) + " nodes pass")
         << "</span></p>\n";
    html << "<table class=verdicts><tr><th class=text>node</th><th class=text>status</th>"
         << "<th>checks passed</th><th>of</th><th>failed</th><th>warned</th></tr>\n";
    for (const nlohmann::json* n : nodes) {
      html << "<tr><td class=text>" << field(*n, "node", "?") << "</td>"
           << status_cell(json_field_text(*n, "status", "?")) << "<td>"
           << field(*n, "measured", "-") << "</td><td>" << field(*n, "expected", "-") << "</td><td>"
           << field(*n, "failed", "0") << "</td><td>" << field(*n, "warned", "0") << "</td></tr>\n";
    }
    html << "</table>\n";
    if (evidence.empty()) continue;
    html << "<table class=evidence><tr><th class=text>node</th><th class=text>status</th>"
         << "<th class=text>check</th><th class=text>partner</th><th>measured</th>"
         << "<th>expected</th><th>warn limit</th><th>fail limit</th><th class=text>unit</th>"
         << "<th class=text>detail</th></tr>\n";
    for (std::size_t i = 0; i < evidence.size() && i < kEvidenceRows; ++i) {
      const nlohmann::json& v = *evidence[i];
      html << "<tr><td class=text>" << field(v, "node", "?") << "</td>"
           << status_cell(json_field_text(v, "status", "?")) << "<td class=text>"
           << field(v, "check", "") << "</td><td class=text>" << field(v, "partner", "")
           << "</td><td>" << field(v, "measured", "-") << "</td><td>" << field(v, "expected", "-")
           << "</td>" << limit_cells(v) << "<td class=text>" << field(v, "unit", "")
           << "</td><td class=text>" << field(v, "detail", "") << "</td></tr>\n";
    }
    html << "</table>\n";
    if (evidence.size() > kEvidenceRows) {
      html << "<p>" << evidence.size() - kEvidenceRows
           << " more rows of evidence are in the JSON Lines file.</p>\n";
    }
  }
  const std::string body = html.str();
  return body.empty() ? body : "<h2>Validation</h2>\n" + body;
}

}  // namespace collbench
