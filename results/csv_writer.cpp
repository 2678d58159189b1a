#include "results/csv_writer.hpp"

#include <cstdio>

#include "core/errors.hpp"
#include "results/jsonl_writer.hpp"

namespace collbench {
namespace {
constexpr const char* kHeader =
    "collective,backend,dtype,redop,root,bytes,count,nranks,inplace,memory,cycle,time_us,"
    "time_us_min,time_us_max,algbw_GBps,busbw_GBps,wrong,samples,stable\n";
}

CsvWriter::CsvWriter(const std::string& path) : out_(path) {}

void CsvWriter::begin_run(const nlohmann::json&) {
  out_.write(kHeader);
}

void CsvWriter::add(const std::vector<ResultRecord>& row) {
  std::string text;
  for (const ResultRecord& r : row) {
    // Names come from collbench's own tables (no commas), so no quoting is needed.
    char line[1024];
    std::snprintf(line, sizeof line,
                  "%s,%s,%s,%s,%d,%lld,%lld,%d,%d,%s,%d,%.3f,%.3f,%.3f,%.4f,%.4f,%lld,%zu,%s\n",
                  r.collective.c_str(), r.backend.c_str(), r.dtype.c_str(), r.redop.c_str(), r.root,
                  static_cast<long long>(r.bytes), static_cast<long long>(r.count), r.nranks,
                  r.inplace ? 1 : 0, r.memory.c_str(), r.cycle, r.time_us, r.time_us_min,
                  r.time_us_max, r.algbw_GBps, r.busbw_GBps, static_cast<long long>(r.wrong),
                  r.samples_us.size(), r.stability.stable ? (*r.stability.stable ? "1" : "0") : "");
    text += line;
  }
  out_.write(text);
}

}  // namespace collbench
