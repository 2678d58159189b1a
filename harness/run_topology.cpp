#include "harness/run_topology.hpp"

#include <optional>

#include "topology/discover.hpp"
#include "topology/fleet.hpp"
#include "topology/link_specs.hpp"

namespace collbench {
namespace {
constexpr std::size_t kHostBytes = 64;
constexpr std::size_t kRecordBytes = 512;
}  // namespace

RunTopology prepare_run_topology(const RunOptions& options, Runtime& runtime, bool device_memory) {
  RunTopology out;
  runtime.progress().enter("binding and topology discovery");
  const std::string policy = options.bind;
  const std::string cpus = bind_process(policy, runtime.local_rank(), device_memory);
  out.record["binding"] = {{"policy", policy}, {"rank0_cpus", cpus}};
  if (!COLLBENCH_HAVE_HWLOC) return out;

  const std::optional<std::string> xml =
      options.topology_xml.empty() ? std::nullopt : std::optional(options.topology_xml);
  std::string mine;
  NodeTopology node;
  if (runtime.local_rank() == 0) {
    node = discover_node(xml);
    const std::vector<std::string> warnings = degraded_link_warnings(node);
    mine = runtime.identity().host.substr(0, kHostBytes - 1);
    mine.resize(kHostBytes, '\0');
    mine += hash_hex(fingerprint_hash(node)) + '\0' + (warnings.empty() ? "" : warnings.front());
  }
  const std::vector<std::string> records = runtime.gather_from_nodes(mine, kRecordBytes);
  if (!runtime.is_root()) return out;

  std::vector<HostFingerprint> fleet;
  for (const std::string& r : records) {
    const std::string host = r.substr(0, r.find('\0'));
    const std::string rest = r.substr(kHostBytes);
    const std::string hash = rest.substr(0, rest.find('\0'));
    const std::string warning =
        rest.substr(hash.size() + 1, rest.find('\0', hash.size() + 1) - hash.size() - 1);
    fleet.push_back({host, std::stoull(hash, nullptr, 16)});
    // Other nodes send their first warning; the root's own node has them all below.
    if (!warning.empty() && fleet.size() > 1) out.warnings.push_back(host + ": " + warning);
  }
  for (const std::string& w : degraded_link_warnings(node)) {
    out.warnings.push_back(runtime.identity().host + ": " + w);
  }
  for (const std::string& host : odd_hosts(fleet)) {
    out.warnings.push_back(host + ": node fingerprint differs from the majority (collbench topo)");
  }
  const Ceiling ceiling = run_ceiling(node, static_cast<int>(fleet.size()), device_memory);
  out.ceiling_GBps = ceiling.GBps;
  out.record["topology"] = topology_to_json(node);
  out.record["fingerprint"] = {{"text", fingerprint_text(node)},
                               {"hash", hash_hex(fingerprint_hash(node))}};
  if (ceiling.GBps > 0) out.record["ceiling"] = {{"GBps", ceiling.GBps}, {"tier", ceiling.tier}};
  return out;
}

}  // namespace collbench
