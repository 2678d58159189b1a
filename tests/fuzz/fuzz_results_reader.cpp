// Fuzz target: the JSON Lines results reader (compare, history, report, export read through it),
// then what reads its records without re-checking them: compare's pooling and the HTML report.
// A UsageError is the expected answer to bad input; any other exception or a crash is a finding.
#include <cstddef>
#include <cstdint>

#include "core/errors.hpp"
#include "results/compare.hpp"
#include "results/reader.hpp"
#include "results/report_validation.hpp"
#include "tests/fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace collbench;
  fuzz::InputFile input(data, size);
  try {
    const RunFile run = read_run_file(input.path());
    (void)pool_by_configuration(run.results);
    (void)run.label();
    (void)validation_section_html({run});
  } catch (const UsageError& e) {
    fuzz::require_one_line(e.what());
  }
  return 0;
}
