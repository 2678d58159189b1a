// `collbench copy`: device memory and copy baselines on this machine's GPUs (one process, no
// MPI), the first thing a rack check runs. See harness/copy_bench.hpp for the rows.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/version.hpp"
#include "harness/command.hpp"
#include "harness/size_sweep.hpp"
#include "results/atomic_file.hpp"
#if COLLBENCH_HAVE_CUDA
#include "harness/copy_bench.hpp"
#include "harness/numa_nodes.hpp"
#endif

namespace collbench {
namespace {

const std::vector<std::string> kTests = {"d2d", "h2d", "d2h", "verify", "reduce"};

class CopyCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    command_ =
        app.add_subcommand("copy",
                           "GPU baselines: d2d, h2d, d2h copies (near and far NUMA nodes) and the "
                           "verify/reduce kernels, with efficiency against the device copy");
    command_->add_option("tests", tests_, "d2d h2d d2h verify reduce, or all (d2d h2d d2h)");
    command_->add_option("-e,--bytes", bytes_, "Buffer size, K/M/G suffixes (256M)");
    command_->add_option("-n,--iters", iters_, "Operations per timed sample (20)");
    command_->add_option("--repeat", repeat_, "Timed samples; the median is reported (5)");
    command_->add_option("--device", devices_, "Device index to measure (repeatable; all)");
    command_->add_option("-J,--output_file", json_path_,
                         "Also write the rows as JSON Lines ({\"type\":\"copy\",...}) to FILE");
    return command_;
  }

  int execute(int, char**) override {
    std::vector<std::string> tests =
        tests_.empty() ? std::vector<std::string>{"d2d", "h2d", "d2h"} : tests_;
    if (std::find(tests.begin(), tests.end(), "all") != tests.end()) tests = kTests;
    for (const std::string& t : tests) {
      if (std::find(kTests.begin(), kTests.end(), t) == kTests.end()) {
        throw UsageError("unknown copy test '" + t +
                         "' (choose from d2d, h2d, d2h, verify, reduce, all)");
      }
    }
    const int64_t bytes = parse_size(bytes_, "-e/--bytes");
    if (bytes < 16 || bytes % 16 != 0) {
      throw UsageError("invalid -e/--bytes " + bytes_ + ": a positive multiple of 16 bytes");
    }
    if (iters_ < 1 || repeat_ < 1) throw UsageError("-n/--iters and --repeat must be at least 1");
#if COLLBENCH_HAVE_CUDA
    CopyOptions options{tests, bytes, iters_, repeat_, devices_};
    const std::vector<CopyRow> rows = run_copy_baselines(options);
    std::printf(
        "# collbench %s copy baselines, %lld bytes, median of %d samples of %d operations\n",
        kVersion, static_cast<long long>(bytes), repeat_, iters_);
    std::printf(
        "# efficiency: device-memory traffic (bytes read + written per second) relative to "
        "the d2d copy engine's\n");
    if (std::find(tests.begin(), tests.end(), "h2d") != tests.end() ||
        std::find(tests.begin(), tests.end(), "d2h") != tests.end()) {
      // A container's cpuset may exclude nodes that /sys lists: say which were left out and why.
      const std::string skipped = skipped_numa_nodes_line(usable_numa_nodes());
      if (!skipped.empty()) std::printf("%s\n", skipped.c_str());
    }
    std::printf("#%6s %-7s %-12s %-16s %12s %10s %11s %6s %6s\n", "device", "test", "engine",
                "host memory", "time(us)", "GB/s", "traffic GB/s", "eff", "#wrong");
    int64_t wrong = 0;
    for (const CopyRow& r : rows) {
      std::printf(" %6d %-7s %-12s %-16s %12.1f %10.1f %11.1f %6.3f %6lld\n", r.device,
                  r.test.c_str(), r.engine.c_str(), r.host_memory.c_str(), r.time_us, r.GBps,
                  r.traffic_GBps, r.efficiency, static_cast<long long>(r.wrong));
      wrong += r.wrong;
    }
    if (!json_path_.empty()) write_json(rows);
    return wrong > 0 ? kExitWrongData : kExitOk;
#else
    throw UsageError("collbench copy needs a CUDA build (this one has none)");
#endif
  }

 private:
#if COLLBENCH_HAVE_CUDA
  // Whole file or nothing, under the one output rule (results/atomic_file.hpp).
  void write_json(const std::vector<CopyRow>& rows) const {
    std::ostringstream out;
    for (const CopyRow& r : rows) {
      out << nlohmann::json{{"type", "copy"},
                            {"collbench_version", kVersion},
                            {"device", r.device},
                            {"test", r.test},
                            {"engine", r.engine},
                            {"host_memory", r.host_memory},
                            {"bytes", r.bytes},
                            {"time_us", r.time_us},
                            {"GBps", r.GBps},
                            {"traffic_GBps", r.traffic_GBps},
                            {"efficiency", r.efficiency},
                            { "wrong",
                              r.wrong }}
                 .dump()
          << "\n";
    }
    write_file_atomically(json_path_, out.str());
  }
#endif

  CLI::App* command_ = nullptr;
  std::string json_path_;
  std::vector<std::string> tests_;
  std::string bytes_ = "256M";
  int iters_ = 20;
  int repeat_ = 5;
  std::vector<int> devices_;
};

}  // namespace

std::unique_ptr<Command> make_copy_command() {
  return std::make_unique<CopyCommand>();
}

}  // namespace collbench
