#pragma once
// A backend executes collectives: NCCL, MPI, collbench's own algorithms. The harness owns the
// measurement (sweep, timing, verification, records); a backend only allocates buffers in its
// memory, runs one operation, and completes what it started. A new backend is its folder (the
// class, its options, its CMakeLists.txt) and one row in backends.cpp.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "collectives/backend_options.hpp"
#include "collectives/collective.hpp"
#include "collectives/memory.hpp"
#include "core/dtype.hpp"
#include "core/redop.hpp"

namespace collbench {

class Runtime;

// One operation: nccl-tests' RunColl arguments, with one buffer pair per rank this process
// drives (Backend::local_ranks(); one for MPI-style backends).
struct OpArgs {
  Collective collective;
  DType dtype;
  RedOp op;
  int root;
  std::span<const void* const> send;  // in place: each points into its recv (see BufferLayout)
  std::span<void* const> recv;
  BufferLayout layout;
  bool inplace;
};

// Measures one sample: start() just before the first operation, stop() after the last one has
// been issued; seconds() may wait for completion. Host backends use the steady clock; device
// backends time on their stream with events.
class SampleTimer {
 public:
  virtual ~SampleTimer() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual double seconds() = 0;
};
std::unique_ptr<SampleTimer> make_host_timer();

// -G/--cudagraph: operations captured once and replayed. launch() issues all of them again on the
// backend's streams; completion and timing work as for run().
class CapturedOps {
 public:
  virtual ~CapturedOps() = default;
  virtual void launch() = 0;
};

// What every backend is told: the harness's settings (memory, ranks per process, graphs, the
// timeout every wait honours) and the values of the options backends declare for themselves.
struct BackendConfig {
  MemoryKind memory = MemoryKind::kHost;
  int gpus_per_process = 1;
  int threads = 1;
  int cuda_graph_launches = 0;
  int agg_iters = 1;
  int blocking = 0;
  double timeout_s = 300;  // -T: a backend's own waits give up after this (0: never)
  BackendOptionValues options;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  virtual Memory& memory() = 0;
  // Ranks driven by this process (nccl-tests' -t x -g); rank ids are process rank x this + index.
  virtual int local_ranks() const { return 1; }

  // Why this backend cannot run the combination, or nullopt when it can.
  virtual std::optional<std::string> unsupported(Collective collective, DType dtype,
                                                 RedOp op) const = 0;

  // Why this backend cannot run `collective` in place (nullopt: it can). The harness then
  // measures that collective out of place only and names the skipped placement in the table
  // header and the run record: a placement the library leaves undefined never produces a row.
  virtual std::optional<std::string> inplace_unsupported(Collective collective) const {
    (void)collective;
    return std::nullopt;
  }

  // Runs (or enqueues) one operation.
  virtual void run(const OpArgs& args) = 0;
  // Completes every operation started so far (device backends synchronise their stream).
  virtual void complete() = 0;
  virtual std::unique_ptr<SampleTimer> make_timer() { return make_host_timer(); }

  // -G: whether capture() works, and `ops` operations of `args` captured for replay (called
  // outside the timed region; the harness times launches of the result).
  virtual bool captures_graphs() const { return false; }
  virtual std::unique_ptr<CapturedOps> capture(const OpArgs& args, int ops) {
    (void)args;
    (void)ops;
    return nullptr;
  }

  // Elements from the start of the receive buffer to the in-place output on `rank`. nccl-tests'
  // layout by default; MPI's reduce_scatter with MPI_IN_PLACE leaves its result at the start.
  virtual int64_t inplace_output_offset(const CollectiveSpec& spec, const BufferLayout& layout,
                                        int rank) const {
    (void)spec;
    return layout.recv_inplace_offset * rank;
  }

  // Library versions and settings for the run record (e.g. "mpi_datatype_mode").
  virtual void describe(nlohmann::json& run_record) const { (void)run_record; }
  // The algorithm that runs `args` when the backend chooses it itself (collbench's own
  // collectives), for the result record; empty when a library decides.
  virtual std::string algorithm(const OpArgs& args) const {
    (void)args;
    return "";
  }
};

// The registry: backends by name, so the CLI, docs and `auto` read one table.
struct BackendEntry {
  std::string_view name;
  std::string_view description;
  // Why it cannot run in this build or on this machine (nullopt: available).
  std::function<std::optional<std::string>(const BackendConfig&)> unavailable;
  std::function<std::unique_ptr<Backend>(Runtime&, const BackendConfig&)> create;
  // The options this backend declares; the harness adds them to the command line.
  std::span<const BackendOption> options = {};
};

const std::vector<BackendEntry>& backend_registry();
const BackendEntry* find_backend(std::string_view name);
// Every option some backend declares, each name once (the first declaration), in registry order.
std::vector<const BackendOption*> all_backend_options();
// Throws UsageError when an option given on the command line is not one of `backend`'s.
void check_backend_options(const BackendEntry& backend, const BackendOptionValues& values);
std::string backend_names();
// `auto`: nccl when GPUs are visible and the build has it, else mpi on host memory.
std::string auto_backend_name(const BackendConfig& config);

// Makes the named backend or throws UsageError with the reason it is unavailable.
std::unique_ptr<Backend> create_backend(std::string_view name, Runtime& runtime,
                                        const BackendConfig& config);

}  // namespace collbench
