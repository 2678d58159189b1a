// MPI control plane. sync() is a binary-tree reduce-then-broadcast of a fixed-size record over
// point-to-point messages, polled against a deadline: O(log n) steps and O(1) messages per rank,
// and when it times out each waiting rank knows exactly which children never arrived.
#include "runtime/mpi_runtime.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime_env.hpp"

namespace collbench {
namespace {

constexpr int kTagUp = 101;
constexpr int kTagDown = 102;
constexpr int kTagReport = 103;
constexpr int kMaxReported = 8;
constexpr int kHostNameBytes = 64;

// What a rank that timed out tells the root: the children it waited for in vain.
struct TimeoutReport {
  int reporter;
  int count;
  int ranks[kMaxReported];
};

}  // namespace

MpiRuntime::MpiRuntime(int* argc, char*** argv, double timeout_s)
    : Runtime(std::make_unique<ProgressMonitor>(timeout_s, launcher_rank() <= 0)),
      timeout_s_(timeout_s) {
  identity_.host = local_hostname();
  progress_->enter("MPI start-up (MPI_Init_thread)");
  // MPI_THREAD_SINGLE, as OSU and IMB initialise: the watchdog thread never calls MPI (it only
  // prints and _exits), and asking for MPI_THREAD_FUNNELED costs Open MPI 4.1 about 0.2 us per
  // small MPI_Allreduce here (docs/mpi-timing.md), which would skew every latency we report.
  int provided = 0;
  CB_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_SINGLE, &provided), identity_);
  CB_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), identity_);
  CB_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &job_rank_), identity_);
  set_up(MPI_COMM_WORLD);
  progress_->set_identity(identity_);
}

MpiRuntime::MpiRuntime(const MpiRuntime& parent, MPI_Comm group)
    : Runtime(parent.progress_), timeout_s_(parent.timeout_s_) {
  identity_.host = parent.identity_.host;
  identity_.rank = parent.identity_.rank;  // until set_up() knows the group rank
  job_rank_ = parent.job_rank_;
  rank_namer_ = parent.rank_namer_;
  set_up(group);
}

void MpiRuntime::set_up(MPI_Comm world) {
  world_ = world;
  CB_MPI(MPI_Comm_rank(world_, &identity_.rank), identity_);
  CB_MPI(MPI_Comm_size(world_, &identity_.size), identity_);
  control_ = duplicate_world();
  progress_->enter("start-up (gathering host names)");
  gather_hosts();
}

MpiRuntime::~MpiRuntime() {
  if (leaders_ != MPI_COMM_NULL) MPI_Comm_free(&leaders_);
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
  if (control_ != MPI_COMM_NULL) MPI_Comm_free(&control_);
  if (world_ != MPI_COMM_WORLD && world_ != MPI_COMM_NULL) {
    MPI_Comm_free(&world_);
    return;  // a group: the job's runtime finalizes MPI
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::unique_ptr<Runtime> MpiRuntime::split(int color, int key, const std::string& what) {
  progress_->enter(what);
  MPI_Comm group = MPI_COMM_NULL;
  CB_MPI(MPI_Comm_split(world_, color == kNoGroup ? MPI_UNDEFINED : color, key, &group), identity_);
  if (group == MPI_COMM_NULL) return nullptr;
  CB_MPI(MPI_Comm_set_errhandler(group, MPI_ERRORS_RETURN), identity_);
  return std::unique_ptr<Runtime>(new MpiRuntime(*this, group));
}

std::vector<std::string> MpiRuntime::gather_strings(const std::string& mine,
                                                    const std::string& what) {
  progress_->enter(what);
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(identity_.rank == 0 ? identity_.size : 0);
  CB_MPI(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, control_), identity_);
  std::vector<int> offsets(lengths.size());
  int total = 0;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    offsets[i] = total;
    total += lengths[i];
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  CB_MPI(MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                     MPI_CHAR, 0, control_),
         identity_);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lengths.size(); ++i)
    out.push_back(all.substr(offsets[i], lengths[i]));
  return out;
}

void MpiRuntime::broadcast_string(std::string& text, const std::string& what) {
  progress_->enter(what);
  unsigned long long length = text.size();
  CB_MPI(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, control_), identity_);
  text.resize(length);
  CB_MPI(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, 0, control_), identity_);
}

MPI_Comm MpiRuntime::duplicate_world() const {
  MPI_Comm comm = MPI_COMM_NULL;
  CB_MPI(MPI_Comm_dup(world_, &comm), identity_);
  CB_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), identity_);
  return comm;
}

