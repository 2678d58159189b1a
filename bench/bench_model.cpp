// Predicting every algorithm of every modelled collective for 30 sizes at 400,000 GPUs: the
// closed forms are O(1) in the GPU count, so this is microseconds, not seconds.
#include <benchmark/benchmark.h>

#include "model/cost_model.hpp"

namespace collbench {
namespace {

void BM_PredictEverything(benchmark::State& state) {
  const ClusterSpec cluster = cluster_preset("gb200-nvl72-ndr400");
  std::vector<int64_t> sizes;
  for (int i = 0; i < 30; ++i) sizes.push_back(int64_t{8} << i);  // 8 B .. 4 GiB
  const std::vector<Collective> collectives = {Collective::kAllReduce, Collective::kAllGather,
                                               Collective::kReduceScatter, Collective::kAllToAll};
  for (auto _ : state) {
    auto predictions = predict_cluster(cluster, state.range(0), collectives, sizes);
    benchmark::DoNotOptimize(predictions.data());
  }
  state.SetLabel(std::to_string(state.range(0)) + " GPUs, 30 sizes, all algorithms");
}

BENCHMARK(BM_PredictEverything)
    ->Arg(1000)
    ->Arg(400000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace collbench

BENCHMARK_MAIN();
