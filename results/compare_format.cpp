// compare's output: text (a '#' header, the table, per-collective summaries, the rows without a
// partner), markdown (the verdict and the summary first, for a CI comment) and JSON.
#include <cstdio>

#include "core/byte_units.hpp"
#include "results/compare.hpp"

namespace collbench {
namespace {

std::string verdict_text(const ComparedRow& r) {
  std::string verdict = change_name(r.change);
  if (!r.why.empty()) verdict += " (" + r.why + ")";
  return verdict;
}

// A key that matching ignored shows both sides: "nccl vs custom", "8 vs 16".
std::string both(const std::string& base, const std::string& current) {
  return base == current ? current : base + " vs " + current;
}

std::string rule_text(const JudgeRule& rule) {
  char text[256];
  std::snprintf(text, sizeof text,
                "worse/better when the median time moves beyond max(%g%%, %g x the samples' "
                "robust spread) and %.0f%% of sample pairs agree (docs/results.md)",
                rule.threshold_pct, rule.mad_factor, 100 * rule.agreement);
  return text;
}

std::string verdict_line(const Comparison& c) {
  int worse = 0, inconclusive = 0;
  for (const ComparedRow& r : c.rows) {
    worse += r.change == Change::kWorse;
    inconclusive += r.change == Change::kInconclusive;
  }
  std::string line = c.regressed() ? "REGRESSION: " + std::to_string(worse) + " of " +
                                         std::to_string(c.rows.size()) + " rows are worse"
                                   : "no regression";
  // Unstable rows were not judged either way: say so, so a clean verdict does not hide them.
  if (inconclusive > 0) {
    line += "; " + std::to_string(inconclusive) + " of " + std::to_string(c.rows.size()) +
            " rows inconclusive (unstable samples)";
  }
  return line;
}

}  // namespace

std::string format_comparison_text(const Comparison& c, bool markdown) {
  std::string out;
  char line[768];
  auto add_summaries = [&] {
    for (const CollectiveSummary& s : c.summaries) {
      std::snprintf(
          line, sizeof line,
          markdown ? "| %s | %d | %d | %d | %d | %d | %.3f |\n"
                   : "# %-15s rows %d: better %d, same %d, worse %d, inconclusive %d; busbw ratio "
                     "(geomean) %.3f\n",
          s.collective.c_str(), s.rows, s.better, s.same, s.worse, s.inconclusive,
          s.geomean_busbw_ratio);
      out += line;
    }
  };
  auto add_unmatched = [&](const char* prefix) {
    if (!c.unmatched_baseline && !c.unmatched_current) return;
    std::snprintf(line, sizeof line, "%s%d baseline rows and %d current rows had no partner:\n",
                  prefix, c.unmatched_baseline, c.unmatched_current);
    out += line;
    constexpr std::size_t kNamed = 20;  // --json lists them all
    for (const auto& [side, rows] : {std::pair{"baseline only", &c.unmatched_baseline_rows},
                                     std::pair{"current only", &c.unmatched_current_rows}}) {
      for (std::size_t i = 0; i < rows->size() && i < kNamed; ++i) {
        out += std::string(markdown ? "- " : "#   ") + side + ": " + (*rows)[i] + "\n";
      }
      if (rows->size() > kNamed) {
        out += std::string(markdown ? "- " : "#   ") + side + ": ... and " +
               std::to_string(rows->size() - kNamed) + " more\n";
      }
    }
  };
  const char* header_row =
      markdown ? "| collective | backend | dtype | redop | placement | ranks | size | base busbw "
                 "(GB/s) | busbw (GB/s) | busbw ratio | time ratio | verdict |\n"
                 "|---|---|---|---|---|---|---:|---:|---:|---:|---:|---|\n"
               : nullptr;
  if (markdown) {
    out += "**" + verdict_line(c) + "**\n\n";
    out += "Baseline: " + c.baseline_label + "  \nCurrent: " + c.current_label + "  \n";
    if (!c.ignored.empty()) out += "Matched ignoring: " + c.ignored + "  \n";
    out += "Rule: " + rule_text(c.rule) + "\n\n";
    out +=
        "| collective | rows | better | same | worse | inconclusive | busbw ratio (geomean) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n";
    add_summaries();
    out += "\n";
    out += header_row;
  } else {
    out += "# baseline: " + c.baseline_label + "\n# current:  " + c.current_label + "\n";
    if (!c.ignored.empty()) out += "# matched ignoring: " + c.ignored + "\n";
    out += "# rule: " + rule_text(c.rule) + "\n";
    std::snprintf(line, sizeof line, "%-15s %-9s %-9s %-5s %-12s %5s %9s %13s %13s %7s %7s  %s\n",
                  "collective", "backend", "dtype", "redop", "placement", "ranks", "size",
                  "base(GB/s)", "busbw(GB/s)", "bw_x", "time_x", "verdict");
    out += line;
  }
  for (const ComparedRow& r : c.rows) {
    const std::string backend = both(r.baseline.backend, r.current.backend);
    const std::string ranks =
        both(std::to_string(r.baseline.nranks), std::to_string(r.current.nranks));
    std::snprintf(line, sizeof line,
                  markdown
                      ? "| %s | %s | %s | %s | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %s |\n"
                      : "%-15s %-9s %-9s %-5s %-12s %5s %9s %13.3f %13.3f %7.3f %7.3f  %s\n",
                  r.current.collective.c_str(), backend.c_str(), r.current.dtype.c_str(),
                  r.current.redop.c_str(), r.current.inplace ? "in-place" : "out-of-place",
                  ranks.c_str(), format_bytes(r.current.bytes).c_str(), r.baseline.busbw,
                  r.current.busbw, r.busbw_ratio, r.time_ratio, verdict_text(r).c_str());
    out += line;
  }
  if (markdown) {
    add_unmatched("\n");
  } else {
    out += "\n";
    add_summaries();
    add_unmatched("# ");
    out += "# " + verdict_line(c) + "\n";
  }
  return out;
}

nlohmann::json comparison_to_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ComparedRow& r : c.rows) {
    rows.push_back({{"collective", r.current.collective},
                    {"backend", r.current.backend},
                    {"baseline_backend", r.baseline.backend},
                    {"dtype", r.current.dtype},
                    {"redop", r.current.redop},
                    {"inplace", r.current.inplace},
                    {"nranks", r.current.nranks},
                    {"baseline_nranks", r.baseline.nranks},
                    {"bytes", r.current.bytes},
                    {"size", format_bytes(r.current.bytes)},
                    {"baseline_busbw_GBps", r.baseline.busbw},
                    {"busbw_GBps", r.current.busbw},
                    {"busbw_ratio", r.busbw_ratio},
                    {"time_ratio", r.time_ratio},
                    {"band", r.judgement.band},
                    {"spread", r.judgement.spread},
                    {"agreement", r.judgement.agreement},
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
                         {"inconclusive", s.inconclusive},
                         {"geomean_busbw_ratio", s.geomean_busbw_ratio}});
  }
  return {{"rows", rows},
          {"summary", summaries},
          {"baseline", c.baseline_label},
          {"current", c.current_label},
          {"ignored_keys", c.ignored},
          {"rule",
           {{"threshold_pct", c.rule.threshold_pct},
            {"mad_factor", c.rule.mad_factor},
            {"agreement", c.rule.agreement}}},
          {"unmatched_baseline", c.unmatched_baseline},
          {"unmatched_current", c.unmatched_current},
          {"unmatched_baseline_rows", c.unmatched_baseline_rows},
          {"unmatched_current_rows", c.unmatched_current_rows},
          {"regressed", c.regressed()}};
}

}  // namespace collbench
