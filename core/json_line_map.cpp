#include "core/json_line_map.hpp"

#include <cstdint>

namespace collbench {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Reads a string token from its opening quote; `pos` ends past the closing quote (or at the end
// of a truncated text). Member names are decoded, since the readers look fields up by the names
// nlohmann decoded; other strings are only skipped (`out` null). Raw newlines are invalid in a
// JSON string but are still counted, so that lines stay right on any text.
void scan_string(std::string_view text, std::size_t& pos, int& line, std::string* out) {
  ++pos;  // the opening quote
  while (pos < text.size()) {
    const char c = text[pos++];
    if (c == '"') return;
    if (c == '\n') ++line;
    if (c != '\\') {
      if (out) *out += c;
      continue;
    }
    if (pos >= text.size()) return;
    const char e = text[pos++];
    if (e != 'u') {
      if (!out) continue;
      switch (e) {
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        default:
          *out += e;  // \" \\ \/
      }
      continue;
    }
    auto read_hex4 = [&](uint32_t& code) {
      if (text.size() - pos < 4) return false;
      code = 0;
      for (int i = 0; i < 4; ++i) {
        const int d = hex_digit(text[pos + static_cast<std::size_t>(i)]);
        if (d < 0) return false;
        code = code * 16 + static_cast<uint32_t>(d);
      }
      pos += 4;
      return true;
    };
    uint32_t code = 0;
    if (!read_hex4(code)) continue;
    // A high surrogate followed by "\uDC00".."\uDFFF" is one code point above U+FFFF.
    if (code >= 0xD800 && code <= 0xDBFF && text.size() - pos >= 6 && text[pos] == '\\' &&
        text[pos + 1] == 'u') {
      const std::size_t mark = pos;
      pos += 2;
      uint32_t low = 0;
      if (read_hex4(low) && low >= 0xDC00 && low <= 0xDFFF) {
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      } else {
        pos = mark;
      }
    }
    if (out) append_utf8(*out, code);
  }
}

}  // namespace

JsonLineMap::JsonLineMap(std::string_view text) {
  struct Open {
    std::size_t id;
    bool array;
    std::size_t index = 0;  // the current element of an array
    bool key_next = true;   // an object awaits a member name (not a value)
    std::string key;        // the member whose value comes next
  };
  std::vector<Open> open;
  int line = 1;
  std::size_t pos = 0;
  bool root_seen = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (is_space(c)) {
      if (c == '\n') ++line;  // CRLF is one line too: the CR is skipped as space
      ++pos;
      continue;
    }
    if (c == ',' || c == ':' || c == '}' || c == ']') {
      ++pos;
      if (open.empty()) continue;
      if (c == ',') {
        if (open.back().array) {
          ++open.back().index;
        } else {
          open.back().key_next = true;
        }
      } else if (c == '}' || c == ']') {
        open.pop_back();
      }
      continue;
    }
    if (c == '"' && !open.empty() && !open.back().array && open.back().key_next) {
      open.back().key.clear();
      scan_string(text, pos, line, &open.back().key);
      open.back().key_next = false;
      continue;
    }
    // A value begins here.
    std::size_t id = 0;
    bool mapped = true;
    if (open.empty()) {
      // Only the first top-level value is the document (nlohmann refuses anything after it).
      mapped = !root_seen;
      if (mapped) lines_.push_back(line);
      root_seen = true;
    } else {
      Open& parent = open.back();
      id = parent.array ? add(parent.id, std::to_string(parent.index), line)
                        : add(parent.id, parent.key, line);
    }
    if (c == '{' || c == '[') {
      ++pos;
      if (mapped) open.push_back({id, c == '[', 0, true, {}});
    } else if (c == '"') {
      scan_string(text, pos, line, nullptr);
    } else {
      // A number or literal: up to the next delimiter, at least one byte so the scan advances.
      ++pos;
      while (pos < text.size() && !is_space(text[pos]) && text[pos] != ',' && text[pos] != ':' &&
             text[pos] != '}' && text[pos] != ']' && text[pos] != '{' && text[pos] != '[' &&
             text[pos] != '"') {
        ++pos;
      }
    }
  }
}

std::size_t JsonLineMap::add(std::size_t parent, std::string_view name, int line) {
  const std::size_t id = lines_.size();
  lines_.push_back(line);
  std::string key = std::to_string(parent);
  key += '/';
  key += name;
  children_[std::move(key)] = id;  // a repeated key: the last one wins, as in nlohmann
  return id;
}

int JsonLineMap::line_of(std::string_view pointer) const {
  if (lines_.empty()) return 0;
  std::size_t id = 0;
  std::size_t pos = 0;
  // A pointer that does not start with '/' names no member: the document.
  while (pos < pointer.size() && pointer[pos] == '/') {
    ++pos;
    std::string token;
    while (pos < pointer.size() && pointer[pos] != '/') {
      if (pointer[pos] == '~' && pos + 1 < pointer.size() &&
          (pointer[pos + 1] == '0' || pointer[pos + 1] == '1')) {
        token += pointer[pos + 1] == '0' ? '~' : '/';
        pos += 2;
      } else {
        token += pointer[pos++];
      }
    }
    const auto found = children_.find(std::to_string(id) + "/" + token);
    if (found == children_.end()) break;
    id = found->second;
  }
  return lines_[id];
}

std::string json_pointer_append(std::string pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
  return pointer;
}

std::string json_file_line(const std::string& file, const JsonLineMap* lines,
                           std::string_view pointer) {
  const int line = lines ? lines->line_of(pointer) : 0;
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

}  // namespace collbench
