// Predicting every algorithm and protocol of all_reduce, all_gather, reduce_scatter and
// all_to_all for 30 sizes: the closed forms are O(1) in the GPU count, so 400,000 GPUs cost what
// 1,000 do (goal: under 50 ms, docs/model.md reports the number).
#include <benchmark/benchmark.h>

#include "model/cost_model.hpp"

namespace collbench {
namespace {

void BM_PredictEverything(benchmark::State& state) {
  ClusterSpec cluster = cluster_preset("gb200-campus-400k");
  extend_fabric(cluster, state.range(0));
  std::vector<int64_t> sizes;
  for (int i = 0; i < 30; ++i) sizes.push_back(int64_t{8} << i);  // 8 B .. 4 GiB
  const std::vector<Collective> collectives = {Collective::kAllReduce, Collective::kAllGather,
                                               Collective::kReduceScatter, Collective::kAllToAll};
  NcclEnv env;
  env.collnet = true;  // SHARP too: every algorithm the cluster has
  std::size_t rows = 0;
  for (auto _ : state) {
    const Job job = place_job(cluster, state.range(0));
    auto predictions = predict_cluster(job, collectives, sizes, env, /*all_protocols=*/true);
    rows = predictions.size();
    benchmark::DoNotOptimize(predictions.data());
  }
  state.SetLabel(std::to_string(state.range(0)) + " GPUs, 30 sizes, " + std::to_string(rows) +
                 " (algorithm, protocol, size) rows");
}

BENCHMARK(BM_PredictEverything)
    ->Arg(1000)
    ->Arg(400000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace collbench

BENCHMARK_MAIN();
