// `collbench topo`: this node's topology, and under mpirun every node's fingerprint, with the odd
// hosts and degraded links named. One rank per node discovers; the root gathers one fixed-size
// record per node.
#include <cstdio>
#include <optional>

#include "core/errors.hpp"
#include "harness/command.hpp"
#include "harness/node_survey.hpp"
#include "results/atomic_file.hpp"
#include "results/record.hpp"
#include "runtime/runtime.hpp"
#include "topology/discover.hpp"

namespace collbench {
namespace {

class TopoCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* t =
        app.add_subcommand("topo", "Show the node topology: GPUs, NICs, NUMA, PCIe paths");
    t->add_option("--topology-xml", xml_, "Read a saved hwloc XML instead of this machine");
    t->add_option("--json", json_, "Write the topology and the fleet's fingerprints as JSON");
    t->add_option("-T,--timeout", timeout_s_, "Seconds before giving up (300)");
    return t;
  }

  int execute(int argc, char** argv) override {
    refuse_shared_paths({{"--json", json_}}, {{"--topology-xml", xml_}});
    const std::optional<std::string> xml = xml_.empty() ? std::nullopt : std::optional(xml_);
    discover_node(xml);  // bad XML or no hwloc: one line and exit 2 before any rank starts
    std::unique_ptr<Runtime> runtime = start_runtime(&argc, &argv, timeout_s_);
    runtime->progress().enter("topology discovery");
    const NodeSurvey survey = survey_nodes(*runtime, xml);
    runtime->barrier("the end of topology discovery");
    if (!runtime->is_root()) return kExitOk;

    const NodeTopology& node = survey.local;
    nlohmann::json hosts = nlohmann::json::array();
    std::vector<std::string> remote_warnings;
    for (const NodeReport& r : survey.nodes) {
      hosts.push_back(
          {{"host", r.host}, {"fingerprint", r.fingerprint}, {"first_warning", r.first_warning}});
      if (!r.first_warning.empty() && r.host != runtime->identity().host) {
        remote_warnings.push_back(r.host + ": " + r.first_warning);
      }
    }
    const std::vector<std::string>& odd = survey.odd;
    std::fputs(format_topology(node).c_str(), stdout);
    std::printf("\n# fingerprint %s: %s\n", hash_hex(fingerprint_hash(node)).c_str(),
                fingerprint_text(node).c_str());
    std::printf("# %zu host(s), %zu with a fingerprint unlike the majority\n", survey.nodes.size(),
                odd.size());
    for (const std::string& host : odd) std::printf("# ODD HOST: %s\n", host.c_str());
    for (const std::string& w : remote_warnings) std::printf("# WARNING: %s\n", w.c_str());
    if (!json_.empty()) {
      for (auto& h : hosts) {
        h["odd"] = std::find(odd.begin(), odd.end(), h["host"].get<std::string>()) != odd.end();
      }
      const nlohmann::json out = {{"type", "topology"},
                                  {"schema_version", kSchemaVersion},
                                  {"node", topology_to_json(node)},
                                  {"fingerprint", fingerprint_text(node)},
                                  {"warnings", degraded_link_warnings(node)},
                                  {"hosts", hosts}};
      write_file_atomically(json_, out.dump(2) + "\n");
    }
    return kExitOk;
  }

 private:
  std::string xml_, json_;
  double timeout_s_ = 300;
};

}  // namespace

std::unique_ptr<Command> make_topo_command() {
  return std::make_unique<TopoCommand>();
}

}  // namespace collbench
