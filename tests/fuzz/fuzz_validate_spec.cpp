// Fuzz target: `collbench validate --spec FILE` (read_spec_file: JSON, then every field checked),
// and the spec written back out (spec_to_json), as --make-spec does.
#include <cstddef>
#include <cstdint>

#include "core/errors.hpp"
#include "tests/fuzz/fuzz_input_file.hpp"
#include "validation/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace collbench;
  fuzz::InputFile input(data, size);
  try {
    const ValidationSpec spec = read_spec_file(input.path());
    (void)spec_to_json(spec).dump();
  } catch (const UsageError& e) {
    fuzz::require_one_line(e.what());
  }
  return 0;
}
