#include "results/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/byte_units.hpp"
#include "core/errors.hpp"
#include "core/stability.hpp"
#include "core/statistics.hpp"

namespace collbench {

bool Comparison::regressed() const {
  for (const ComparedRow& row : rows) {
    if (row.change == Change::kWorse) return true;
  }
  return false;
}

MatchKeys parse_ignored_keys(const std::string& list) {
  MatchKeys keys;
  std::stringstream in(list);
  for (std::string key; std::getline(in, key, ',');) {
    if (key == "backend") {
      keys.backend = false;
    } else if (key == "ranks" || key == "nranks") {
      keys.ranks = false;
    } else if (key != "host" && key != "hosts" && !key.empty()) {
      throw UsageError("--ignore: unknown key '" + key + "' (backend, ranks, host)");
    }
  }
  return keys;
}

std::string match_key(const ResultRow& row, const MatchKeys& keys) {
  return row.collective + "|" + (keys.backend ? row.backend : "*") + "|" + row.dtype + "|" +
         row.redop + "|" + (row.inplace ? "ip" : "oop") + "|" +
         (keys.ranks ? std::to_string(row.nranks) : "*") + "|" + std::to_string(row.bytes);
}

std::vector<double> judged_samples(const ResultRow& row) {
  if (row.samples_us.size() >= 2) return row.samples_us;
  if (row.time_us_min > 0 && row.time_us_max > row.time_us_min) {
    return {row.time_us_min, row.time_us, row.time_us_max};
  }
  return {row.time_us};
}

Change judge(const ResultRow& b, const ResultRow& c, const JudgeRule& rule, std::string* why,
             Judgement* details) {
  if (c.wrong > 0) {
    if (why) *why = "wrong data";
    return Change::kWorse;
  }
  if (b.time_us <= 0 || c.time_us <= 0 || b.bytes == 0) return Change::kSame;
  const Judgement j = judge_values(judged_samples(b), judged_samples(c), false, rule);
  if (details) *details = j;
  // Unstable samples on either side: the medians are not to be trusted, whatever they say.
  if (!b.stable.value_or(true) || !c.stable.value_or(true)) {
    if (why) {
      *why = std::string("unstable samples in the ") +
             (!b.stable.value_or(true) && !c.stable.value_or(true) ? "baseline and current run"
              : !b.stable.value_or(true)                           ? "baseline"
                                                                   : "current run");
    }
    return Change::kInconclusive;
  }
  if (j.change == Change::kWorse && why) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "slower by %.0f%%: beyond the %.0f%% band, %.0f%% of sample "
                  "pairs agree",
                  100 * (j.ratio - 1), 100 * j.band, 100 * j.agreement);
    *why = text;
  }
  return j.change;
}

