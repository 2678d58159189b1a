#include "harness/node_survey.hpp"

#include "topology/discover.hpp"

namespace collbench {
namespace {
constexpr std::size_t kHostBytes = 64;
constexpr std::size_t kRecordBytes = 512;

std::string field(const std::string& record, std::size_t from) {
  return record.substr(from, record.find('\0', from) - from);
}
}  // namespace

NodeSurvey survey_nodes(Runtime& runtime, const std::optional<std::string>& xml_path) {
  NodeSurvey survey;
  std::string mine;
  if (runtime.local_rank() == 0) {
    survey.local = discover_node(xml_path);
    const std::vector<std::string> warnings = degraded_link_warnings(survey.local);
    mine = runtime.identity().host.substr(0, kHostBytes - 1);
    mine.resize(kHostBytes, '\0');
    mine += hash_hex(fingerprint_hash(survey.local)) + '\0' +
            (warnings.empty() ? std::string() : warnings.front());
  }
  std::vector<HostFingerprint> fleet;
  for (const std::string& record : runtime.gather_from_nodes(mine, kRecordBytes)) {
    NodeReport report{field(record, 0), field(record, kHostBytes), ""};
    report.first_warning = field(record, kHostBytes + report.fingerprint.size() + 1);
    fleet.push_back({report.host, std::stoull(report.fingerprint, nullptr, 16)});
    survey.nodes.push_back(std::move(report));
  }
  survey.odd = odd_hosts(fleet);
  return survey;
}

}  // namespace collbench
