// Host-side reduction, fill and verification loops in GB/s (bytes the loop must touch per
// second). These loops bound how fast the host backends can reduce and how much a checked sample
// costs; compare them with the memcpy line measured in the same run.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "collectives/collective.hpp"
#include "collectives/custom/reduce_inputs.hpp"
#include "kernels/host_patterns.hpp"
#include "kernels/host_reduce.hpp"

namespace collbench {
namespace {

constexpr int64_t kElements = int64_t{1} << 22;  // 16 MiB of float: past the caches

void BM_Memcpy(benchmark::State& state) {
  std::vector<char> a(kElements * 4, 1), b(kElements * 4);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), a.size());
    benchmark::DoNotOptimize(b.data());
  }
  state.SetBytesProcessed(state.iterations() * 2 * static_cast<int64_t>(a.size()));
}

void BM_HostReduce(benchmark::State& state) {
  const auto dtype = static_cast<DType>(state.range(0));
  const std::size_t bytes = static_cast<std::size_t>(kElements) * 4;
  const int64_t count = static_cast<int64_t>(bytes / dtype_info(dtype).size);
  std::vector<unsigned char> a(bytes), b(bytes), out(bytes);
  const Pattern p =
      make_pattern(PatternKind::kReduce, RedOp::kSum, 2, dtype_info(dtype).exact_limit);
  host_fill_input(dtype, a.data(), count, p, 0);
  host_fill_input(dtype, b.data(), count, p, 1);
  for (auto _ : state) {
    host_reduce3(dtype, RedOp::kSum, out.data(), a.data(), b.data(), count);
    benchmark::DoNotOptimize(out.data());
  }
  // Two inputs read and one output written per element.
  state.SetBytesProcessed(state.iterations() * 3 * static_cast<int64_t>(bytes));
  state.SetLabel(std::string(dtype_info(dtype).name) + " sum");
}

void BM_VerifyAllReduce(benchmark::State& state) {
  const auto dtype = static_cast<DType>(state.range(0));
  const DTypeInfo& info = dtype_info(dtype);
  const int64_t count = kElements * 4 / static_cast<int64_t>(info.size);
  const CollectiveSpec& spec = collective_spec(Collective::kAllReduce);
  const BufferLayout layout = spec.layout(count, info.size, 8);
  const Pattern p = input_pattern(spec, RedOp::kSum, 8, info.exact_limit);
  const OutputCheck check = output_check(spec, layout, 0, 8, 0, std::nullopt);
  // A correct output: the expectation itself, built through the same loops a run would use.
  std::vector<unsigned char> buffer(static_cast<std::size_t>(count) * info.size);
  for_dtype(dtype, [&]<typename T>() {
    T* out = reinterpret_cast<T*>(buffer.data());
    for (int64_t i = 0; i < count; ++i) out[i] = element_from_code<T>(reduced_code(p, i));
  });
  for (auto _ : state) {
    const int64_t wrong = host_count_wrong(dtype, buffer.data(), count, p, check.map, 0);
    if (wrong != 0) state.SkipWithError("verification found wrong elements in a correct buffer");
    benchmark::DoNotOptimize(wrong);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
  state.SetLabel(std::string(info.name));
}

void BM_VerifyAllGather(benchmark::State& state) {
  const DTypeInfo& info = dtype_info(DType::kFloat32);
  const int64_t count = kElements;
  const int n = 8;
  const CollectiveSpec& spec = collective_spec(Collective::kAllGather);
  const BufferLayout layout = spec.layout(count, info.size, n);
  const Pattern p = input_pattern(spec, RedOp::kSum, n, info.exact_limit);
  std::vector<float> out(static_cast<std::size_t>(layout.recv_count));
  for (int r = 0; r < n; ++r) {
    host_fill_input(DType::kFloat32, out.data() + r * layout.param_count, layout.param_count, p, r);
  }
  const OutputCheck check = output_check(spec, layout, 0, n, 0, std::nullopt);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        host_count_wrong(DType::kFloat32, out.data(), check.count, p, check.map, 0));
  }
  state.SetBytesProcessed(state.iterations() * layout.recv_count * 4);
}

void BM_FillInput(benchmark::State& state) {
  std::vector<float> buffer(kElements);
  const Pattern p = make_pattern(PatternKind::kReduce, RedOp::kSum, 8, 1 << 24);
  for (auto _ : state) {
    host_fill_input(DType::kFloat32, buffer.data(), kElements, p, 3);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(state.iterations() * kElements * 4);
}

// The shared-memory collectives' reduction of n inputs (one per rank) into one output, piece by
// piece (range 1: piece KiB, 0 = whole vectors). Bytes: n inputs read and one output written.
void BM_ReduceInputs(benchmark::State& state) {
  const auto ninputs = static_cast<std::size_t>(state.range(0));
  const auto piece = static_cast<std::size_t>(state.range(1)) * 1024;
  const std::size_t bytes = static_cast<std::size_t>(kElements) * 4;
  std::vector<std::vector<char>> storage(ninputs, std::vector<char>(bytes, 1));
  std::vector<const char*> inputs;
  for (const auto& v : storage) inputs.push_back(v.data());
  std::vector<char> out(bytes);
  for (auto _ : state) {
    reduce_inputs(DType::kFloat32, RedOp::kSum, out.data(), inputs, kElements, piece);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>((ninputs + 1) * bytes));
}

void all_types(benchmark::internal::Benchmark* b) {
  for (const DTypeInfo& info : all_dtypes()) b->Arg(static_cast<int>(info.id));
}

BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HostReduce)->Apply(all_types)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyAllReduce)->Apply(all_types)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyAllGather)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FillInput)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReduceInputs)
    ->ArgsProduct({{2, 4, 8}, {0, 16, 64, 256, 1024}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace collbench

BENCHMARK_MAIN();
