#include "model/calibrate.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/errors.hpp"

namespace collbench {
namespace {

// A multiplier that no point informs stays near 1: a small pull towards the published spec.
constexpr double kPrior = 1e-3;

double objective(const ClusterSpec& cluster, const std::vector<CalibrationPoint>& points,
                 const Calibration& c) {
  double sum = 0;
  for (const CalibrationPoint& p : points) {
    const double r = std::log(calibrated_time_us(cluster, p, c) / p.time_us);
    sum += r * r;
  }
  const double l1 = std::log(c.scaleup), l2 = std::log(c.scaleout), l3 = std::log(c.latency);
  return sum / static_cast<double>(points.size()) + kPrior * (l1 * l1 + l2 * l2 + l3 * l3);
}

}  // namespace

double calibrated_time_us(const ClusterSpec& cluster, const CalibrationPoint& point,
                          const Calibration& calibration) {
  const Job job = place_job(cluster, point.nranks, {}, calibration);
  return tuner_choice(job, point.collective, point.bytes, point.env).time_us;
}

// Coordinate descent in log space with a shrinking step: the objective is cheap (O(1) per point)
// and has three dimensions, so a pattern search is enough and needs no derivatives.
CalibrationFit calibrate(const ClusterSpec& cluster, const std::vector<CalibrationPoint>& points) {
  if (points.empty()) throw UsageError("model fit: no measured points to calibrate on");
  ClusterSpec grown = cluster;
  for (const CalibrationPoint& p : points) {
    if (p.nranks > grown.gpus) extend_fabric(grown, p.nranks);
  }
  Calibration best;
  double best_value = objective(grown, points, best);
  std::array<double Calibration::*, 3> axes = {&Calibration::scaleup, &Calibration::scaleout,
                                               &Calibration::latency};
  for (double step = 1.0; step > 1e-3; step /= 2) {
    bool improved = true;
    while (improved) {
      improved = false;
      for (auto axis : axes) {
        for (double direction : {1.0, -1.0}) {
          Calibration trial = best;
          trial.*axis = std::clamp(best.*axis * std::exp(direction * step), 0.05, 20.0);
          const double value = objective(grown, points, trial);
          if (value < best_value - 1e-12) {
            best = trial;
            best_value = value;
            improved = true;
          }
        }
      }
    }
  }
  CalibrationFit fit{best, 0, points.size()};
  double sum = 0;
  for (const CalibrationPoint& p : points) {
    const double r = std::log(calibrated_time_us(grown, p, best) / p.time_us);
    sum += r * r;
  }
  fit.rms_log_error = std::sqrt(sum / static_cast<double>(points.size()));
  return fit;
}

}  // namespace collbench
