#pragma once
// Line numbers of the values in a JSON text, so that errors about a whole-JSON file (a validate
// spec, a cluster file) can read "FILE:LINE: field: reason" as the JSON Lines readers do.
// nlohmann::json reports no positions for the values it parsed, so the text is scanned once more
// here: a single pass with an explicit stack (no recursion, so deep nesting cannot overflow the
// stack), and storage linear in the text. The scan is meant for text nlohmann has already
// accepted, but any bytes are safe: it never throws (bar std::bad_alloc) and never reads past
// the end; on malformed text the lines it gives are best effort.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace collbench {

class JsonLineMap {
 public:
  JsonLineMap() = default;  // maps nothing: line_of() is 0
  explicit JsonLineMap(std::string_view text);

  // The 1-based line where the value at `pointer` (RFC 6901: "" is the document, "/checks/1/phase"
  // a member of an element) begins. A pointer that names no value (a missing field) gives the line
  // of its nearest enclosing value that exists, so an error about an absent field names the
  // object that lacks it. 0 only when the map is empty. With a key given twice, the last one
  // counts, as nlohmann keeps the last value.
  int line_of(std::string_view pointer) const;

 private:
  std::size_t add(std::size_t parent, std::string_view name, int line);

  std::vector<int> lines_;  // by value id; 0 is the document
  // "PARENT-ID/NAME" -> value id, NAME the decoded member name or the array index in decimal.
  std::unordered_map<std::string, std::size_t> children_;
};

// `pointer` with one more reference token, escaped as RFC 6901 asks ('~' as ~0, '/' as ~1).
std::string json_pointer_append(std::string pointer, std::string_view token);

// Where a value of a file is, for the start of an error message: "FILE:LINE", or "FILE" when
// `lines` is null or empty.
std::string json_file_line(const std::string& file, const JsonLineMap* lines,
                           std::string_view pointer);

}  // namespace collbench
