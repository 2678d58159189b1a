#pragma once
// The run record's timestamps (ISO 8601 UTC, "2026-11-22T10:15:00Z") as numbers, for metrics and
// time axes.
#include <string>

namespace collbench {

// Seconds since the epoch, or -1 when the text is not such a timestamp.
double epoch_seconds(const std::string& iso_utc);

}  // namespace collbench
