#pragma once
// Calibration: fits alpha and beta of a collective's cost on one machine from measured sweeps
// (weighted least squares on relative error), choosing the algorithm shape (ring-like, tree-like
// or flat in the rank count) that explains the measurements best, with a contention term for
// ranks beyond the cores (oversubscription). Predicts other sizes and rank counts from the fit.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/reader.hpp"

namespace collbench {

struct FittedCollective {
  std::string form;     // ring, tree, flat
  double alpha_us = 0;  // per step
  double beta_us_per_byte = 0;
  double contention_alpha_us = 0;     // per step, per rank beyond the cores (relative)
  double contention_us_per_byte = 0;  // per byte, per rank beyond the cores (relative)
  double rel_rms = 0;                 // training residual, relative
  int points = 0;
  std::vector<int> ranks;  // rank counts it was fitted on
};

struct Fit {
  int cores = 1;
  std::map<std::string, FittedCollective> collectives;
  double predict_us(const std::string& collective, int64_t nranks, double bytes) const;
};

struct Measurement1 {
  std::string collective;
  int64_t nranks = 0;
  double bytes = 0;
  double time_us = 0;
};

// Out-of-place rows with bytes > 0 from the files.
std::vector<Measurement1> measurements_from(const std::vector<RunFile>& runs);

Fit fit_measurements(const std::vector<Measurement1>& rows, int cores);
nlohmann::json fit_to_json(const Fit& fit);
Fit fit_from_json(const nlohmann::json& j, const std::string& path);  // UsageError on bad input

}  // namespace collbench