// Splits the ranks by node once; the first rank of each node joins the leaders' communicator.
void MpiRuntime::gather_hosts() {
  CB_MPI(MPI_Comm_split_type(control_, MPI_COMM_TYPE_SHARED, identity_.rank, MPI_INFO_NULL, &node_),
         identity_);
  CB_MPI(MPI_Comm_rank(node_, &local_rank_), identity_);
  CB_MPI(MPI_Comm_size(node_, &local_size_), identity_);
  CB_MPI(MPI_Comm_split(control_, local_rank_ == 0 ? 0 : MPI_UNDEFINED, identity_.rank, &leaders_),
         identity_);
  // A leader's rank among the leaders numbers its node; the node's other ranks learn it from it.
  int numbering[2] = {0, 0};
  if (leaders_ != MPI_COMM_NULL) {
    CB_MPI(MPI_Comm_rank(leaders_, &numbering[0]), identity_);
    CB_MPI(MPI_Comm_size(leaders_, &numbering[1]), identity_);
  }
  CB_MPI(MPI_Bcast(numbering, 2, MPI_INT, 0, node_), identity_);
  node_index_ = numbering[0];
  node_count_ = numbering[1];
  const std::string mine =
      identity_.host.substr(0, kHostNameBytes - 1) + '\0' + std::to_string(local_size_);
  for (const std::string& record : gather_from_nodes(mine, kHostNameBytes + 16)) {
    const std::string name = record.substr(0, record.find('\0'));
    const std::size_t count_at = record.find('\0') + 1;
    hosts_.push_back({name, std::atoi(record.c_str() + count_at)});
  }
}

std::vector<std::string> MpiRuntime::gather_from_nodes(const std::string& mine, std::size_t bytes) {
  if (leaders_ == MPI_COMM_NULL) return {};
  int nleaders = 0;
  int leader_rank = 0;
  CB_MPI(MPI_Comm_size(leaders_, &nleaders), identity_);
  CB_MPI(MPI_Comm_rank(leaders_, &leader_rank), identity_);
  std::string record = mine.substr(0, bytes);
  record.resize(bytes, '\0');
  std::string all(leader_rank == 0 ? bytes * static_cast<std::size_t>(nleaders) : 0, '\0');
  CB_MPI(MPI_Gather(record.data(), static_cast<int>(bytes), MPI_BYTE, all.data(),
                    static_cast<int>(bytes), MPI_BYTE, 0, leaders_),
         identity_);
  std::vector<std::string> out;
  for (int i = 0; leader_rank == 0 && i < nleaders; ++i)
    out.push_back(all.substr(i * bytes, bytes));
  return out;
}

SyncValues MpiRuntime::sync(const SyncValues& mine, const std::string& what) {
  progress_->enter_polled(what);
  const int me = identity_.rank;
  const int n = identity_.size;
  const int parent = me == 0 ? -1 : (me - 1) / 2;
  std::vector<int> children;
  for (int c : {2 * me + 1, 2 * me + 2}) {
    if (c < n) children.push_back(c);
  }
  constexpr int kWords = static_cast<int>(sizeof(SyncValues) / sizeof(double));
  std::vector<SyncValues> from_children(children.size());
  std::vector<MPI_Request> up(children.size(), MPI_REQUEST_NULL);
  for (std::size_t i = 0; i < children.size(); ++i) {
    CB_MPI(MPI_Irecv(&from_children[i], kWords, MPI_DOUBLE, children[i], kTagUp, control_, &up[i]),
           identity_);
  }

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  // Tests each request on its own: MPI_Test frees a completed request (sets it to
  // MPI_REQUEST_NULL), so after a timeout the requests still pending name the missing ranks.
  auto wait_all = [&](std::vector<MPI_Request>& requests) {
    for (;;) {
      bool all_done = true;
      for (MPI_Request& request : requests) {
        if (request == MPI_REQUEST_NULL) continue;
        int done = 0;
        CB_MPI(MPI_Test(&request, &done, MPI_STATUS_IGNORE), identity_);
        all_done = all_done && done;
      }
      if (all_done) return true;
      if (timeout_s_ > 0 && std::chrono::steady_clock::now() > deadline) return false;
      sched_yield();  // polling ranks share cores with the ranks they wait for
    }
  };

  if (!wait_all(up)) {
    std::vector<int> missing;
    for (std::size_t i = 0; i < children.size(); ++i) {
      if (up[i] != MPI_REQUEST_NULL) missing.push_back(children[i]);
    }
    report_timeout(what, missing);
  }
  SyncValues result = mine;
  for (const SyncValues& v : from_children) result = combine(result, v);

  if (parent >= 0) {
    MPI_Request requests[2];
    CB_MPI(MPI_Isend(&result, kWords, MPI_DOUBLE, parent, kTagUp, control_, &requests[0]),
           identity_);
    CB_MPI(MPI_Irecv(&result, kWords, MPI_DOUBLE, parent, kTagDown, control_, &requests[1]),
           identity_);
    std::vector<MPI_Request> pending(requests, requests + 2);
    if (!wait_all(pending)) report_timeout(what, {});
  }
  std::vector<MPI_Request> down(children.size(), MPI_REQUEST_NULL);
  for (std::size_t i = 0; i < children.size(); ++i) {
    CB_MPI(MPI_Isend(&result, kWords, MPI_DOUBLE, children[i], kTagDown, control_, &down[i]),
           identity_);
  }
  if (!wait_all(down)) report_timeout(what, {});
  return result;
}

