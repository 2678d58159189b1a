#pragma once
// The collectives collbench measures, as a table of small descriptions: how a byte count becomes
// buffer sizes, the bus-bandwidth factor, and what each rank's output holds. Adding a collective
// is one enumerator, one row in collective.cpp and one row in each backend's dispatch table; the
// compiler refuses a dispatch table whose rows are missing or out of order, and tests/unit checks
// the collective table and the JSON Schema against the enumeration.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/pattern.hpp"

namespace collbench {

enum class Collective : uint8_t {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kAllToAll,
  kBroadcast,
  kReduce,
  kSendRecv,
};
// The one count of collectives: every table indexed by Collective has this many rows.
inline constexpr std::size_t kCollectiveCount = static_cast<std::size_t>(Collective::kSendRecv) + 1;
constexpr std::size_t collective_index(Collective id) {
  return static_cast<std::size_t>(id);
}

// A table with one row per collective, in enumeration order (backends' dispatch tables). Declare
// it constexpr and `static_assert(in_collective_order(table))`.
template <typename T>
struct CollectiveRow {
  Collective id;
  T value;
};
template <typename T>
using CollectiveTable = std::array<CollectiveRow<T>, kCollectiveCount>;
template <typename T>
consteval bool in_collective_order(const CollectiveTable<T>& table) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (collective_index(table[i].id) != i) return false;
  }
  return true;
}

// Element counts of one operation, following nccl-tests' getCollByteCount so a row of ours and a
// row of theirs describe the same operation. In place, the send data sits at
// recv + send_inplace_offset * rank and the output at recv + recv_inplace_offset * rank.
struct BufferLayout {
  int64_t send_count = 0;
  int64_t recv_count = 0;
  int64_t param_count = 0;  // the count handed to the library call
  int64_t send_inplace_offset = 0;
  int64_t recv_inplace_offset = 0;
};

// What one rank must verify after an operation: `count` elements at `offset` in its output
// buffer, described by `map`.
struct OutputCheck {
  int64_t offset = 0;
  int64_t count = 0;
  OutputMap map{};
};

struct CollectiveSpec {
  Collective id;
  std::string_view name;                  // canonical, used in JSON and tables
  std::vector<std::string_view> aliases;  // nccl-tests' spellings and others
  bool uses_root;
  bool uses_op;                         // reduces (else moves data)
  std::string_view bus_factor_formula;  // for docs and --help

  double (*bus_factor)(int nranks);
  BufferLayout (*layout)(int64_t count, std::size_t elt_size, int nranks);
  // The output to check on `rank` for an out-of-place operation. In-place operations check the
  // same region shifted by recv_inplace_offset * rank (see output_check()).
  OutputCheck (*out_of_place_output)(const BufferLayout&, int rank, int nranks, int root);
};

std::span<const CollectiveSpec> all_collectives();
const CollectiveSpec& collective_spec(Collective id);
std::optional<Collective> parse_collective(std::string_view text);
std::string collective_names();

// Bytes of the size column (nccl-tests: max of send and receive bytes).
int64_t reported_bytes(const BufferLayout& layout, std::size_t elt_size);

// The output region to verify. In place, the output starts `inplace_output_offset` elements into
// the buffer: nccl-tests' recv_inplace_offset * rank unless the backend's library differs.
OutputCheck output_check(const CollectiveSpec& spec, const BufferLayout& layout, int rank,
                         int nranks, int root, std::optional<int64_t> inplace_output_offset);

// The pattern the inputs follow for this collective.
Pattern input_pattern(const CollectiveSpec& spec, RedOp op, int nranks, int64_t exact_limit);

}  // namespace collbench
