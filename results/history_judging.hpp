#pragma once
// What the run history judges by, without the database: the band rule of `history check` (also
// used by the report's history section) and a run's identity. Kept apart from results/history.hpp
// so builds without SQLite still have it.
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {

// A row of `history check`: the new value against the recent history of its configuration.
struct HistoryJudgement {
  ResultRow row;
  int history_points = 0;
  double median = 0, mad = 0, floor = 0;  // regression when busbw < floor
  bool regression = false;
  bool enough_history = false;
  bool inconclusive = false;  // the row's samples are unstable: not judged (core/stability.hpp)
  bool isolated = false;      // below the floor at this size only: noise (results/judging.hpp)
};

// The band rule of `history check`: `row` against the busbw of earlier runs of its configuration
// (newest first or in any order). A regression when there are 3 or more earlier values and busbw
// falls below median - max(mad_factor x 1.4826 x MAD, threshold_pct % of the median), or when the
// row has wrong data.
HistoryJudgement judge_against_history(const ResultRow& row, const std::vector<double>& earlier,
                                       double mad_factor, double threshold_pct);

// Identity of a run inside the history: the run record's `run_id` (random, written when the run
// starts), or for files from before run_id a hash of all their records. Never the timestamp:
// it has whole seconds, and two runs started in the same second are different runs.
std::string run_key(const RunFile& run);

}  // namespace collbench
