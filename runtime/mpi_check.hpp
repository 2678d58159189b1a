#pragma once
// Every MPI call goes through check_mpi(): communicators return errors (MPI_ERRORS_RETURN) and a
// failure becomes one line naming the rank, host, call and MPI's own error string.
#include <mpi.h>

#include <string>

#include "core/errors.hpp"

namespace collbench {

inline void check_mpi(int rc, const char* call, const Identity& who) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) length = 0;
  throw RuntimeFailure(who.describe() + ": " + call +
                       " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

}  // namespace collbench

#define CB_MPI(call, who) ::collbench::check_mpi((call), #call, (who))
