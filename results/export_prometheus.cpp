#include "results/export_prometheus.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "results/utc_time.hpp"

namespace collbench {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char text[40];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

std::string sample_line(const std::string& name, const Labels& labels, double value) {
  std::string line = name;
  if (!labels.empty()) {
    line += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) line += ',';
      line += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
    }
    line += '}';
  }
  return line + ' ' + number_text(value) + '\n';
}

// The metric families in the order they are written; each collects its samples first so HELP
// and TYPE appear once per name, as the text format requires.
class Families {
 public:
  void add(const std::string& name, const std::string& help, const Labels& labels, double v) {
    auto [it, fresh] = index_.try_emplace(name, families_.size());
    if (fresh) families_.push_back({name, help, {}});
    families_[it->second].samples += sample_line(name, labels, v);
  }
  std::string text() const {
    std::string out;
    for (const Family& f : families_) {
      out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " gauge\n" + f.samples;
    }
    return out;
  }

 private:
  struct Family {
    std::string name, help, samples;
  };
  std::vector<Family> families_;
  std::map<std::string, std::size_t> index_;
};

// Result metrics: name, help, value in base units.
struct ResultMetric {
  const char* name;
  const char* help;
  double (*value)(const ResultRow&);
};

const ResultMetric kResultMetrics[] = {
    {"collbench_busbw_bytes_per_second",
     "Bus bandwidth (nccl-tests convention) from the median time, bytes per second.",
     [](const ResultRow& r) { return r.busbw * 1e9; }},
    {"collbench_algbw_bytes_per_second",
     "Algorithm bandwidth (size / median time), bytes per second.",
     [](const ResultRow& r) { return r.algbw * 1e9; }},
    {"collbench_time_seconds", "Median time per operation of the slowest rank, seconds.",
     [](const ResultRow& r) { return r.time_us * 1e-6; }},
    {"collbench_time_min_seconds", "Fastest sample's time per operation, seconds.",
     [](const ResultRow& r) { return r.time_us_min * 1e-6; }},
    {"collbench_time_max_seconds", "Slowest sample's time per operation, seconds.",
     [](const ResultRow& r) { return r.time_us_max * 1e-6; }},
    {"collbench_wrong_elements", "Wrong elements found by verification (-1: not checked).",
     [](const ResultRow& r) { return static_cast<double>(r.wrong); }},
};

// Units of validate's measured and expected values, turned into base units: the metric's suffix
// and the factor. A unit not listed keeps its number under the plain name with a `unit` label.
struct ValidateUnit {
  const char* unit;
  const char* suffix;
  double factor;
};

const ValidateUnit kValidateUnits[] = {
    {"GB/s", "_bytes_per_second", 1e9},       {"us", "_seconds", 1e-6},
    {"wrong elements", "_wrong_elements", 1}, {"pairs passed", "_pairs_passed", 1},
    {"checks passed", "_checks_passed", 1},
};

// A verdict's status as a number a dashboard can colour and alert on.
const std::pair<const char*, int> kStatusCodes[] = {{"PASS", 0}, {"WARN", 1}, {"FAIL", 2}};

int status_code(const std::string& status) {
  for (const auto& [name, code] : kStatusCodes) {
    if (status == name) return code;
  }
  return 2;  // an unknown status is not a pass
}

