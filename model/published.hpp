#pragma once
// Published NCCL measurements (model/data/published.jsonl) and the clusters they ran on
// (model/data/systems.json): the model predicts each point from its system's description alone
// and the error table says how far off it is (docs/model.md).
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "model/cost_model.hpp"

namespace collbench {

struct PublishedPoint {
  int id = 0;
  std::string system;
  int64_t gpus = 0;
  Collective collective = Collective::kAllReduce;
  int64_t bytes = 0;
  double busbw_GBps = 0;
  std::string nccl, source, quote, note;
  NcclEnv env;
};

// Throw UsageError "FILE:LINE: field: reason" (points) or "FILE: system: field: reason".
std::vector<PublishedPoint> load_published_points(const std::string& path);
std::map<std::string, ClusterSpec> load_published_systems(const std::string& path);

struct PointCheck {
  PublishedPoint point;
  Prediction predicted;  // NCCL's choice as the model sees it
  double error = 0;      // predicted busbw / measured - 1
};

// Predicts every point on its system (grown to the point's GPU count if need be) with the
// system's calibration, when one is given.
std::vector<PointCheck> check_published(
    const std::vector<PublishedPoint>& points, const std::map<std::string, ClusterSpec>& systems,
    const std::map<std::string, Calibration>& calibrations = {});

struct ErrorSummary {
  double median = 0, worst = 0;
  std::size_t count = 0;
};
ErrorSummary summarize(const std::vector<PointCheck>& checks);

// The error table of docs/model.md, one line per point: measured and predicted busbw, the error,
// and the algorithm and protocol the model expects NCCL to choose.
void print_published_table(std::FILE* out, const std::vector<PointCheck>& checks);

}  // namespace collbench
