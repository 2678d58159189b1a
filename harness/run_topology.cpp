#include "harness/run_topology.hpp"

#include <optional>

#include "harness/node_survey.hpp"
#include "topology/discover.hpp"
#include "topology/link_specs.hpp"

namespace collbench {
RunTopology prepare_run_topology(const RunOptions& options, Runtime& runtime, bool device_memory) {
  RunTopology out;
  runtime.progress().enter("binding and topology discovery");
  const std::string policy = options.bind;
  const std::string cpus = bind_process(policy, runtime.local_rank(), device_memory);
  out.record["binding"] = {{"policy", policy}, {"rank0_cpus", cpus}};
  if (!COLLBENCH_HAVE_HWLOC) return out;

  const std::optional<std::string> xml =
      options.topology_xml.empty() ? std::nullopt : std::optional(options.topology_xml);
  const NodeSurvey survey = survey_nodes(runtime, xml);
  if (!runtime.is_root()) return out;
  const NodeTopology& node = survey.local;
  for (std::size_t i = 1; i < survey.nodes.size(); ++i) {  // the root's own node: all, below
    if (!survey.nodes[i].first_warning.empty()) {
      out.warnings.push_back(survey.nodes[i].host + ": " + survey.nodes[i].first_warning);
    }
  }
  for (const std::string& w : degraded_link_warnings(node)) {
    out.warnings.push_back(runtime.identity().host + ": " + w);
  }
  for (const std::string& host : survey.odd) {
    out.warnings.push_back(host + ": node fingerprint differs from the majority (collbench topo)");
  }
  const Ceiling ceiling = run_ceiling(node, static_cast<int>(survey.nodes.size()), device_memory);
  out.ceiling_GBps = ceiling.GBps;
  out.record["topology"] = topology_to_json(node);
  out.record["fingerprint"] = {{"text", fingerprint_text(node)},
                               {"hash", hash_hex(fingerprint_hash(node))}};
  if (ceiling.GBps > 0) out.record["ceiling"] = {{"GBps", ceiling.GBps}, {"tier", ceiling.tier}};
  return out;
}

}  // namespace collbench
