#include "results/reader.hpp"

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "core/json_value.hpp"
#include "results/json_text.hpp"
#include "results/record.hpp"

namespace collbench {
namespace {

// 128-bit FNV-1a (the published offset basis and prime): a stable fingerprint of a file's
// records for history's run identity, where std::hash may differ between builds.
class Fnv128 {
 public:
  void add(const std::string& text) {
    for (unsigned char c : text) {
      state_ ^= c;
      state_ *= kPrime;
    }
  }
  std::string hex() const {
    static const char kDigits[] = "0123456789abcdef";
    std::string out(32, '0');
    unsigned __int128 v = state_;
    for (int i = 31; i >= 0; --i, v >>= 4) out[i] = kDigits[static_cast<int>(v & 15)];
    return out;
  }

 private:
  static constexpr unsigned __int128 kPrime =
      (static_cast<unsigned __int128>(1) << 88) + (1 << 8) + 0x3b;
  unsigned __int128 state_ =
      (static_cast<unsigned __int128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
};

UsageError at(const std::string& path, int line, const std::string& why) {
  return UsageError(path + ":" + std::to_string(line) + ": " + why);
}

// A field read exactly (core/json_value.hpp), or "FILE:LINE: field: reason".
template <typename T>
T exact(const nlohmann::json& value, const char* field, const std::string& path, int line) {
  std::string why;
  const std::optional<T> read = exact_json<T>(value, &why);
  if (!read) throw at(path, line, std::string(field) + ": " + why);
  return *read;
}

template <typename T>
T required(const nlohmann::json& record, const char* field, const std::string& path, int line) {
  const auto it = record.find(field);
  if (it == record.end() || it->is_null()) {
    throw at(path, line, std::string("result record lacks '") + field + "'");
  }
  return exact<T>(*it, field, path, line);
}

template <typename T>
T optional(const nlohmann::json& record, const char* field, T fallback, const std::string& path,
           int line) {
  const auto it = record.find(field);
  return it == record.end() || it->is_null() ? fallback : exact<T>(*it, field, path, line);
}

void require_range(bool ok, const char* field, const std::string& why, const std::string& path,
                   int line) {
  if (!ok) throw at(path, line, std::string(field) + ": " + why);
}

ResultRow parse_result(const nlohmann::json& r, const std::string& path, int line) {
  ResultRow row;
  row.collective = required<std::string>(r, "collective", path, line);
  row.backend = required<std::string>(r, "backend", path, line);
  row.dtype = required<std::string>(r, "dtype", path, line);
  row.redop = required<std::string>(r, "redop", path, line);
  row.algorithm = optional<std::string>(r, "algorithm", "", path, line);
  row.inplace = required<bool>(r, "inplace", path, line);
  row.nranks = required<int>(r, "nranks", path, line);
  require_range(row.nranks >= 1, "nranks", "must be at least 1", path, line);
  row.bytes = required<int64_t>(r, "bytes", path, line);
  require_range(row.bytes >= 0, "bytes", "must not be negative", path, line);
  row.time_us = required<double>(r, "time_us", path, line);
  row.time_us_min = optional<double>(r, "time_us_min", row.time_us, path, line);
  row.time_us_max = optional<double>(r, "time_us_max", row.time_us, path, line);
  require_range(row.time_us >= 0 && row.time_us_min >= 0 && row.time_us_max >= 0, "time_us",
                "times must not be negative", path, line);
  row.algbw = required<double>(r, "algbw_GBps", path, line);
  row.busbw = required<double>(r, "busbw_GBps", path, line);
  row.ceiling = optional<double>(r, "ceiling_GBps", 0.0, path, line);
  row.wrong = required<int64_t>(r, "wrong", path, line);
  require_range(row.wrong >= -1, "wrong", "must be -1 (not checked) or a count", path, line);
  if (r.contains("samples_us")) {
    const nlohmann::json& samples = r["samples_us"];
    if (!samples.is_array()) throw at(path, line, "samples_us: must be a list of numbers");
    for (const nlohmann::json& sample : samples) {
      row.samples_us.push_back(exact<double>(sample, "samples_us", path, line));
    }
  }
  if (row.samples_us.empty()) row.samples_us = {row.time_us};
  if (r.contains("stable")) row.stable = exact<bool>(r["stable"], "stable", path, line);
  row.source = path + ":" + std::to_string(line);
  return row;
}

// The run record's fields that readers use (history, export, report labels): present or not, each
// must have its type, so no reader meets a number where it expects text.
void check_run_record(const nlohmann::json& run, const std::string& path, int line) {
  for (const char* field : {"timestamp", "git_revision", "command_line", "backend",
                            "collbench_version", "mpi_library"}) {
    (void)optional<std::string>(run, field, "", path, line);
  }
  if (run.contains("nranks")) {
    require_range(exact<int>(run["nranks"], "nranks", path, line) >= 1, "nranks",
                  "must be at least 1", path, line);
  }
  if (run.contains("hosts")) {
    if (!run["hosts"].is_array()) throw at(path, line, "hosts: must be a list");
    for (const nlohmann::json& host : run["hosts"]) {
      if (!host.is_object()) throw at(path, line, "hosts: each host must be an object");
      (void)optional<std::string>(host, "name", "", path, line);
      (void)optional<int>(host, "ranks", 0, path, line);
    }
  }
}

}  // namespace

std::string ResultRow::config_key() const {
  return collective + "|" + backend + "|" + dtype + "|" + redop + "|" + (inplace ? "ip" : "oop") +
         "|" + std::to_string(nranks) + "|" + std::to_string(bytes);
}

std::string config_label(const ResultRow& row) {
  return row.collective + " " + row.backend + " " + row.dtype + " " + row.redop + " " +
         (row.inplace ? "in-place" : "out-of-place") + " " + std::to_string(row.nranks) + " ranks";
}

std::string RunFile::label() const {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (run.is_object() && run.contains("backend")) {
    name += " (" + json_field_text(run, "backend") + ", " + json_field_text(run, "nranks", "0") +
            " ranks)";
  }
  return name;
}

RunFile read_run_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError("cannot read " + path + ": is a directory, not a JSON Lines file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  RunFile file{path, nlohmann::json::object(), {}, {}, {}, {}};
  std::string text;
  int line = 0;
  Fnv128 hash;
  while (std::getline(in, text)) {
    ++line;
    const bool last_without_newline = in.eof();
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    hash.add(text);
    hash.add("\n");
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
      throw at(path, line,
               last_without_newline ? "truncated record (the run may have been killed)"
                                    : "not valid JSON");
    } catch (const nlohmann::json::exception& e) {  // a number beyond double, such as 1e400
      throw at(path, line, "not valid JSON: " + json_error_reason(e));
    }
    if (!record.is_object() || !record.contains("type") || !record["type"].is_string()) {
      throw at(path, line, "not a collbench record (no \"type\")");
    }
    if (!record.contains("schema_version")) throw at(path, line, "schema_version: missing");
    const int version = exact<int>(record["schema_version"], "schema_version", path, line);
    if (version != kSchemaVersion) {
      throw at(path, line,
               "schema_version " + std::to_string(version) +
                   " is not supported (this collbench reads version " +
                   std::to_string(kSchemaVersion) + ")");
    }
    const std::string type = record["type"];
    if (type == "run") {
      check_run_record(record, path, line);
      file.run = std::move(record);
      file.run_lines.push_back(line);
    } else if (type == "result") {
      file.results.push_back(parse_result(record, path, line));
    } else {
      file.others.push_back(std::move(record));
    }
  }
  if (line == 0) throw UsageError(path + ": empty file");
  file.content_hash = hash.hex();
  return file;
}

}  // namespace collbench
