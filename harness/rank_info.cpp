#include "harness/rank_info.hpp"

#include <unistd.h>

#include <cstdlib>
#include <utility>

namespace collbench {

std::string launcher_name() {
  // The first variable found names the launcher; Open MPI's mpirun also sets PMIX_RANK.
  static const std::pair<const char*, const char*> kLaunchers[] = {
      {"OMPI_COMM_WORLD_RANK", "mpirun"},
      {"SLURM_PROCID", "srun"},
      {"PMIX_RANK", "PMIx"},
      {"PMI_RANK", "PMI"}};
  for (const auto& [variable, name] : kLaunchers) {
    if (std::getenv(variable)) return name;
  }
  return "none";
}

nlohmann::json gather_rank_info(Runtime& runtime, const std::string& cpus) {
  const nlohmann::json mine = {{"rank", runtime.rank()},
                               {"host", runtime.identity().host},
                               {"pid", static_cast<long long>(getpid())},
                               {"cpus", cpus}};
  const std::vector<std::string> all = runtime.gather_strings(mine.dump(), "per-rank header lines");
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& text : all) out.push_back(nlohmann::json::parse(text));
  return out;
}

}  // namespace collbench
