#include "collectives/collective.hpp"

#include "core/named_table.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace collbench {
namespace {

// nccl-tests rounds per-rank counts down to a multiple of 16 bytes for collectives that split.
int64_t split_count(int64_t count, std::size_t elt, int nranks) {
  const int64_t per_rank = count / nranks;
  const int64_t align = static_cast<int64_t>(16 / std::min<std::size_t>(elt, 16));
  return per_rank & ~(align - 1);
}

BufferLayout whole_layout(int64_t count, std::size_t, int) {
  return {count, count, count, 0, 0};
}

BufferLayout all_gather_layout(int64_t count, std::size_t elt, int nranks) {
  const int64_t base = split_count(count, elt, nranks);
  return {base, base * nranks, base, base, 0};
}

BufferLayout reduce_scatter_layout(int64_t count, std::size_t elt, int nranks) {
  const int64_t base = split_count(count, elt, nranks);
  return {base * nranks, base, base, 0, base};
}

BufferLayout all_to_all_layout(int64_t count, std::size_t elt, int nranks) {
  const int64_t base = split_count(count, elt, nranks);
  return {base * nranks, base * nranks, base, 0, 0};
}

double factor_one(int) {
  return 1.0;
}
double factor_all_reduce(int n) {
  return 2.0 * (n - 1) / n;
}
double factor_n_minus_one(int n) {
  return static_cast<double>(n - 1) / n;
}

OutputMap reduce_map(int64_t index_offset) {
  return {true, SourceRank::kFixed, 0, 0, index_offset};
}
OutputMap move_map(SourceRank rule, int32_t value, int64_t block, int64_t index_offset) {
  return {false, rule, value, block, index_offset};
}

OutputCheck all_reduce_out(const BufferLayout& l, int, int, int) {
  return {0, l.recv_count, reduce_map(0)};
}
OutputCheck all_gather_out(const BufferLayout& l, int, int, int) {
  return {0, l.recv_count, move_map(SourceRank::kBlock, 0, l.param_count, 0)};
}
OutputCheck reduce_scatter_out(const BufferLayout& l, int rank, int, int) {
  return {0, l.recv_count, reduce_map(l.param_count * rank)};
}
OutputCheck all_to_all_out(const BufferLayout& l, int rank, int, int) {
  return {0, l.recv_count, move_map(SourceRank::kBlock, 0, l.param_count, l.param_count * rank)};
}
// The root's output of a broadcast is its own input; libraries differ on whether they also copy
// it into the root's receive buffer out of place, so only the other ranks are checked.
OutputCheck broadcast_out(const BufferLayout& l, int rank, int, int root) {
  return {0, rank == root ? 0 : l.recv_count, move_map(SourceRank::kFixed, root, 0, 0)};
}
OutputCheck reduce_out(const BufferLayout& l, int rank, int, int root) {
  return {0, rank == root ? l.recv_count : 0, reduce_map(0)};
}
OutputCheck sendrecv_out(const BufferLayout& l, int, int, int) {
  return {0, l.recv_count, move_map(SourceRank::kShift, -1, 0, 0)};
}

// A function-local table: safe to use from other static initialisers (benchmark registration).
const std::array<CollectiveSpec, kCollectiveCount>& collective_table() {
  static const std::array<CollectiveSpec, kCollectiveCount> table = {{
      {Collective::kAllReduce,
       "all_reduce",
       {"allreduce"},
       false,
       true,
       "2(n-1)/n",
       factor_all_reduce,
       whole_layout,
       all_reduce_out},
      {Collective::kAllGather,
       "all_gather",
       {"allgather"},
       false,
       false,
       "(n-1)/n",
       factor_n_minus_one,
       all_gather_layout,
       all_gather_out},
      {Collective::kReduceScatter,
       "reduce_scatter",
       {"reducescatter"},
       false,
       true,
       "(n-1)/n",
       factor_n_minus_one,
       reduce_scatter_layout,
       reduce_scatter_out},
      {Collective::kAllToAll,
       "all_to_all",
       {"alltoall", "a2a"},
       false,
       false,
       "(n-1)/n",
       factor_n_minus_one,
       all_to_all_layout,
       all_to_all_out},
      {Collective::kBroadcast,
       "broadcast",
       {"bcast"},
       true,
       false,
       "1",
       factor_one,
       whole_layout,
       broadcast_out},
      {Collective::kReduce, "reduce", {}, true, true, "1", factor_one, whole_layout, reduce_out},
      {Collective::kSendRecv,
       "sendrecv",
       {"send_recv", "p2p"},
       false,
       false,
       "1",
       factor_one,
       whole_layout,
       sendrecv_out},
  }};
  return table;
}

}  // namespace

std::span<const CollectiveSpec> all_collectives() {
  return collective_table();
}

const CollectiveSpec& collective_spec(Collective id) {
  return collective_table().at(collective_index(id));
}

std::optional<Collective> parse_collective(std::string_view text) {
  std::string key = lowercase(text);
  // nccl-tests' binaries are named <collective>_perf; accept that spelling too.
  if (key.size() > 5 && key.ends_with("_perf")) key.resize(key.size() - 5);
  const CollectiveSpec* spec = find_by_name(all_collectives(), key);
  return spec ? std::optional<Collective>(spec->id) : std::nullopt;
}

std::string collective_names() {
  return join_names(all_collectives());
}

int64_t reported_bytes(const BufferLayout& layout, std::size_t elt_size) {
  return std::max(layout.send_count, layout.recv_count) * static_cast<int64_t>(elt_size);
}

OutputCheck output_check(const CollectiveSpec& spec, const BufferLayout& layout, int rank,
                         int nranks, int root, std::optional<int64_t> inplace_output_offset) {
  OutputCheck check = spec.out_of_place_output(layout, rank, nranks, root);
  if (inplace_output_offset) check.offset += *inplace_output_offset;
  return check;
}

Pattern input_pattern(const CollectiveSpec& spec, RedOp op, int nranks, int64_t exact_limit) {
  return make_pattern(spec.uses_op ? PatternKind::kReduce : PatternKind::kMove, op, nranks,
                      exact_limit);
}

}  // namespace collbench
