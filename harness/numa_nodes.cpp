#include "harness/numa_nodes.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "topology/host_contention.hpp"

namespace collbench {
namespace {

// A set from a kernel list, or nullopt when the text is absent or does not parse (an empty set
// from a malformed list must not read as "nothing allowed").
std::optional<std::set<int>> allowed(const std::optional<std::string>& list) {
  if (!list) return std::nullopt;
  std::set<int> ids = parse_cpu_list(*list);
  if (ids.empty()) return std::nullopt;
  return ids;
}

}  // namespace

NumaChoice choose_numa_nodes(const std::map<int, std::string>& node_cpulists,
                             const std::optional<std::string>& mems_allowed_list,
                             const std::optional<std::string>& cpus_allowed_list) {
  const std::optional<std::set<int>> mems = allowed(mems_allowed_list);
  const std::optional<std::set<int>> cpus = allowed(cpus_allowed_list);
  NumaChoice choice;
  for (const auto& [id, cpulist] : node_cpulists) {
    const std::set<int> node_cpus = parse_cpu_list(cpulist);
    if (node_cpus.empty()) continue;  // a node without CPUs: nothing to bind to
    const std::string name = "node " + std::to_string(id);
    if (mems && !mems->contains(id)) {
      choice.skipped.push_back(name + " (its memory is outside this process's allowed nodes " +
                               cpu_list_text(*mems) + ")");
      continue;
    }
    std::set<int> usable_cpus;
    for (int cpu : node_cpus) {
      if (!cpus || cpus->contains(cpu)) usable_cpus.insert(cpu);
    }
    if (usable_cpus.empty()) {
      choice.skipped.push_back(name + " (none of its CPUs " + cpu_list_text(node_cpus) +
                               " is in this process's allowed CPUs " + cpu_list_text(*cpus) + ")");
      continue;
    }
    choice.usable.push_back({id, std::move(usable_cpus)});
  }
  if (choice.usable.empty()) choice.usable.push_back({-1, {}});
  return choice;
}

NumaChoice usable_numa_nodes(const std::string& sys_root, const std::string& status_path) {
  std::map<int, std::string> nodes;
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::path(sys_root) / "devices/system/node";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string digits = name.starts_with("node") ? name.substr(4) : "";
    // node0, node1, ...; other entries there (possible, online, has_cpu) are not nodes.
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    std::ifstream file(entry.path() / "cpulist");
    std::string cpus;
    if (std::getline(file, cpus)) nodes[std::stoi(digits)] = cpus;
  }
  return choose_numa_nodes(nodes, proc_status_field(status_path, "Mems_allowed_list"),
                           proc_status_field(status_path, "Cpus_allowed_list"));
}

std::string skipped_numa_nodes_line(const NumaChoice& choice) {
  if (choice.skipped.empty()) return "";
  std::ostringstream line;
  line << "# NUMA nodes skipped (not usable by this process): ";
  for (std::size_t i = 0; i < choice.skipped.size(); ++i) {
    line << (i ? "; " : "") << choice.skipped[i];
  }
  return line.str();
}

}  // namespace collbench
