#pragma once
// Values of records read from files, for display. A file is untrusted: a field may be missing or
// hold any JSON type, so these never throw; the caller still escapes the text for its medium.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace collbench {

// Display text of any JSON value: strings as they are, integers whole, other numbers to 4
// significant digits, null as "-", objects and arrays as compact JSON.
std::string json_value_text(const nlohmann::json& value);

// `record[key]` as display text, or `fallback` when the record is not an object or lacks the key.
std::string json_field_text(const nlohmann::json& record, const char* key,
                            const std::string& fallback = "?");

// `record[key]` when it is a finite number, else `fallback`.
double json_field_number(const nlohmann::json& record, const char* key, double fallback);

// `record[key]` when it is an integer (or a whole number) within int64, else `fallback`.
int64_t json_field_integer(const nlohmann::json& record, const char* key, int64_t fallback);

}  // namespace collbench
