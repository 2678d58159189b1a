#include "harness/contention_survey.hpp"

#include <algorithm>

namespace collbench {
namespace {

constexpr std::size_t kRecordBytes = 1024;  // a node's causes, joined by newlines (cut if longer)

HostContention probe(const Runtime& runtime, int snapshots) {
  ContentionProbe probe;
  probe.ranks_on_node = runtime.local_size();
  probe.snapshots = snapshots;
  return probe_host_contention(probe);
}

}  // namespace

ContentionSurvey::ContentionSurvey(Runtime& runtime) {
  if (runtime.local_rank() == 0) start_ = probe(runtime, 4);
  causes_ = gather(runtime, start_.causes);
}

std::vector<std::string> ContentionSurvey::new_causes(Runtime& runtime) {
  std::vector<std::string> mine;
  if (runtime.local_rank() == 0) {
    const HostContention now = probe(runtime, 3);
    for (const std::string& cause : now.causes) {
      // The count of busy processes may change; any busy-process line is news only if there
      // was none at the start.
      const bool busy = cause.find("busy process") != std::string::npos;
      const bool seen = std::any_of(start_.causes.begin(), start_.causes.end(), [&](auto& c) {
        return c == cause || (busy && c.find("busy process") != std::string::npos);
      });
      if (!seen) mine.push_back(cause);
    }
    for (const std::string& line : throttling_since(start_.throttle, now.throttle)) {
      mine.push_back(line);
    }
  }
  return gather(runtime, mine);
}

std::vector<std::string> ContentionSurvey::gather(Runtime& runtime,
                                                  const std::vector<std::string>& mine) {
  std::string joined;
  for (const std::string& line : mine) {
    if (!joined.empty()) joined += '\n';
    joined += runtime.identity().host + ": " + line;
  }
  std::vector<std::string> out;
  for (const std::string& record : runtime.gather_from_nodes(joined, kRecordBytes)) {
    const std::string text = record.substr(0, record.find('\0'));
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      if (end > start) out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

}  // namespace collbench