std::vector<ResultRow> pool_by_configuration(const std::vector<ResultRow>& rows,
                                             const MatchKeys& keys) {
  std::vector<ResultRow> pooled;
  std::map<std::string, std::size_t> index;
  for (const ResultRow& row : rows) {
    const auto [it, fresh] = index.emplace(match_key(row, keys), pooled.size());
    if (fresh) {
      pooled.push_back(row);
      continue;
    }
    ResultRow& into = pooled[it->second];
    into.samples_us.insert(into.samples_us.end(), row.samples_us.begin(), row.samples_us.end());
    into.time_us_min = std::min(into.time_us_min, row.time_us_min);
    into.time_us_max = std::max(into.time_us_max, row.time_us_max);
    if (row.wrong >= 0) {
      // Counts from a file may be anything up to INT64_MAX: the sum saturates there instead of
      // overflowing (undefined; it wrapped to a negative "not checked"). Any count is wrong data.
      const int64_t before = std::max<int64_t>(into.wrong, 0);
      into.wrong = row.wrong > std::numeric_limits<int64_t>::max() - before
                       ? std::numeric_limits<int64_t>::max()
                       : before + row.wrong;
    }
    if (row.stable) into.stable = false;  // judged again below, over the pooled samples
  }
  for (ResultRow& row : pooled) {
    if (row.stable && row.samples_us.size() > 1) {
      row.stable = assess_stability(row.samples_us).stable.value_or(*row.stable);
    }
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

std::string row_label(const ResultRow& row) {
  return row.collective + " " + row.backend + " " + row.dtype + " " + row.redop + " " +
         (row.inplace ? "in-place" : "out-of-place") + " " + std::to_string(row.nranks) +
         " ranks " + format_bytes(row.bytes);
}

// "base.jsonl: mpi, 2 ranks on node1": what a file measured, for the comparison's header.
std::string file_label(const RunFile& file) {
  std::string text = file.path;
  const nlohmann::json& run = file.run;
  if (!run.is_object()) return text;
  if (run.contains("backend") && run["backend"].is_string()) {
    text += ": " + run["backend"].get<std::string>();
  }
  if (run.contains("nranks") && run["nranks"].is_number_integer()) {
    text += ", " + std::to_string(run["nranks"].get<int64_t>()) + " ranks";
  }
  if (run.contains("hosts") && run["hosts"].is_array()) {
    std::string hosts;
    for (const auto& h : run["hosts"]) {
      if (!h.is_object() || !h.contains("name") || !h["name"].is_string()) continue;
      if (!hosts.empty()) hosts += ",";
      hosts += h["name"].get<std::string>();
    }
    if (!hosts.empty()) text += " on " + hosts;
  }
  return text;
}

}  // namespace

Comparison compare_runs(const RunFile& baseline, const RunFile& current, double threshold_pct) {
  CompareOptions options;
  options.rule.threshold_pct = threshold_pct;
  return compare_runs(baseline, current, options);
}

Comparison compare_runs(const RunFile& baseline_file, const RunFile& current_file,
                        const CompareOptions& options) {
  require_one_run(baseline_file);
  require_one_run(current_file);
  const std::vector<ResultRow> baseline_rows =
      pool_by_configuration(baseline_file.results, options.keys);
  const std::vector<ResultRow> current_rows =
      pool_by_configuration(current_file.results, options.keys);
  std::map<std::string, const ResultRow*> base_rows;
  for (const ResultRow& row : baseline_rows) base_rows.emplace(match_key(row, options.keys), &row);
  Comparison out;
  out.rule = options.rule;
  out.baseline_label = file_label(baseline_file);
  out.current_label = file_label(current_file);
  if (!options.keys.backend) out.ignored += "backend";
  if (!options.keys.ranks) out.ignored += std::string(out.ignored.empty() ? "" : ", ") + "ranks";
  std::set<std::string> matched;
  std::map<std::string, CollectiveSummary> summaries;
  std::map<std::string, double> log_ratio_sum;
  for (const ResultRow& row : current_rows) {
    const auto it = base_rows.find(match_key(row, options.keys));
    if (it == base_rows.end()) {
      ++out.unmatched_current;
      out.unmatched_current_rows.push_back(row_label(row));
      continue;
    }
    matched.insert(it->first);
    ComparedRow compared{*it->second, row, 1, 1, Change::kSame, "", {}};
    if (it->second->busbw > 0 && row.busbw > 0)
      compared.busbw_ratio = row.busbw / it->second->busbw;
    if (it->second->time_us > 0) compared.time_ratio = row.time_us / it->second->time_us;
    compared.change = judge(*it->second, row, options.rule, &compared.why, &compared.judgement);
    out.rows.push_back(std::move(compared));
  }
  // Across sizes: an isolated change is a stall, not the system (judging.hpp).
  std::vector<SizedChange> sized;
  for (ComparedRow& r : out.rows) {
    ResultRow sizeless = r.current;
    sizeless.bytes = 0;
    sized.push_back({match_key(sizeless, options.keys), r.current.bytes, &r.change, &r.why,
                     r.current.wrong > 0});
  }
  require_neighbour_agreement(sized);
  for (const ComparedRow& r : out.rows) {
    CollectiveSummary& s = summaries[r.current.collective];
    s.collective = r.current.collective;
    ++s.rows;
    s.better += r.change == Change::kBetter;
    s.same += r.change == Change::kSame;
    s.worse += r.change == Change::kWorse;
    s.inconclusive += r.change == Change::kInconclusive;
    log_ratio_sum[r.current.collective] += std::log(r.busbw_ratio);
  }
  for (const ResultRow& row : baseline_rows) {
    if (!matched.count(match_key(row, options.keys))) {
      out.unmatched_baseline_rows.push_back(row_label(row));
    }
  }
  out.unmatched_baseline = static_cast<int>(out.unmatched_baseline_rows.size());
  if (out.rows.empty()) {
    auto describe = [](const RunFile& f) {
      if (f.results.empty()) return std::string("no results");
      return config_label(f.results.front()) + " ...";
    };
    std::string hint;
    if (!baseline_file.results.empty() && !current_file.results.empty()) {
      const ResultRow& a = baseline_file.results.front();
      const ResultRow& b = current_file.results.front();
      std::string differ;
      if (a.backend != b.backend && options.keys.backend) differ = "backend";
      if (a.nranks != b.nranks && options.keys.ranks) {
        differ += std::string(differ.empty() ? "" : ",") + "ranks";
      }
      if (!differ.empty()) hint = " (to compare across them: --ignore " + differ + ")";
    }
    throw UsageError("nothing to match: " + baseline_file.path + " has " + describe(baseline_file) +
                     "; " + current_file.path + " has " + describe(current_file) + hint);
  }
  for (auto& [name, s] : summaries) {
    s.geomean_busbw_ratio = std::exp(log_ratio_sum[name] / s.rows);
    out.summaries.push_back(s);
  }
  return out;
}

}  // namespace collbench
