// Fuzz target: the scale model's cluster file, through its public entry point (load_cluster), as
// `collbench model ... --cluster FILE` reads it; then, for a cluster it accepts, the predictions
// `model predict` would write. A file the parser accepts must give finite, non-negative times
// and bandwidths for every collective, algorithm and protocol: JSON cannot hold an infinity or a
// NaN (nlohmann writes null), so a prediction that overflows is a finding of the parser's bounds.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/errors.hpp"
#include "model/cluster.hpp"
#include "model/cost_model.hpp"
#include "tests/fuzz/fuzz_input_file.hpp"

namespace {

bool valid_number(double value) {
  return std::isfinite(value) && value >= 0;
}

void require_finite_predictions(const collbench::ClusterSpec& cluster) {
  using namespace collbench;
  const std::vector<Collective> collectives = {Collective::kAllReduce, Collective::kAllGather,
                                               Collective::kReduceScatter, Collective::kAllToAll};
  // model predict's default sweep runs from 8 B to 8 GiB; 1 B is the smallest size it takes.
  const std::vector<int64_t> sizes = {1, 8, int64_t{1} << 20, int64_t{8} << 30};
  for (const int64_t n : {int64_t{1}, std::min<int64_t>(cluster.gpus, 8), cluster.gpus}) {
    const Job job = place_job(cluster, n);
    for (const bool collnet : {false, true}) {
      NcclEnv env;
      env.collnet = collnet;
      for (const Prediction& p : predict_cluster(job, collectives, sizes, env, true)) {
        if (!valid_number(p.time_us) || !valid_number(p.algbw_GBps) ||
            !valid_number(p.busbw_GBps) || !valid_number(p.bound_busbw_GBps)) {
          __builtin_trap();
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace collbench;
  fuzz::InputFile input(data, size);
  ClusterSpec cluster;
  try {
    cluster = load_cluster(input.path());
  } catch (const UsageError& e) {
    fuzz::require_one_line(e.what());
    return 0;
  }
  require_finite_predictions(cluster);
  return 0;
}
