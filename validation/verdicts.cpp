#include "validation/verdicts.hpp"

#include <map>
#include <tuple>

#include "core/byte_units.hpp"

namespace collbench {
namespace {

Status parse_status(const nlohmann::json& row) {
  const std::string s = row.value("status", "PASS");
  return s == "FAIL" ? Status::kFail : s == "WARN" ? Status::kWarn : Status::kPass;
}

std::vector<int> row_nodes(const nlohmann::json& row) {
  std::vector<int> nodes;
  if (row.contains("nodes")) {
    for (const auto& n : row["nodes"]) nodes.push_back(n.get<int>());
  }
  return nodes;
}

nlohmann::json verdict(const std::string& node, Status status, const std::string& check,
                       const nlohmann::json& measured, const nlohmann::json& expected) {
  return {{"type", "verdict"}, {"node", node},         {"status", status_name(status)},
          {"check", check},    {"measured", measured}, {"expected", expected}};
}

// Copies what a row says about its measurement into a verdict.
void add_evidence(nlohmann::json& out, const nlohmann::json& row) {
  for (const char* key : {"phase", "device", "unit", "test", "bytes", "wrong", "round",
                          "warn_limit", "fail_limit", "limit_direction"}) {
    if (row.contains(key)) out[key] = row[key];
  }
}

// Pair-like rows (pairs, or one rail of pairs) judged across partners.
void judge_meetings(const std::vector<const nlohmann::json*>& rows,
                    const std::vector<std::string>& names, const std::string& device,
                    std::vector<std::vector<nlohmann::json>>& items, ValidationVerdicts& out) {
  // (round, a, b) -> failed, and the first failing row as evidence.
  std::map<std::tuple<int, int, int>, const nlohmann::json*> failing;
  std::map<std::tuple<int, int, int>, bool> met;
  for (const nlohmann::json* row : rows) {
    const std::vector<int> nodes = row_nodes(*row);
    if (nodes.size() != 2) continue;
    const auto key = std::tuple{row->value("round", 0), nodes[0], nodes[1]};
    const bool failed = parse_status(*row) == Status::kFail;
    met[key] = met[key] || failed;
    if (failed && !failing.count(key)) failing[key] = row;
  }
  std::vector<PairOutcome> outcomes;
  for (const auto& [key, failed] : met) {
    outcomes.push_back({std::get<1>(key), std::get<2>(key), failed});
  }
  const std::vector<NodeJudgement> judged = judge_pairs(static_cast<int>(names.size()), outcomes);
  const std::string scope = device.empty() ? "pair" : "rail";
  for (std::size_t n = 0; n < judged.size(); ++n) {
    const NodeJudgement& j = judged[n];
    if (j.pairs == 0) continue;
    nlohmann::json item =
        verdict(names[n], j.status,
                scope + " results across partners" + (device.empty() ? "" : " (" + device + ")"),
                j.pairs - j.failures, j.pairs);
    item["phase"] = scope;
    item["unit"] = "pairs passed";
    if (!device.empty()) item["device"] = device;
    std::string partners;
    for (int p : j.failed_partners) {
      if (!partners.empty()) partners += ", ";
      partners += names[static_cast<std::size_t>(p)];
    }
    if (!partners.empty()) item["detail"] = "failed with " + partners;
    items[n].push_back(item);
  }
  // Each failed meeting, named from the side of the node judged worse. It FAILs when that node
  // FAILs across its partners; a shortfall no node explains (one slow pair) is a WARN.
  for (const auto& [key, row] : failing) {
    const auto [round, a, b] = key;
    const bool b_worse = judged[static_cast<std::size_t>(b)].status == Status::kFail &&
                         judged[static_cast<std::size_t>(a)].status != Status::kFail;
    const int node = b_worse ? b : a;
    const int partner = b_worse ? a : b;
    const Status status = judged[static_cast<std::size_t>(node)].status == Status::kFail
                              ? Status::kFail
                              : Status::kWarn;
    nlohmann::json item =
        verdict(names[node], status, describe_check(*row), row->value("measured", nlohmann::json()),
                row->value("expected", nlohmann::json()));
    add_evidence(item, *row);
    item["partner"] = names[partner];
    out.records.push_back(item);
  }
}

}  // namespace

std::string describe_check(const nlohmann::json& row) {
  std::string text = row.value("phase", "?");
  text.append(" ").append(row.value("test", "?"));
  if (row.contains("bytes")) text.append(" ").append(format_bytes(row["bytes"].get<int64_t>()));
  if (row.contains("device"))
    text.append(" (").append(row["device"].get<std::string>()).append(")");
  return text;
}

ValidationVerdicts build_verdicts(const std::vector<nlohmann::json>& rows,
                                  const std::vector<std::string>& names) {
  ValidationVerdicts out;
  std::vector<std::vector<nlohmann::json>> items(names.size());
  std::vector<const nlohmann::json*> pairs;
  std::map<std::string, std::vector<const nlohmann::json*>> rails;
  for (const nlohmann::json& row : rows) {
    const std::string phase = row.value("phase", "");
    const std::vector<int> nodes = row_nodes(row);
    const Status status = parse_status(row);
    if (phase == "bisect-round") {
      continue;  // evidence for the JSON Lines; the bisection's conclusion comes as "bisect"
    } else if (phase == "pair") {
      pairs.push_back(&row);
    } else if (phase == "rail") {
      rails[row.value("device", "rail ?")].push_back(&row);
    } else if (phase == "fleet") {
      out.fleet_status = worse(out.fleet_status, status);
      if (status != Status::kPass) {
        nlohmann::json item =
            verdict("fleet", status, describe_check(row), row.value("measured", nlohmann::json()),
                    row.value("expected", nlohmann::json()));
        add_evidence(item, row);
        out.records.push_back(item);
      }
    } else if (nodes.size() == 1) {  // node, topology, copy, bisect: direct evidence
      nlohmann::json item =
          verdict(names[static_cast<std::size_t>(nodes[0])], status, describe_check(row),
                  row.value("measured", nlohmann::json()), row.value("expected", nlohmann::json()));
      add_evidence(item, row);
      if (row.contains("detail")) item["detail"] = row["detail"];
      items[static_cast<std::size_t>(nodes[0])].push_back(item);
    } else if (phase == "bisect" && status != Status::kPass) {
      // A set whose halves pass while it fails: every member is suspect, none is named.
      std::string members;
      for (int n : nodes) {
        if (!members.empty()) members += ", ";
        members += names[static_cast<std::size_t>(n)];
      }
      for (int n : nodes) {
        nlohmann::json item = verdict(names[static_cast<std::size_t>(n)], Status::kWarn,
                                      "fleet bisection", nlohmann::json(), nlohmann::json());
        item["detail"] = "fails only together with " + members;
        items[static_cast<std::size_t>(n)].push_back(item);
      }
    }
  }
  judge_meetings(pairs, names, "", items, out);
  for (const auto& [device, rail_rows] : rails)
    judge_meetings(rail_rows, names, device, items, out);

  out.node_status.assign(names.size(), Status::kPass);
  std::vector<nlohmann::json> overall;
  for (std::size_t n = 0; n < names.size(); ++n) {
    int checks = 0;
    int failed = 0;
    int warned = 0;
    for (const nlohmann::json& item : items[n]) {
      const Status status = parse_status(item);
      out.node_status[n] = worse(out.node_status[n], status);
      ++checks;
      failed += status == Status::kFail;
      warned += status == Status::kWarn;
      if (status != Status::kPass) out.records.push_back(item);
    }
    nlohmann::json node =
        verdict(names[n], out.node_status[n], "overall", checks - failed - warned, checks);
    node["unit"] = "checks passed";
    node["failed"] = failed;
    node["warned"] = warned;
    overall.push_back(node);
    out.overall = worse(out.overall, out.node_status[n]);
  }
  out.overall =
      worse(out.overall, out.fleet_status == Status::kFail ? Status::kFail : out.fleet_status);
  out.records.insert(out.records.end(), overall.begin(), overall.end());
  return out;
}

}  // namespace collbench
