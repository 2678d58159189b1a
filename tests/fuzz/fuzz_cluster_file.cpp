// Fuzz target: the scale model's cluster file, through its public entry point (load_cluster), as
// `collbench model ... --cluster FILE` reads it.
#include <cstddef>
#include <cstdint>

#include "core/errors.hpp"
#include "model/cluster.hpp"
#include "tests/fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace collbench;
  fuzz::InputFile input(data, size);
  try {
    (void)load_cluster(input.path());
  } catch (const UsageError& e) {
    fuzz::require_one_line(e.what());
  }
  return 0;
}
