#include "results/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "core/statistics.hpp"

namespace collbench {

const char* change_name(Change change) {
  switch (change) {
    case Change::kBetter:
      return "better";
    case Change::kSame:
      return "same";
    case Change::kWorse:
      return "worse";
  }
  return "same";
}

bool Comparison::regressed() const {
  for (const ComparedRow& row : rows) {
    if (row.change == Change::kWorse) return true;
  }
  return false;
}

Change judge(const ResultRow& b, const ResultRow& c, double threshold_pct, std::string* why) {
  if (c.wrong > 0) {
    if (why) *why = "wrong data";
    return Change::kWorse;
  }
  if (b.time_us <= 0 || c.time_us <= 0 || b.bytes == 0) return Change::kSame;
  const double t = threshold_pct / 100.0;
  const double ratio = c.time_us / b.time_us;
  if (ratio > 1 + t && c.time_us_min > b.time_us_max) {
    if (why) *why = "slower beyond the spread";
    return Change::kWorse;
  }
  if (ratio < 1 / (1 + t) && c.time_us_max < b.time_us_min) return Change::kBetter;
  return Change::kSame;
}

std::vector<ResultRow> pool_by_configuration(const std::vector<ResultRow>& rows) {
  std::vector<ResultRow> pooled;
  std::map<std::string, std::size_t> index;
  for (const ResultRow& row : rows) {
    const auto [it, fresh] = index.emplace(row.config_key(), pooled.size());
    if (fresh) {
      pooled.push_back(row);
      continue;
    }
    ResultRow& into = pooled[it->second];
    into.samples_us.insert(into.samples_us.end(), row.samples_us.begin(), row.samples_us.end());
    into.time_us_min = std::min(into.time_us_min, row.time_us_min);
    into.time_us_max = std::max(into.time_us_max, row.time_us_max);
    if (row.wrong >= 0) into.wrong = std::max<int64_t>(into.wrong, 0) + row.wrong;
  }
  for (ResultRow& row : pooled) {
    if (row.samples_us.size() <= 1) continue;
    // Bandwidths scale with 1 / time for a fixed configuration, so the ratio carries over.
    const double time_us = median(row.samples_us);
    if (time_us > 0 && row.time_us > 0) {
      row.algbw *= row.time_us / time_us;
      row.busbw *= row.time_us / time_us;
    }
    row.time_us = time_us;
  }
  return pooled;
}

namespace {

void require_one_run(const RunFile& file) {
  if (file.run_lines.size() > 1) {
    throw UsageError(file.path + ":" + std::to_string(file.run_lines[1]) +
                     ": run: a second run record; compare takes one run per file");
  }
}

}  // namespace

Comparison compare_runs(const RunFile& baseline_file, const RunFile& current_file,
                        double threshold_pct) {
  require_one_run(baseline_file);
  require_one_run(current_file);
  const std::vector<ResultRow> baseline_rows = pool_by_configuration(baseline_file.results);
  const std::vector<ResultRow> current_rows = pool_by_configuration(current_file.results);
  std::map<std::string, const ResultRow*> base_rows;
  for (const ResultRow& row : baseline_rows) base_rows.emplace(row.config_key(), &row);
  Comparison out;
  std::set<std::string> matched;
  std::map<std::string, CollectiveSummary> summaries;
  std::map<std::string, double> log_ratio_sum;
  for (const ResultRow& row : current_rows) {
    const auto it = base_rows.find(row.config_key());
    if (it == base_rows.end()) {
      ++out.unmatched_current;
      continue;
    }
    matched.insert(it->first);
    ComparedRow compared{*it->second, row, 1, 1, Change::kSame, ""};
    if (it->second->busbw > 0 && row.busbw > 0)
      compared.busbw_ratio = row.busbw / it->second->busbw;
    if (it->second->time_us > 0) compared.time_ratio = row.time_us / it->second->time_us;
    compared.change = judge(*it->second, row, threshold_pct, &compared.why);
    CollectiveSummary& s = summaries[row.collective];
    s.collective = row.collective;
    ++s.rows;
    s.better += compared.change == Change::kBetter;
    s.same += compared.change == Change::kSame;
    s.worse += compared.change == Change::kWorse;
    log_ratio_sum[row.collective] += std::log(compared.busbw_ratio);
    out.rows.push_back(std::move(compared));
  }
  out.unmatched_baseline = static_cast<int>(baseline_rows.size() - matched.size());
  if (out.rows.empty()) {
    const RunFile& baseline = baseline_file;
    const RunFile& current = current_file;
    auto describe = [](const RunFile& f) {
      if (f.results.empty()) return std::string("no results");
      return config_label(f.results.front()) + " ...";
    };
    throw UsageError("nothing to match: " + baseline.path + " has " + describe(baseline) + "; " +
                     current.path + " has " + describe(current));
  }
  for (auto& [name, s] : summaries) {
    s.geomean_busbw_ratio = std::exp(log_ratio_sum[name] / s.rows);
    out.summaries.push_back(s);
  }
  return out;
}

std::string format_comparison_text(const Comparison& c, bool markdown) {
  std::string out;
  char line[512];
  const char* row_format =
      markdown ? "| %s | %s | %s | %s | %d | %lld | %.3f | %.3f | %.3f | %.3f | %s |\n"
               : "%-15s %-9s %-5s %-12s %5d %12lld %10.3f %10.3f %7.3f %7.3f  %s\n";
  if (markdown) {
    out +=
        "| collective | dtype | redop | placement | ranks | bytes | base busbw | busbw | busbw "
        "ratio | time ratio | verdict |\n";
    out += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  } else {
    std::snprintf(line, sizeof line, "%-15s %-9s %-5s %-12s %5s %12s %10s %10s %7s %7s  %s\n",
                  "collective", "dtype", "redop", "placement", "ranks", "bytes", "base_busbw",
                  "busbw", "bw_x", "time_x", "verdict");
    out += line;
  }
  for (const ComparedRow& r : c.rows) {
    std::string verdict = change_name(r.change);
    if (!r.why.empty()) verdict += " (" + r.why + ")";
    std::snprintf(line, sizeof line, row_format, r.current.collective.c_str(),
                  r.current.dtype.c_str(), r.current.redop.c_str(),
                  r.current.inplace ? "in-place" : "out-of-place", r.current.nranks,
                  static_cast<long long>(r.current.bytes), r.baseline.busbw, r.current.busbw,
                  r.busbw_ratio, r.time_ratio, verdict.c_str());
    out += line;
  }
  out += markdown ? "\n| collective | rows | better | same | worse | busbw ratio (geomean) "
                    "|\n|---|---|---|---|---|---|\n"
                  : "\n";
  for (const CollectiveSummary& s : c.summaries) {
    std::snprintf(
        line, sizeof line,
        markdown ? "| %s | %d | %d | %d | %d | %.3f |\n"
                 : "# %-15s rows %d: better %d, same %d, worse %d; busbw ratio (geomean) %.3f\n",
        s.collective.c_str(), s.rows, s.better, s.same, s.worse, s.geomean_busbw_ratio);
    out += line;
  }
  if (c.unmatched_baseline || c.unmatched_current) {
    std::snprintf(line, sizeof line, "%s%d baseline rows and %d current rows had no partner\n",
                  markdown ? "\n" : "# ", c.unmatched_baseline, c.unmatched_current);
    out += line;
  }
  out += std::string(markdown ? "\n**" : "# ") +
         (c.regressed() ? "REGRESSION: some rows are worse" : "no regression") +
         (markdown ? "**\n" : "\n");
  return out;
}

nlohmann::json comparison_to_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ComparedRow& r : c.rows) {
    rows.push_back({{"collective", r.current.collective},
                    {"backend", r.current.backend},
                    {"dtype", r.current.dtype},
                    {"redop", r.current.redop},
                    {"inplace", r.current.inplace},
                    {"nranks", r.current.nranks},
                    {"bytes", r.current.bytes},
                    {"baseline_busbw_GBps", r.baseline.busbw},
                    {"busbw_GBps", r.current.busbw},
                    {"busbw_ratio", r.busbw_ratio},
                    {"time_ratio", r.time_ratio},
                    {"verdict", change_name(r.change)},
                    {"why", r.why}});
  }
  nlohmann::json summaries = nlohmann::json::array();
  for (const CollectiveSummary& s : c.summaries) {
    summaries.push_back({{"collective", s.collective},
                         {"rows", s.rows},
                         {"better", s.better},
                         {"same", s.same},
                         {"worse", s.worse},
                         {"geomean_busbw_ratio", s.geomean_busbw_ratio}});
  }
  return {{"rows", rows},
          {"summary", summaries},
          {"unmatched_baseline", c.unmatched_baseline},
          {"unmatched_current", c.unmatched_current},
          {"regressed", c.regressed()}};
}

}  // namespace collbench
