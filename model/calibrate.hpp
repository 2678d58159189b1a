#pragma once
// Calibration of a cluster description from measurements on it: three multipliers (NVLink
// bandwidth, NIC bandwidth, latency) that make NCCL's closed forms match the runs best, in the
// least-squares sense on log time. Fitted on small runs, they carry to larger GPU counts of the
// same system because the forms, not the multipliers, hold the scaling.
#include <cstdint>
#include <vector>

#include "model/cost_model.hpp"

namespace collbench {

struct CalibrationPoint {
  int64_t nranks = 0;
  Collective collective = Collective::kAllReduce;
  double bytes = 0;
  double time_us = 0;
  NcclEnv env;
};

struct CalibrationFit {
  Calibration calibration;
  double rms_log_error = 0;  // of the fitted model on the points
  std::size_t points = 0;
};

// Throws UsageError when there are no points.
CalibrationFit calibrate(const ClusterSpec& cluster, const std::vector<CalibrationPoint>& points);

// Predicted time of NCCL's choice for one point under a calibration.
double calibrated_time_us(const ClusterSpec& cluster, const CalibrationPoint& point,
                          const Calibration& calibration);

}  // namespace collbench
