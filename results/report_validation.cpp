#include "results/report_validation.hpp"

#include <cstdio>
#include <sstream>

#include "results/report.hpp"

namespace collbench {
namespace {

constexpr std::size_t kEvidenceRows = 200;  // per run; the JSON Lines keep the rest

std::string status_cell(const std::string& status) {
  const char* css = status == "PASS" ? "ok" : status == "WARN" ? "warn" : "bad";
  return "<td class=\"text " + std::string(css) + "\">" + html_escape(status) + "</td>";
}

// The warn and fail limits of a threshold check ("below 440" for bandwidth, "above 30" for
// latency), so a WARN's row shows what it missed and how far it is from failing.
std::string limit_cells(const nlohmann::json& v) {
  const std::string direction = v.value("limit_direction", std::string());
  std::string cells;
  for (const char* key : {"warn_limit", "fail_limit"}) {
    const nlohmann::json value = v.value(key, nlohmann::json());
    const std::string text =
        value.is_number() ? direction + " " + verdict_value_text(value) : std::string("-");
    cells += "<td>" + html_escape(text) + "</td>";
  }
  return cells;
}

}  // namespace

std::string verdict_value_text(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (!value.is_number()) return value.dump();
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value.get<double>());
  return text;
}

std::string validation_section_html(const std::vector<RunFile>& runs) {
  std::ostringstream html;
  for (const RunFile& run : runs) {
    std::vector<const nlohmann::json*> nodes;
    std::vector<const nlohmann::json*> evidence;
    for (const nlohmann::json& record : run.others) {
      if (record.value("type", std::string()) != "verdict") continue;
      (record.value("check", std::string()) == "overall" ? nodes : evidence).push_back(&record);
    }
    if (nodes.empty() && evidence.empty()) continue;
    int failed = 0;
    for (const nlohmann::json* n : nodes) failed += n->value("status", std::string()) == "FAIL";
    const nlohmann::json validate = run.run.value("validate", nlohmann::json::object());
    html << "<h3>" << html_escape(run.path) << "</h3>\n<p>Spec: "
         << html_escape(validate.value("spec", std::string()).empty()
                            ? std::string("none (measured only)")
                            : validate.value("spec", std::string()))
         << "; pairing: " << html_escape(validate.value("pairing", std::string("-")))
         << "; verdict: <span class=" << (failed ? "bad" : "ok") << ">"
         << (failed ? std::to_string(failed) + " of " + std::to_string(nodes.size()) + " nodes FAIL"
                    : "all " + std::to_string(nodes.size()) + " nodes pass")
         << "</span></p>\n";
    html << "<table class=verdicts><tr><th class=text>node</th><th class=text>status</th>"
         << "<th>checks passed</th><th>of</th><th>failed</th><th>warned</th></tr>\n";
    for (const nlohmann::json* n : nodes) {
      html << "<tr><td class=text>" << html_escape(n->value("node", std::string("?"))) << "</td>"
           << status_cell(n->value("status", std::string("?"))) << "<td>"
           << verdict_value_text(n->value("measured", nlohmann::json())) << "</td><td>"
           << verdict_value_text(n->value("expected", nlohmann::json())) << "</td><td>"
           << n->value("failed", 0) << "</td><td>" << n->value("warned", 0) << "</td></tr>\n";
    }
    html << "</table>\n";
    if (evidence.empty()) continue;
    html << "<table class=evidence><tr><th class=text>node</th><th class=text>status</th>"
         << "<th class=text>check</th><th class=text>partner</th><th>measured</th>"
         << "<th>expected</th><th>warn limit</th><th>fail limit</th><th class=text>unit</th>"
         << "<th class=text>detail</th></tr>\n";
    for (std::size_t i = 0; i < evidence.size() && i < kEvidenceRows; ++i) {
      const nlohmann::json& v = *evidence[i];
      html << "<tr><td class=text>" << html_escape(v.value("node", std::string("?"))) << "</td>"
           << status_cell(v.value("status", std::string("?"))) << "<td class=text>"
           << html_escape(v.value("check", std::string())) << "</td><td class=text>"
           << html_escape(v.value("partner", std::string())) << "</td><td>"
           << html_escape(verdict_value_text(v.value("measured", nlohmann::json()))) << "</td><td>"
           << html_escape(verdict_value_text(v.value("expected", nlohmann::json()))) << "</td>"
           << limit_cells(v) << "<td class=text>" << html_escape(v.value("unit", std::string()))
           << "</td><td class=text>" << html_escape(v.value("detail", std::string()))
           << "</td></tr>\n";
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
