#pragma once
// Where the run history lives when `--db` is not given: one place per user, whatever the current
// directory, so a cron job and an interactive shell share it (docs/results.md).
#include <string>

namespace collbench {

// $COLLBENCH_HISTORY_DB when set, else ${XDG_DATA_HOME:-$HOME/.local/share}/collbench/history.db
// (XDG_DATA_HOME only when absolute, as the XDG spec says). Made absolute. Throws UsageError when
// neither the variable nor HOME gives a place.
std::string default_history_path();

// The variable that moves the history.
inline constexpr const char* kHistoryDbVariable = "COLLBENCH_HISTORY_DB";

}  // namespace collbench
