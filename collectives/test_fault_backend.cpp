// Test-only backends that wrap the mpi backend and misbehave on one rank, so the tests can prove
// the checker and the timeouts work: a checker that never fails proves nothing.
//   test-corrupt  flips one bit of the first output element after every operation
//   test-stall    never returns from complete(): the other ranks reach the harness's sync and
//                 the root names the missing rank. With COLLBENCH_TEST_STALL_MIN_RANKS=K only in
//                 groups of K ranks or more (validate: a node that hangs after the node phase)
//   test-hang     never returns from run(): every rank is blocked inside a collective and the
//                 watchdog ends the run
//   test-slow     sleeps 20 ms inside every operation: a slow GPU, NIC or link, for validate
//   test-no-inplace  declares all_to_all and sendrecv unsupported in place, as NCCL's are, and
//                 corrupts the output on the faulty rank if the harness runs them in place
//                 anyway: an undefined placement must never produce a row
// --fault-rank names the rank as a rank of the whole job, so the fault stays on one rank when
// `collbench validate` runs the backend on groups of ranks.
#include <array>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "collectives/backend.hpp"
#include "collectives/backends.hpp"
#include "runtime/runtime.hpp"

namespace collbench {
namespace {

enum class Fault { kCorrupt, kStall, kHang, kSlow, kNoInplace };

constexpr auto kSlowDelay = std::chrono::milliseconds(20);

class FaultBackend final : public Backend {
 public:
  FaultBackend(std::unique_ptr<Backend> inner, Fault fault, bool faulty, int rank)
      : inner_(std::move(inner)), fault_(fault), faulty_(faulty), rank_(rank) {}

  std::string_view name() const override { return inner_->name(); }
  Memory& memory() override { return inner_->memory(); }
  std::optional<std::string> unsupported(Collective c, DType d, RedOp o) const override {
    return inner_->unsupported(c, d, o);
  }
  std::optional<std::string> inplace_unsupported(Collective c) const override {
    if (fault_ == Fault::kNoInplace && (c == Collective::kAllToAll || c == Collective::kSendRecv)) {
      return "test-no-inplace: " + std::string(collective_spec(c).name) + " is undefined in place";
    }
    return inner_->inplace_unsupported(c);
  }
  int64_t inplace_output_offset(const CollectiveSpec& spec, const BufferLayout& layout,
                                int rank) const override {
    return inner_->inplace_output_offset(spec, layout, rank);
  }
  void describe(nlohmann::json& record) const override { inner_->describe(record); }

  void run(const OpArgs& args) override {
    if (faulty_ && fault_ == Fault::kHang) stall_forever();
    if (faulty_ && fault_ == Fault::kSlow) std::this_thread::sleep_for(kSlowDelay);
    inner_->run(args);
    const bool undefined = fault_ == Fault::kNoInplace && args.inplace &&
                           inplace_unsupported(args.collective).has_value();
    if (faulty_ && (fault_ == Fault::kCorrupt || undefined) && args.layout.recv_count > 0) {
      const CollectiveSpec& spec = collective_spec(args.collective);
      const int64_t offset = args.inplace
                                 ? inner_->inplace_output_offset(spec, args.layout, rank_) -
                                       args.layout.recv_inplace_offset * rank_
                                 : 0;
      auto* bytes = static_cast<unsigned char*>(args.recv[0]) +
                    offset * static_cast<int64_t>(dtype_info(args.dtype).size);
      bytes[0] ^= 0x01;
    }
  }

  void complete() override {
    inner_->complete();
    if (faulty_ && fault_ == Fault::kStall) stall_forever();
  }

 private:
  [[noreturn]] static void stall_forever() {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }

  std::unique_ptr<Backend> inner_;
  Fault fault_;
  bool faulty_;
  int rank_;
};

// --fault-rank: the job rank that misbehaves (-1: the last rank of each group).
constexpr BackendOption kFaultRank{
    "fault-rank", "test-* backends: the misbehaving rank",
    "-1",         "",
    true,         [](const std::string& value) { return check_whole_number(value, -1, 1 << 30); }};
// test-stall stalls only in groups of at least this many ranks (0: any), so a test can let
// validate's node phase finish and stall a later one.
constexpr BackendOption kStallMinRanks{
    "stall-min-ranks",
    "test-stall: stall only in groups of at least N ranks",
    "0",
    "COLLBENCH_TEST_STALL_MIN_RANKS",
    true,
    [](const std::string& value) { return check_whole_number(value, 0, 1 << 30); }};
constexpr std::array<BackendOption, 2> kFaultOptions{kFaultRank, kStallMinRanks};

BackendEntry fault_entry(std::string_view name, std::string_view description, Fault fault) {
  return {name, description,
          [](const BackendConfig&) -> std::optional<std::string> { return std::nullopt; },
          [fault](Runtime& runtime, const BackendConfig& config) -> std::unique_ptr<Backend> {
            const int fault_rank = static_cast<int>(config.options.integer(kFaultRank));
            bool faulty = fault_rank >= 0 ? runtime.job_rank() == fault_rank
                                          : runtime.rank() == runtime.size() - 1;
            // test-stall on groups of at least N ranks only (validate's later phases).
            if (fault == Fault::kStall) {
              faulty = faulty && runtime.size() >= config.options.integer(kStallMinRanks);
            }
            BackendConfig inner = config;
            inner.options = {};  // the wrapped mpi backend has no test options
            return std::make_unique<FaultBackend>(create_backend("mpi", runtime, inner), fault,
                                                  faulty, runtime.rank());
          },
          kFaultOptions};
}

}  // namespace

std::vector<BackendEntry> test_fault_backend_entries() {
  return {
      fault_entry("test-corrupt", "mpi, with one bit flipped on one rank", Fault::kCorrupt),
      fault_entry("test-stall", "mpi, with one rank stuck after its operations", Fault::kStall),
      fault_entry("test-hang", "mpi, with one rank stuck inside an operation", Fault::kHang),
      fault_entry("test-slow", "mpi, with one rank 20 ms late in every operation", Fault::kSlow),
      fault_entry("test-no-inplace", "mpi, with in-place all_to_all and sendrecv undefined",
                  Fault::kNoInplace)};
}

}  // namespace collbench
