// The checked reads of untrusted JSON values: exact_json (core/json_value.hpp), used by the
// results reader, validate specs and cluster files, and the never-throwing display readers of
// results/json_text.hpp, used by the report. Each range edge is tested on both sides, since a
// value one past an edge is what wraps (4294967298 read as 2) when a check is off by one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_value.hpp"
#include "results/json_text.hpp"

namespace collbench {
namespace {

using nlohmann::json;

// The value read, or the reason it was refused (as the error message would carry it).
template <typename T>
std::string refusal(const json& value) {
  std::string why;
  const std::optional<T> read = exact_json<T>(value, &why);
  EXPECT_FALSE(read.has_value()) << value.dump() << " was accepted";
  return why;
}

// json_error_reason of the parser's refusal of `text`, or "parsed" when it was accepted.
std::string parse_error(const char* text) {
  try {
    const json parsed = json::parse(text);
    return "parsed " + parsed.dump();
  } catch (const json::exception& e) {
    const std::string reason = json_error_reason(e);
    EXPECT_EQ(reason.find("[json.exception"), std::string::npos) << reason;
    return reason;
  }
}

TEST(ExactJsonInteger, AcceptsIntegersInsideTheRange) {
  EXPECT_EQ(exact_json<int>(json(7), nullptr), 7);
  EXPECT_EQ(exact_json<int>(json(-7), nullptr), -7);
  EXPECT_EQ(exact_json<int>(json(2147483647), nullptr), 2147483647);
  EXPECT_EQ(exact_json<int>(json(int64_t{-2147483648}), nullptr), std::numeric_limits<int>::min());
  EXPECT_EQ(exact_json<int64_t>(json(std::numeric_limits<int64_t>::max()), nullptr),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(exact_json<int64_t>(json(std::numeric_limits<int64_t>::min()), nullptr),
            std::numeric_limits<int64_t>::min());
}

TEST(ExactJsonInteger, RefusesWhatWouldWrap) {
  // nlohmann stores 4294967298 as unsigned; a plain get<int>() would give 2.
  EXPECT_EQ(refusal<int>(json::parse("4294967298")),
            "4294967298 is out of range (-2147483648..2147483647)");
  EXPECT_EQ(refusal<int>(json::parse("2147483648")),
            "2147483648 is out of range (-2147483648..2147483647)");
  EXPECT_EQ(refusal<int>(json::parse("-2147483649")),
            "-2147483649 is out of range (-2147483648..2147483647)");
  EXPECT_NE(refusal<int64_t>(json::parse("18446744073709551615")).find("is out of range"),
            std::string::npos);
  EXPECT_NE(refusal<int64_t>(json::parse("9223372036854775808")).find("is out of range"),
            std::string::npos);
  // Unsigned targets refuse negative values rather than reading -1 as 2^64 - 1.
  EXPECT_NE(refusal<uint32_t>(json(-1)).find("is out of range (0..4294967295)"), std::string::npos);
  EXPECT_NE(refusal<uint64_t>(json(-1)).find("is out of range"), std::string::npos);
}

TEST(ExactJsonInteger, WholeFloatsOnlyAndInsideTheRange) {
  // 4096.0 is how some tools write integers; it is exact, so it is read.
  EXPECT_EQ(exact_json<int64_t>(json::parse("4096.0"), nullptr), 4096);
  EXPECT_EQ(exact_json<int64_t>(json::parse("1e18"), nullptr), int64_t{1000000000000000000});
  EXPECT_EQ(exact_json<int>(json::parse("-2147483648.0"), nullptr),
            std::numeric_limits<int>::min());
  EXPECT_EQ(exact_json<int>(json::parse("-0.0"), nullptr), 0);
  // schema_version 1.9 is not version 1.
  EXPECT_EQ(refusal<int>(json::parse("1.9")), "must be a whole number, not 1.9");
  EXPECT_EQ(refusal<int>(json::parse("-0.5")), "must be a whole number, not -0.5");
  // One past each edge, as floats: 2^31 for int, 2^63 (exact in a double) for int64.
  EXPECT_NE(refusal<int>(json::parse("2147483648.0")).find("is out of range"), std::string::npos);
  EXPECT_NE(refusal<int>(json::parse("-2147483649.0")).find("is out of range"), std::string::npos);
  EXPECT_NE(refusal<int64_t>(json::parse("9223372036854775808.0")).find("is out of range"),
            std::string::npos);
  EXPECT_EQ(exact_json<int64_t>(json::parse("-9223372036854775808.0"), nullptr),
            std::numeric_limits<int64_t>::min());
  EXPECT_NE(refusal<int64_t>(json::parse("1e19")).find("is out of range"), std::string::npos);
  EXPECT_NE(refusal<uint64_t>(json::parse("18446744073709551616.0")).find("is out of range"),
            std::string::npos);
  EXPECT_NE(refusal<int64_t>(json::parse("1e300")).find("is out of range"), std::string::npos);
}

TEST(ExactJsonInteger, RefusesOtherTypes) {
  EXPECT_EQ(refusal<int>(json("4096")), "must be an integer, not string");
  EXPECT_EQ(refusal<int>(json(true)), "must be an integer, not boolean");
  EXPECT_EQ(refusal<int>(json(nullptr)), "must be an integer, not null");
  EXPECT_EQ(refusal<int>(json::array({1})), "must be an integer, not array");
  EXPECT_EQ(refusal<int>(json::object()), "must be an integer, not object");
}

TEST(ExactJsonInteger, RefusesNonFiniteFloats) {
  // JSON text cannot hold them, but a json built in code can; no cast of inf or NaN to an integer.
  EXPECT_NE(refusal<int>(json(std::numeric_limits<double>::infinity())).find("whole number"),
            std::string::npos);
  EXPECT_NE(refusal<int64_t>(json(std::nan(""))).find("whole number"), std::string::npos);
}

TEST(ExactJsonFloating, FiniteNumbersOfAnyKind) {
  EXPECT_EQ(exact_json<double>(json(3), nullptr), 3.0);
  EXPECT_EQ(exact_json<double>(json::parse("18446744073709551615"), nullptr),
            18446744073709551615.0);
  EXPECT_EQ(exact_json<double>(json::parse("-1.5e-300"), nullptr), -1.5e-300);
  EXPECT_EQ(exact_json<double>(json::parse("1.7976931348623157e308"), nullptr),
            std::numeric_limits<double>::max());
  EXPECT_EQ(refusal<double>(json(std::numeric_limits<double>::infinity())), "must be finite");
  EXPECT_EQ(refusal<double>(json(std::nan(""))), "must be finite");
  EXPECT_EQ(refusal<double>(json("3.0")), "must be a number, not string");
  EXPECT_EQ(refusal<double>(json(false)), "must be a number, not boolean");
}

TEST(ExactJsonFloating, BeyondDoubleIsAParseErrorWithAReadableReason) {
  // 1e400 never reaches exact_json: the parser refuses it. The reason loses the library prefix.
  const std::string reason = parse_error("{\"time_us\": 1e400}");
  EXPECT_EQ(reason.rfind("number overflow", 0), 0u) << reason;
}

TEST(ExactJsonOther, StringsAndBooleansTakeOnlyTheirType) {
  EXPECT_EQ(exact_json<std::string>(json("a\nb"), nullptr), "a\nb");
  EXPECT_EQ(refusal<std::string>(json(5)), "must be a string, not number");
  EXPECT_EQ(exact_json<bool>(json(false), nullptr), false);
  EXPECT_EQ(refusal<bool>(json(1)), "must be true or false");
  EXPECT_EQ(refusal<bool>(json("true")), "must be true or false");
}

TEST(JsonErrorReason, OneLineWithoutTheLibraryPrefix) {
  const std::string reason = parse_error("{\"a\":\n\x01}");
  EXPECT_NE(reason.find("syntax error"), std::string::npos) << reason;
  for (char c : reason) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << reason;
}

TEST(JsonFieldInteger, WholeValuesInsideInt64ElseTheFallback) {
  const json record = json::parse(R"({"i": -5, "u": 18446744073709551615, "w": 4096.0,
      "f": 1.5, "big": 9223372036854775808.0, "low": -9223372036854775808.0,
      "s": "7", "b": true, "max": 9223372036854775807})");
  EXPECT_EQ(json_field_integer(record, "i", 0), -5);
  EXPECT_EQ(json_field_integer(record, "u", -1), -1);
  EXPECT_EQ(json_field_integer(record, "w", 0), 4096);
  EXPECT_EQ(json_field_integer(record, "f", -1), -1);
  EXPECT_EQ(json_field_integer(record, "big", -1), -1);
  // -2^63 is a whole double inside int64: it is read, not replaced by the fallback.
  EXPECT_EQ(json_field_integer(record, "low", 0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(json_field_integer(record, "max", 0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(json_field_integer(record, "s", -1), -1);
  EXPECT_EQ(json_field_integer(record, "b", -1), -1);
  EXPECT_EQ(json_field_integer(record, "missing", 9), 9);
  EXPECT_EQ(json_field_integer(json::array({1}), "i", 9), 9);
  EXPECT_EQ(json_field_integer(json({{"n", std::nan("")}}), "n", 9), 9);
}

TEST(JsonFieldNumber, FiniteNumbersElseTheFallback) {
  const json record = json::parse(R"({"d": 2.5, "i": 3, "s": "2.5", "n": null})");
  EXPECT_EQ(json_field_number(record, "d", 0), 2.5);
  EXPECT_EQ(json_field_number(record, "i", 0), 3.0);
  EXPECT_EQ(json_field_number(record, "s", -1), -1.0);
  EXPECT_EQ(json_field_number(record, "n", -1), -1.0);
  EXPECT_EQ(json_field_number(json({{"x", std::numeric_limits<double>::infinity()}}), "x", -1), -1);
  EXPECT_EQ(json_field_number(json("x"), "x", -1), -1);
}

TEST(JsonValueText, EveryTypeAsText) {
  EXPECT_EQ(json_value_text(json(nullptr)), "-");
  EXPECT_EQ(json_value_text(json("<b>")), "<b>");  // escaping is the caller's, per medium
  EXPECT_EQ(json_value_text(json::parse("18446744073709551615")), "18446744073709551615");
  EXPECT_EQ(json_value_text(json(-3)), "-3");
  EXPECT_EQ(json_value_text(json(1234.5678)), "1235");
  EXPECT_EQ(json_value_text(json(true)), "true");
  EXPECT_EQ(json_value_text(json::parse(R"({"a":[1,"x"]})")), R"({"a":[1,"x"]})");
  // Invalid UTF-8 inside a string in an array is replaced, never thrown on.
  EXPECT_NO_THROW((void)json_value_text(json::array({std::string("\xff\xfe")})));
}

}  // namespace
}  // namespace collbench
