#include "results/rank_lines.hpp"

#include <algorithm>
#include <cstdio>

namespace collbench {

namespace {

std::string text_of(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "?";
  const nlohmann::json& v = object[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string launcher_note(const nlohmann::json& run) {
  const std::string launcher = run.value("launcher", std::string());
  if (launcher.empty()) return "";
  if (launcher != "none") return "launcher: " + launcher;
  // Started as a plain process: MPI (if any) made a singleton, so one process was measured.
  const int processes = run.value("processes", 1);
  const int ranks = run.value("nranks", 1);
  return "launcher: none: measured " + std::to_string(ranks) + (ranks == 1 ? " rank" : " ranks") +
         " in " + std::to_string(processes) + (processes == 1 ? " process" : " processes") +
         "; for several ranks start it with `mpirun -np N collbench run ...` or "
         "`srun -n N collbench run ...`";
}

}  // namespace

std::vector<std::string> format_rank_lines(const nlohmann::json& run) {
  std::vector<std::string> lines;
  if (const std::string note = launcher_note(run); !note.empty()) lines.push_back(note);
  if (!run.contains("rank_info") || !run["rank_info"].is_array()) return lines;
  const nlohmann::json& processes = run["rank_info"];
  char text[512];
  if (run.contains("gpus") && run["gpus"].is_array() && !run["gpus"].empty()) {
    // One line per GPU rank, like nccl-tests; a process may drive several GPUs (-g).
    const int per_process =
        std::max(1, run.value("nranks", 1) / std::max(1, run.value("processes", 1)));
    for (const nlohmann::json& gpu : run["gpus"]) {
      const int rank = gpu.value("rank", 0);
      const std::size_t process = static_cast<std::size_t>(rank / per_process);
      const nlohmann::json none = nlohmann::json::object();
      const nlohmann::json& p = process < processes.size() ? processes[process] : none;
      std::snprintf(text, sizeof text, " Rank %3d Pid %7s on %s device %s [%s] %s cpus %s", rank,
                    text_of(p, "pid").c_str(), text_of(gpu, "host").c_str(),
                    text_of(gpu, "device").c_str(), text_of(gpu, "pci_bus_id").c_str(),
                    text_of(gpu, "name").c_str(), text_of(gpu, "cpu_binding").c_str());
      lines.push_back(text);
    }
    return lines;
  }
  for (const nlohmann::json& p : processes) {
    std::snprintf(text, sizeof text, " Rank %3s Pid %7s on %s device host cpus %s",
                  text_of(p, "rank").c_str(), text_of(p, "pid").c_str(), text_of(p, "host").c_str(),
                  text_of(p, "cpus").c_str());
    lines.push_back(text);
  }
  return lines;
}

}  // namespace collbench
