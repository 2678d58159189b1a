#pragma once
// The measurement loop: for each collective x datatype x op, for each size, warm up, take
// --repeat timed samples of --iters operations between synchronisations, verify outside the timed
// region, and hand one record per placement to the sinks. Time per sample is reduced over ranks
// by the -a rule (slowest rank by default).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collectives/backend.hpp"
#include "harness/run_options.hpp"
#include "results/record.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

class PlacedOperation;

// Checks what needs the rank count: roots in range, combinations the backend supports, sizes the
// collectives can split. Throws UsageError. With -o all, drops the ops the backend cannot run and
// returns a note for each.
std::vector<std::string> validate_against_ranks(RunOptions& options, const Backend& backend,
                                                int nranks);

// The placements measured for one collective: those asked for, less in place where the backend
// cannot run it (then out of place is measured even under --inplace, and the reason is kept).
struct Placements {
  bool out_of_place = true;
  bool inplace = true;
  std::optional<std::string> inplace_skipped;
};
Placements placements_for(const RunOptions& options, const Backend& backend, Collective collective);

// The run record's "skipped_placements": [{"collective", "placement": "in-place", "reason"}], one
// per collective of the run whose in-place placement was asked for but is not measured.
nlohmann::json skipped_placements(const RunOptions& options, const Backend& backend);

class Measurement {
 public:
  // `sinks` are written on the root only; pass none on other ranks.
  Measurement(Runtime& runtime, Backend& backend, const RunOptions& options,
              std::vector<ResultSink*> sinks);
  // The run's theoretical bus-bandwidth ceiling (0: none known), for efficiency columns.
  void set_ceiling(double GBps) { ceiling_GBps_ = GBps; }
  // Runs every group and returns the number of wrong elements summed over ranks and rows.
  int64_t run();

 private:
  struct Group {
    const CollectiveSpec* spec;
    DType dtype;
    RedOp op;
    int root;
    int cycle;
  };
  struct Buffers;
  // One size and placement's timed samples (microseconds, one per --repeat) and wrong elements.
  struct Samples {
    std::vector<double> times_us;    // by the -a rule
    std::vector<double> fastest_us;  // the fastest rank's
    int64_t wrong = 0;
  };

  int64_t run_group(const Group& group);
  ResultRecord measure(const Group& group, Buffers& buffers, const BufferLayout& layout,
                       bool inplace);
  Samples time_samples(PlacedOperation& op);
  bool wants_more_samples(const std::vector<double>& times_us, const std::string& what);
  int64_t verify_fresh_operation(PlacedOperation& op);
  ResultRecord make_record(const Group& group, const BufferLayout& layout, bool inplace,
                           const OpArgs& args, const Samples& samples) const;
  double pick_time(const SyncValues& combined) const;

  int global_rank(int local) const { return runtime_.rank() * local_ranks_ + local; }

  Runtime& runtime_;
  Backend& backend_;
  const RunOptions& options_;
  std::vector<ResultSink*> sinks_;
  int local_ranks_;
  int nranks_;
  std::vector<int64_t> sizes_;
  double ceiling_GBps_ = 0;
};

}  // namespace collbench