void MpiRuntime::report_timeout(const std::string& what, const std::vector<int>& missing) {
  const double grace = timeout_grace_seconds(timeout_s_);
  const std::string head = "collbench: error: timeout: no progress for " +
                           std::to_string(static_cast<int>(timeout_s_)) + " s at " + what;
  if (identity_.rank != 0) {
    // Tell the root which children never arrived, then leave it time to end the run.
    if (!missing.empty()) {
      TimeoutReport report{identity_.rank, static_cast<int>(missing.size()), {}};
      for (int i = 0; i < std::min<int>(report.count, kMaxReported); ++i) {
        report.ranks[i] = missing[static_cast<std::size_t>(i)];
      }
      MPI_Request request;
      if (MPI_Isend(&report, sizeof report, MPI_BYTE, 0, kTagReport, control_, &request) ==
          MPI_SUCCESS) {
        MPI_Request_free(&request);
      }
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(3 * grace);
    while (std::chrono::steady_clock::now() < until) {
      int flag = 0;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, control_, &flag, MPI_STATUS_IGNORE);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    MPI_Abort(MPI_COMM_WORLD, kExitRuntime);
    std::_Exit(kExitRuntime);
  }
  // Root: collect reports for a grace period. A rank that reported is alive and waiting, so it
  // is not the culprit even if its own parent missed it.
  std::vector<int> suspects = missing;
  std::vector<int> alive;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace);
  while (std::chrono::steady_clock::now() < until) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagReport, control_, &flag, &status);
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    TimeoutReport report{};
    MPI_Recv(&report, sizeof report, MPI_BYTE, status.MPI_SOURCE, kTagReport, control_,
             MPI_STATUS_IGNORE);
    alive.push_back(report.reporter);
    for (int i = 0; i < std::min(report.count, kMaxReported); ++i)
      suspects.push_back(report.ranks[i]);
  }
  std::sort(suspects.begin(), suspects.end());
  suspects.erase(std::unique(suspects.begin(), suspects.end()), suspects.end());
  std::erase_if(suspects,
                [&](int r) { return std::find(alive.begin(), alive.end(), r) != alive.end(); });
  // Name them as job ranks: in a group (collbench validate), group rank 1 may be job rank 17.
  std::vector<int> job_ranks(suspects.size(), MPI_UNDEFINED);
  MPI_Group mine = MPI_GROUP_NULL;
  MPI_Group job = MPI_GROUP_NULL;
  if (!suspects.empty() && MPI_Comm_group(world_, &mine) == MPI_SUCCESS &&
      MPI_Comm_group(MPI_COMM_WORLD, &job) == MPI_SUCCESS) {
    MPI_Group_translate_ranks(mine, static_cast<int>(suspects.size()), suspects.data(), job,
                              job_ranks.data());
  }
  std::string names;
  for (std::size_t i = 0; i < suspects.size() && i < 16; ++i) {
    const int job_rank = job_ranks[i] == MPI_UNDEFINED ? suspects[i] : job_ranks[i];
    names += (i ? ", " : "") + name_job_rank(job_rank);
  }
  if (suspects.size() > 16) names += " and " + std::to_string(suspects.size() - 16) + " more";
  const std::string tail = suspects.empty()
                               ? " (every rank the root waited for arrived; a rank further down "
                                 "the tree is stuck)"
                               : "; ranks that never arrived: " + names;
  std::fprintf(stderr, "%s%s\n", head.c_str(), tail.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  MPI_Abort(MPI_COMM_WORLD, kExitRuntime);
  std::_Exit(kExitRuntime);
}

std::string MpiRuntime::library_version() const {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  CB_MPI(MPI_Get_library_version(text, &length), identity_);
  std::string version(text, static_cast<std::size_t>(length));
  // Keep the first line: Open MPI appends build details after a comma and newline.
  while (!version.empty() && (version.back() == '\n' || version.back() == '\0')) version.pop_back();
  if (auto nl = version.find('\n'); nl != std::string::npos) version.resize(nl);
  return version;
}

void MpiRuntime::abort(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

MpiRuntime& require_mpi_runtime(Runtime& runtime, std::string_view backend) {
  auto* mpi = dynamic_cast<MpiRuntime*>(&runtime);
  if (mpi == nullptr) {
    throw UsageError("backend " + std::string(backend) +
                     " needs the MPI runtime, and this run has none (a build without MPI)");
  }
  return *mpi;
}

}  // namespace collbench
