#include "harness/measure.hpp"

#include <algorithm>
#include <cstring>

#include "core/errors.hpp"
#include "core/stability.hpp"
#include "core/statistics.hpp"
#include "harness/placed_operation.hpp"

namespace collbench {

namespace {

// Slots of SyncValues used by one sample.
constexpr int kTimeSlot = 0;
constexpr int kRank0Slot = 1;
constexpr int kWrongSlot = 2;

std::string redop_label(const CollectiveSpec& spec, RedOp op) {
  return spec.uses_op ? std::string(redop_info(op).name) : "none";
}

// The fewest bytes for which `spec` has work on `nranks` ranks: one element for collectives that
// do not split, the aligned per-rank block times the ranks for those that do. Found from the
// layout itself (monotone in the count), so the message never names a size that is not the limit.
int64_t smallest_runnable_bytes(const CollectiveSpec& spec, const DTypeInfo& info, int nranks) {
  auto runs = [&](int64_t count) { return spec.layout(count, info.size, nranks).param_count > 0; };
  int64_t high = 1;
  while (!runs(high) && high < (int64_t{1} << 40)) high *= 2;
  int64_t low = high / 2;  // does not run (or 0)
  while (high - low > 1) {
    const int64_t mid = low + (high - low) / 2;
    (runs(mid) ? high : low) = mid;
  }
  return high * static_cast<int64_t>(info.size);
}

}  // namespace

std::vector<std::string> validate_against_ranks(RunOptions& options, const Backend& backend,
                                                int nranks) {
  std::vector<std::string> notes;
  if (options.all_ops) {
    std::erase_if(options.ops, [&](RedOp op) {
      auto why = backend.unsupported(Collective::kAllReduce, options.dtypes.front(), op);
      if (why) notes.push_back("skipped: " + *why);
      return why.has_value();
    });
  }
  if (options.cudagraph > 0 && !backend.captures_graphs()) {
    throw UsageError("-G/--cudagraph needs a backend that captures CUDA graphs (nccl); backend " +
                     std::string(backend.name()) + " does not");
  }
  const std::vector<int64_t> sizes = sweep_sizes(options.sweep);
  for (Collective id : options.collectives) {
    const CollectiveSpec& spec = collective_spec(id);
    if (spec.uses_root && options.root >= nranks) {
      throw UsageError("root " + std::to_string(options.root) + " is outside the " +
                       std::to_string(nranks) + " ranks of this run (-r/--root)");
    }
    for (DType dtype : options.dtypes) {
      const DTypeInfo& info = dtype_info(dtype);
      const BufferLayout largest =
          spec.layout(sizes.back() / static_cast<int64_t>(info.size), info.size, nranks);
      if (largest.param_count == 0) {
        throw UsageError(std::string(spec.name) + " cannot split " + std::to_string(sizes.back()) +
                         " B of " + std::string(info.name) + " over " + std::to_string(nranks) +
                         " ranks: it needs at least " +
                         std::to_string(smallest_runnable_bytes(spec, info, nranks)) +
                         " B (-e/--maxbytes)");
      }
      for (RedOp op : options.ops) {
        if (auto why = backend.unsupported(id, dtype, op)) throw UsageError(*why);
        if (!spec.uses_op) break;  // data movement: the op does not matter
      }
    }
  }
  return notes;
}

Placements placements_for(const RunOptions& options, const Backend& backend,
                          Collective collective) {
  Placements out{options.out_of_place, options.inplace, std::nullopt};
  if (!options.inplace) return out;
  out.inplace_skipped = backend.inplace_unsupported(collective);
  if (out.inplace_skipped) {
    // `--inplace` alone on such a collective still measures it, out of place, with the note.
    out.inplace = false;
    out.out_of_place = true;
  }
  return out;
}

nlohmann::json skipped_placements(const RunOptions& options, const Backend& backend) {
  nlohmann::json out = nlohmann::json::array();
  for (Collective id : options.collectives) {
    if (auto why = placements_for(options, backend, id).inplace_skipped) {
      out.push_back({{"collective", std::string(collective_spec(id).name)},
                     {"placement", "in-place"},
                     {"reason", *why}});
    }
  }
  return out;
}

Measurement::Measurement(Runtime& runtime, Backend& backend, const RunOptions& options,
                         std::vector<ResultSink*> sinks)
    : runtime_(runtime),
      backend_(backend),
      options_(options),
      sinks_(std::move(sinks)),
      local_ranks_(backend.local_ranks()),
      nranks_(runtime.size() * backend.local_ranks()),
      sizes_(sweep_sizes(options.sweep)) {}

int64_t Measurement::run() {
  int64_t wrong = 0;
  for (int cycle = 0; cycle < options_.run_cycles; ++cycle) {
    for (Collective id : options_.collectives) {
      const CollectiveSpec& spec = collective_spec(id);
      for (DType dtype : options_.dtypes) {
        const std::vector<RedOp> ops =
            spec.uses_op ? options_.ops : std::vector<RedOp>{options_.ops.front()};
        for (RedOp op : ops) {
          wrong += run_group({&spec, dtype, op, spec.uses_root ? options_.root : -1, cycle});
        }
      }
    }
  }
  return wrong;
}

// One pair per local rank; recv is large enough for either placement.
struct Measurement::Buffers {
  std::vector<Buffer> send;
  std::vector<Buffer> recv;
};

double Measurement::pick_time(const SyncValues& combined) const {
  switch (options_.timing) {
    case TimingRule::kRank0:
      return combined.sum[kRank0Slot];
    case TimingRule::kAverage:
      return combined.sum[kTimeSlot] / runtime_.size();  // per process
    case TimingRule::kMin:
      return combined.min[kTimeSlot];
    case TimingRule::kMax:
      return combined.max[kTimeSlot];
  }
  return combined.max[kTimeSlot];
}

int64_t Measurement::run_group(const Group& group) {
  const DTypeInfo& info = dtype_info(group.dtype);
  const int n = nranks_;
  const auto elt = static_cast<int64_t>(info.size);

  std::vector<BufferLayout> layouts;
  int64_t send_max = 0;
  int64_t recv_max = 0;
  for (int64_t bytes : sizes_) {
    layouts.push_back(group.spec->layout(bytes / elt, info.size, n));
    send_max = std::max(send_max, layouts.back().send_count);
    recv_max = std::max(recv_max, layouts.back().recv_count);
  }
  Memory& memory = backend_.memory();
  Buffers buffers;
  for (int local = 0; local < local_ranks_; ++local) {
    buffers.send.push_back(memory.allocate(static_cast<std::size_t>(send_max * elt), local));
    buffers.recv.push_back(
        memory.allocate(static_cast<std::size_t>(std::max(send_max, recv_max) * elt), local));
  }

  const Placements placements = placements_for(options_, backend_, group.spec->id);
  const GroupInfo header{std::string(group.spec->name),
                         std::string(info.name),
                         redop_label(*group.spec, group.op),
                         group.root,
                         placements.out_of_place,
                         placements.inplace,
                         ceiling_GBps_,
                         placements.inplace_skipped.value_or("")};
  for (ResultSink* sink : sinks_) sink->begin_group(header);
  int64_t wrong = 0;
  for (const BufferLayout& layout : layouts) {
    std::vector<ResultRecord> row;
    if (placements.out_of_place) row.push_back(measure(group, buffers, layout, false));
    if (placements.inplace) row.push_back(measure(group, buffers, layout, true));
    for (const ResultRecord& record : row) wrong += std::max<int64_t>(record.wrong, 0);
    for (ResultSink* sink : sinks_) sink->add(row);
  }
  for (ResultSink* sink : sinks_) sink->end_group();
  return wrong;
}

// One size and placement: inputs, warm-up, the timed samples, then (in place) a fresh verified
// operation, reduced to one record.
ResultRecord Measurement::measure(const Group& group, Buffers& buffers, const BufferLayout& layout,
                                  bool inplace) {
  PlacedOperation op(backend_, *group.spec, group.dtype, group.op, group.root < 0 ? 0 : group.root,
                     layout, inplace, buffers.send, buffers.recv, global_rank(0), nranks_);
  op.fill_inputs();
  runtime_.progress().enter(op.label() + " warm-up");
  for (int i = 0; i < options_.warmup_iters; ++i) backend_.run(op.args());
  backend_.complete();

  Samples samples = time_samples(op);
  if (options_.check > 0 && inplace) samples.wrong += verify_fresh_operation(op);
  return make_record(group, layout, inplace, op.args(), samples);
}

// The timed loop, as plain as OSU's: per sample, synchronise, start the clock, issue the
// operations, stop the clock, complete them; verification and the reduction of times over ranks
// happen after the clock stops.
Measurement::Samples Measurement::time_samples(PlacedOperation& op) {
  const bool check = options_.check > 0 && !op.args().inplace;
  const int ops_per_sample = options_.iters * options_.agg_iters;
  std::unique_ptr<SampleTimer> timer = backend_.make_timer();
  // -G: the sample's operations are captured once and the capture launched -G times per sample.
  std::unique_ptr<CapturedOps> graph;
  if (options_.cudagraph > 0) {
    runtime_.progress().enter(op.label() + " graph capture");
    graph = backend_.capture(op.args(), ops_per_sample);
  }
  const int launches = graph ? options_.cudagraph : 1;

  Samples out;
  double timed_seconds = 0;  // the row's timed work so far, the same on every rank
  auto take_sample = [&](int index) {
    const std::string sample = op.label() + " sample " + std::to_string(index + 1);
    if (check) op.poison_outputs();
    runtime_.barrier("the start of " + sample);
    runtime_.progress().enter(sample);

    timer->start();
    if (graph) {
      for (int l = 0; l < launches; ++l) graph->launch();
    } else {
      for (int i = 0; i < ops_per_sample; ++i) {
        backend_.run(op.args());
        if (options_.blocking) backend_.complete();
      }
    }
    timer->stop();
    backend_.complete();

    const double seconds = timer->seconds() / (static_cast<double>(ops_per_sample) * launches);
    // Out of place, the output of the sample's last operation is verified: the timed work itself.
    const int64_t wrong = check ? op.count_wrong() : 0;
    SyncValues mine;
    mine.max[kTimeSlot] = mine.min[kTimeSlot] = mine.sum[kTimeSlot] = seconds;
    mine.sum[kRank0Slot] = runtime_.is_root() ? seconds : 0.0;
    mine.sum[kWrongSlot] = static_cast<double>(wrong);
    const SyncValues combined = runtime_.sync(mine, "the end of " + sample);
    out.times_us.push_back(pick_time(combined) * 1e6);
    out.fastest_us.push_back(combined.min[kTimeSlot] * 1e6);
    out.wrong += static_cast<int64_t>(combined.sum[kWrongSlot]);
    timed_seconds += combined.max[kTimeSlot] * ops_per_sample * launches;
  };
  int taken = 0;
  for (; taken < options_.repeat; ++taken) take_sample(taken);
  // Adaptive sampling: an unstable row takes more samples, one at a time, until it is stable or
  // its --max-repeat or --max-row-time budget is spent. A stable row costs nothing more.
  while (taken < options_.max_repeat && timed_seconds < options_.max_row_time_s &&
         wants_more_samples(out.times_us, "more samples of " + op.label())) {
    take_sample(taken++);
  }
  return out;
}

// Whether every rank agrees that the row is still unstable. Each rank judges the samples it has
// (the same values everywhere, from sync), and one more sync settles rounding differences so no
// rank takes a sample the others do not.
bool Measurement::wants_more_samples(const std::vector<double>& times_us, const std::string& what) {
  const std::optional<bool> stable = assess_stability(times_us).stable;
  SyncValues vote;
  vote.max[kTimeSlot] = stable.has_value() && !*stable ? 1.0 : 0.0;
  return runtime_.sync(vote, what).max[kTimeSlot] > 0;
}

// In place, the timed operations overwrite their own input: verify one fresh operation.
int64_t Measurement::verify_fresh_operation(PlacedOperation& op) {
  op.poison_buffers();
  op.fill_inputs();
  runtime_.progress().enter(op.label() + " verification");
  backend_.run(op.args());
  backend_.complete();
  SyncValues mine;
  mine.sum[kWrongSlot] = static_cast<double>(op.count_wrong());
  return static_cast<int64_t>(runtime_.sync(mine, op.label() + " verification").sum[kWrongSlot]);
}

ResultRecord Measurement::make_record(const Group& group, const BufferLayout& layout, bool inplace,
                                      const OpArgs& args, const Samples& samples) const {
  const CollectiveSpec& spec = *group.spec;
  const DTypeInfo& info = dtype_info(group.dtype);
  ResultRecord r;
  r.collective = std::string(spec.name);
  r.backend = std::string(backend_.name());
  r.dtype = std::string(info.name);
  r.redop = redop_label(spec, group.op);
  r.root = group.root;
  r.bytes = reported_bytes(layout, info.size);
  r.count = layout.param_count;
  r.nranks = nranks_;
  r.inplace = inplace;
  r.memory = std::string(memory_kind_name(backend_.memory().kind()));
  r.iters = options_.iters;
  r.warmup_iters = options_.warmup_iters;
  r.repeat = options_.repeat;
  r.cycle = group.cycle;
  r.timing = timing_rule_name(options_.timing);
  r.samples_us = samples.times_us;
  r.time_us = median(samples.times_us);
  r.time_us_min = *std::min_element(samples.times_us.begin(), samples.times_us.end());
  r.time_us_max = *std::max_element(samples.times_us.begin(), samples.times_us.end());
  r.fastest_rank_time_us = median(samples.fastest_us);
  r.stability = assess_stability(samples.times_us);
  r.bus_factor = spec.bus_factor(nranks_);
  r.algbw_GBps = r.time_us > 0 ? static_cast<double>(r.bytes) / (r.time_us * 1e3) : 0.0;
  r.busbw_GBps = r.algbw_GBps * r.bus_factor;
  r.wrong = options_.check > 0 ? samples.wrong : -1;
  r.ceiling_GBps = ceiling_GBps_;
  r.algorithm = backend_.algorithm(args);
  return r;
}

}  // namespace collbench
