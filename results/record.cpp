#include "results/record.hpp"

namespace collbench {

nlohmann::json to_json(const ResultRecord& r) {
  nlohmann::json j = {
      {"type", "result"},
      {"schema_version", kSchemaVersion},
      {"collective", r.collective},
      {"backend", r.backend},
      {"dtype", r.dtype},
      {"redop", r.redop},
      {"root", r.root},
      {"bytes", r.bytes},
      {"count", r.count},
      {"nranks", r.nranks},
      {"inplace", r.inplace},
      {"memory", r.memory},
      {"iters", r.iters},
      {"warmup_iters", r.warmup_iters},
      {"repeat", r.repeat},
      {"cycle", r.cycle},
      {"timing", r.timing},
      {"time_us", r.time_us},
      {"time_us_min", r.time_us_min},
      {"time_us_max", r.time_us_max},
      {"samples_us", r.samples_us},
      {"fastest_rank_time_us", r.fastest_rank_time_us},
      {"algbw_GBps", r.algbw_GBps},
      {"busbw_GBps", r.busbw_GBps},
      {"bus_factor", r.bus_factor},
      {"wrong", r.wrong},
  };
  if (!r.algorithm.empty()) j["algorithm"] = r.algorithm;
  j["samples"] = r.samples_us.size();
  j["spread"] = r.stability.spread;
  j["outlier_fraction"] = r.stability.outlier_fraction;
  if (r.stability.stable) j["stable"] = *r.stability.stable;
  if (r.ceiling_GBps > 0) {
    j["ceiling_GBps"] = r.ceiling_GBps;
    j["efficiency"] = r.busbw_GBps / r.ceiling_GBps;
  }
  return j;
}

}  // namespace collbench
