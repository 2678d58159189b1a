// The line map behind "FILE:LINE: field: reason" for whole-JSON files (core/json_line_map.hpp):
// each value's line by JSON pointer, through the tokens that could derail a hand-made scan
// (braces, quotes and escapes inside strings, CRLF), the fallback to the enclosing value for a
// missing field, and hostile text, which must neither crash nor take more than linear time.
#include <gtest/gtest.h>

#include <string>

#include "core/json_line_map.hpp"

namespace collbench {
namespace {

TEST(JsonLineMap, NestedObjectsAndArrays) {
  const JsonLineMap lines(
      "{\n"                           // 1
      "  \"name\": \"x\",\n"          // 2
      "  \"checks\": [\n"             // 3
      "    {\"phase\": \"node\"},\n"  // 4
      "    {\n"                       // 5
      "      \"phase\":\n"            // 6
      "        \"rack\",\n"           // 7: a value's line is where the value starts
      "      \"bytes\": [1,\n"        // 8
      "        2]\n"                  // 9
      "    }\n"                       // 10
      "  ]\n"                         // 11
      "}\n");
  EXPECT_EQ(lines.line_of(""), 1);
  EXPECT_EQ(lines.line_of("/name"), 2);
  EXPECT_EQ(lines.line_of("/checks"), 3);
  EXPECT_EQ(lines.line_of("/checks/0"), 4);
  EXPECT_EQ(lines.line_of("/checks/0/phase"), 4);
  EXPECT_EQ(lines.line_of("/checks/1"), 5);
  EXPECT_EQ(lines.line_of("/checks/1/phase"), 7);
  EXPECT_EQ(lines.line_of("/checks/1/bytes"), 8);
  EXPECT_EQ(lines.line_of("/checks/1/bytes/0"), 8);
  EXPECT_EQ(lines.line_of("/checks/1/bytes/1"), 9);
}

TEST(JsonLineMap, MissingFieldGivesTheEnclosingValue) {
  const JsonLineMap lines("{\n\"checks\": [\n{},\n{\"phase\": 1}]}");
  EXPECT_EQ(lines.line_of("/checks/1/test"), 4);
  EXPECT_EQ(lines.line_of("/checks/0/phase"), 3);
  EXPECT_EQ(lines.line_of("/checks/7/phase"), 2);
  EXPECT_EQ(lines.line_of("/topology/gpus"), 1);
  EXPECT_EQ(JsonLineMap().line_of("/checks"), 0);  // an empty map knows no lines
}

TEST(JsonLineMap, StringsHidingStructure) {
  // Braces, brackets, commas, colons, escaped quotes and escaped newlines inside strings are
  // text, not structure: a scan that took them for tokens would shift every line after them.
  const JsonLineMap lines(
      "{\"a\": \"{[,:\\\"}]\\n\\n\",\n"
      "\"b\\\"}\": {\"c\": \"\\\\\"},\n"
      "\"d\": 3}");
  EXPECT_EQ(lines.line_of("/a"), 1);
  EXPECT_EQ(lines.line_of("/b\"}"), 2);  // a member name with an escaped quote, decoded
  EXPECT_EQ(lines.line_of("/b\"}/c"), 2);
  EXPECT_EQ(lines.line_of("/d"), 3);
}

TEST(JsonLineMap, EscapedNamesAndPointerEscapes) {
  // Names are looked up decoded (as nlohmann gives them) and pointers escaped per RFC 6901.
  const JsonLineMap lines("{\n\"a/b\": 1,\n\"t~x\": 2,\n\"\\u00e9\\ud83d\\ude00\": 3,\n\"a\": 4}");
  EXPECT_EQ(lines.line_of(json_pointer_append("", "a/b")), 2);
  EXPECT_EQ(lines.line_of("/a~1b"), 2);
  EXPECT_EQ(lines.line_of("/t~0x"), 3);
  EXPECT_EQ(lines.line_of("/\xc3\xa9\xf0\x9f\x98\x80"), 4);
  EXPECT_EQ(lines.line_of("/a"), 5);
  EXPECT_EQ(json_pointer_append("/x", "~/"), "/x/~0~1");
}

TEST(JsonLineMap, CrlfCountsOnce) {
  const JsonLineMap lines("{\r\n  \"a\": 1,\r\n\r\n  \"b\": [\r\n true]\r\n}");
  EXPECT_EQ(lines.line_of("/a"), 2);
  EXPECT_EQ(lines.line_of("/b"), 4);
  EXPECT_EQ(lines.line_of("/b/0"), 5);
}

TEST(JsonLineMap, RepeatedKeyLastWins) {
  // nlohmann keeps the last of a repeated member, so the value an error is about is that one.
  const JsonLineMap lines("{\"a\": 1,\n\"a\": {\"b\": 2}}");
  EXPECT_EQ(lines.line_of("/a"), 2);
  EXPECT_EQ(lines.line_of("/a/b"), 2);
}

TEST(JsonLineMap, FileLinePrefix) {
  const JsonLineMap lines("{\n\"a\": 1}");
  EXPECT_EQ(json_file_line("f.json", &lines, "/a"), "f.json:2");
  EXPECT_EQ(json_file_line("f.json", nullptr, "/a"), "f.json");
}

TEST(JsonLineMap, HostileTextNeverCrashes) {
  // Truncated tokens, stray closers, a second document, an escape at the very end, bare bytes.
  for (const char* text : {"", "{", "}", "]]]}}", "{\"a", "{\"a\":", "\"\\", "\"\\u12", "[1,",
                           "{\"a\" 1 2 3}", "{} {\"a\": 1}", "{1: 2}", "\x01\xff\n\n{", "[,,,]"}) {
    const JsonLineMap lines(text);
    EXPECT_GE(lines.line_of("/a/b/0"), 0) << text;
    EXPECT_GE(lines.line_of("/"), 0) << text;
  }
  const JsonLineMap second("{} \n{\"a\": 1}");
  EXPECT_EQ(second.line_of("/a"), 1);  // only the first document is mapped
}

TEST(JsonLineMap, DeepAndWideText) {
  // A million levels of nesting would overflow a recursive scan (a crash, not a failure); deep
  // pointers built per value would be quadratic (minutes: ctest's timeout). Not a timed test: the
  // scan's cost is judged by those two, never by a clock.
  const std::size_t depth = 1000000;
  std::string deep(depth, '[');
  deep += std::string(depth, ']');
  std::string wide = "[";
  for (int i = 0; i < 200000; ++i) wide += "{\"k\":\n1},";
  wide += "0]";
  const JsonLineMap deep_lines(deep);
  const JsonLineMap wide_lines(wide);
  EXPECT_EQ(deep_lines.line_of("/0/0/0"), 1);
  EXPECT_EQ(wide_lines.line_of("/199999"), 200000);  // element i opens on line i + 1
  EXPECT_EQ(wide_lines.line_of("/199999/k"), 200001);
}

}  // namespace
}  // namespace collbench