std::string text_field(const nlohmann::json& record, const char* field) {
  const auto it = record.find(field);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string run_kind(const RunFile& run) {
  return run.run.contains("validate") ? "validate" : "run";
}

std::string host_count(const RunFile& run) {
  const auto it = run.run.find("hosts");
  return std::to_string(it != run.run.end() && it->is_array() ? it->size() : 0);
}

std::string placement(const ResultRow& r) {
  return r.inplace ? "in_place" : "out_of_place";
}

Labels row_labels(const ResultRow& r, const RunFile& run) {
  return {{"collective", r.collective},
          {"backend", r.backend},
          {"dtype", r.dtype},
          {"op", r.redop},
          {"size", std::to_string(r.bytes)},
          {"placement", placement(r)},
          {"ranks", std::to_string(r.nranks)},
          {"hosts", host_count(run)}};
}

// Which run a series comes from: one build_info and one timestamp per kind, backend, ranks and
// hosts (the newest run of that shape), so the number of series does not grow with history.
Labels run_labels(const RunFile& run) {
  return {{"kind", run_kind(run)},
          {"backend", run.run.value("backend", std::string("unknown"))},
          {"ranks", std::to_string(run.run.value("nranks", 0))},
          {"hosts", host_count(run)}};
}

// One validate series (a verdict, or a probe's check) and the record that set it.
struct ValidateEntry {
  std::string when;
  const nlohmann::json* record = nullptr;
};
using ValidateSeries = std::map<Labels, ValidateEntry>;

// A newer run replaces a series; within one run the worse status of a repeated check stands
// (a pair met in several rounds, a check repeated per rail).
void keep_latest(ValidateSeries& series, const Labels& labels, const std::string& when,
                 const nlohmann::json& record) {
  ValidateEntry& slot = series[labels];
  const bool newer = !slot.record || when > slot.when;
  const bool worse =
      slot.record && when == slot.when &&
      status_code(text_field(record, "status")) > status_code(text_field(*slot.record, "status"));
  if (newer || worse) slot = {when, &record};
}

// verdict records: per node (check "overall"), per failing or warning check, rail and pair, and
// the fleet.
void collect_verdict(ValidateSeries& series, const std::string& when, const nlohmann::json& r) {
  keep_latest(series,
              {{"node", text_field(r, "node")},
               {"check", text_field(r, "check")},
               {"device", text_field(r, "device")},
               {"partner", text_field(r, "partner")}},
              when, r);
}

// probe records: every check of a node, and of each node of a pair or rail (the other node is
// the partner); the fleet's as node "fleet". Bisection's halves are named by the verdicts.
void collect_probe(ValidateSeries& series, const std::string& when, const nlohmann::json& r) {
  const std::string phase = text_field(r, "phase");
  std::vector<std::string> nodes;
  if (r.contains("nodes") && r["nodes"].is_array()) {
    for (const nlohmann::json& n : r["nodes"]) {
      if (n.is_string()) nodes.push_back(n.get<std::string>());
    }
  }
  std::vector<std::pair<std::string, std::string>> node_partner;
  if (phase == "fleet") {
    node_partner.push_back({"fleet", ""});
  } else if (nodes.size() == 1) {
    node_partner.push_back({nodes[0], ""});
  } else if (nodes.size() == 2) {
    node_partner.push_back({nodes[0], nodes[1]});
    node_partner.push_back({nodes[1], nodes[0]});
  }
  const auto bytes = r.find("bytes");
  const std::string size =
      bytes != r.end() && bytes->is_number_integer() ? std::to_string(bytes->get<int64_t>()) : "";
  for (const auto& [node, partner] : node_partner) {
    keep_latest(series,
                {{"node", node},
                 {"phase", phase},
                 {"test", text_field(r, "test")},
                 {"size", size},
                 {"device", text_field(r, "device")},
                 {"partner", partner}},
                when, r);
  }
}

void add_validate_value(Families& families, const std::string& family, const char* what,
                        const nlohmann::json& value, const std::string& unit, Labels labels) {
  if (!value.is_number()) return;  // topology facts are text: the status carries them
  for (const ValidateUnit& u : kValidateUnits) {
    if (unit == u.unit) {
      families.add(
          family + "_" + what + u.suffix,
          "collbench validate: the " + std::string(what) + " value, in " + (u.suffix + 1) + ".",
          labels, value.get<double>() * u.factor);
      return;
    }
  }
  labels.push_back({"unit", unit});
  families.add(
      family + "_" + what,
      "collbench validate: the " + std::string(what) + " value in its own unit (label unit).",
      labels, value.get<double>());
}

void add_validate_family(Families& families, const std::string& family, const std::string& help,
                         const ValidateSeries& series) {
  for (const auto& [labels, entry] : series) {
    families.add(family, help, labels, status_code(text_field(*entry.record, "status")));
  }
  for (const auto& [labels, entry] : series) {
    const std::string unit = text_field(*entry.record, "unit");
    for (const char* what : {"measured", "expected"}) {
      add_validate_value(families, family, what, entry.record->value(what, nlohmann::json()), unit,
                         labels);
    }
  }
}

}  // namespace

