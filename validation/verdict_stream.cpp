#include "validation/verdict_stream.hpp"

#include "validation/verdicts.hpp"

namespace collbench {

std::vector<nlohmann::json> VerdictStream::add_step(const std::vector<nlohmann::json>& rows,
                                                    const std::vector<std::string>& settled) {
  rows_.insert(rows_.end(), rows.begin(), rows.end());
  settled_.insert(settled.begin(), settled.end());
  std::vector<nlohmann::json> out;
  if (settled.empty()) return out;
  // Judged over everything seen so far: a verdict of a settled phase no longer changes, because
  // the rows it is built from (its phase's, across all partners) are all in.
  for (const nlohmann::json& record : build_verdicts(rows_, names_).records) {
    if (record.value("check", "") == "overall") continue;
    if (!settled_.count(record.value("phase", ""))) continue;
    if (written_.insert(record.dump()).second) out.push_back(record);
  }
  return out;
}

std::vector<nlohmann::json> VerdictStream::finish() {
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& record : build_verdicts(rows_, names_).records) {
    if (written_.insert(record.dump()).second) out.push_back(record);
  }
  return out;
}

}  // namespace collbench