// Label values know three escapes (\\, \" and \n); any other control character (a NUL from a
// "\u0000" in a results file) would reach the scraper raw and break the exposition, so it is
// replaced by U+FFFD, visible and harmless.
std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
}

std::string export_prometheus(const std::vector<RunFile>& runs) {
  // Newest row per configuration and size, newest verdict per node and check.
  std::map<std::string, std::pair<std::string, std::pair<const ResultRow*, const RunFile*>>> rows;
  std::map<std::string, std::pair<std::string, const RunFile*>> newest_runs;
  ValidateSeries verdicts, checks;
  for (const RunFile& run : runs) {
    const std::string when = run.run.value("timestamp", std::string());
    for (const ResultRow& row : run.results) {
      auto& slot = rows[row.config_key()];
      if (!slot.second.first || when >= slot.first) slot = {when, {&row, &run}};
    }
    bool contributes = !run.results.empty();
    for (const nlohmann::json& record : run.others) {
      const std::string type = record.value("type", std::string());
      if (type == "verdict") collect_verdict(verdicts, when, record);
      if (type == "probe") collect_probe(checks, when, record);
      contributes = contributes || type == "verdict" || type == "probe";
    }
    if (!contributes) continue;
    std::string key;
    for (const auto& [name, value] : run_labels(run)) key += name + "=" + value + "\n";
    auto& slot = newest_runs[key];
    if (!slot.second || when >= slot.first) slot = {when, &run};
  }

  Families families;
  for (const auto& [key, entry] : newest_runs) {
    const RunFile& run = *entry.second;
    Labels info = {{"version", run.run.value("collbench_version", std::string("unknown"))},
                   {"revision", run.run.value("git_revision", std::string("unknown"))},
                   {"mpi_library", run.run.value("mpi_library", std::string("none"))}};
    const Labels shape = run_labels(run);
    info.insert(info.end(), shape.begin(), shape.end());
    families.add("collbench_build_info",
                 "The collbench build and launch of the newest run of each kind, backend, ranks "
                 "and hosts; always 1.",
                 info, 1);
  }
  for (const auto& [key, entry] : newest_runs) {
    const double seconds = epoch_seconds(entry.first);
    if (seconds < 0) continue;  // a run without a readable timestamp has no time to show
    families.add("collbench_run_timestamp_seconds",
                 "Start of the newest run of each kind, backend, ranks and hosts, seconds since "
                 "the epoch.",
                 run_labels(*entry.second), seconds);
  }
  for (const ResultMetric& metric : kResultMetrics) {
    for (const auto& [key, entry] : rows) {
      const auto [row, run] = entry.second;
      families.add(metric.name, metric.help, row_labels(*row, *run), metric.value(*row));
    }
  }
  add_validate_family(families, "collbench_validate_verdict",
                      "collbench validate: verdict per node and check, 0 pass, 1 warn, 2 fail.",
                      verdicts);
  add_validate_family(families, "collbench_validate_check",
                      "collbench validate: status of one measured check of a node, pair, rail or "
                      "the fleet, 0 pass, 1 warn, 2 fail.",
                      checks);
  return families.text() + "# EOF\n";
}

}  // namespace collbench
