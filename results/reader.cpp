#include "results/reader.hpp"

#include <fstream>

#include "core/errors.hpp"
#include "results/json_text.hpp"
#include "results/record.hpp"

namespace collbench {
namespace {

UsageError at(const std::string& path, int line, const std::string& why) {
  return UsageError(path + ":" + std::to_string(line) + ": " + why);
}

template <typename T>
T required(const nlohmann::json& record, const char* field, const std::string& path, int line) {
  const auto it = record.find(field);
  if (it == record.end() || it->is_null()) {
    throw at(path, line, std::string("result record lacks '") + field + "'");
  }
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw at(path, line, std::string("field '") + field + "' has the wrong type");
  }
}

ResultRow parse_result(const nlohmann::json& r, const std::string& path, int line) {
  ResultRow row;
  row.collective = required<std::string>(r, "collective", path, line);
  row.backend = required<std::string>(r, "backend", path, line);
  row.dtype = required<std::string>(r, "dtype", path, line);
  row.redop = required<std::string>(r, "redop", path, line);
  row.algorithm = r.value("algorithm", std::string());
  row.inplace = required<bool>(r, "inplace", path, line);
  row.nranks = required<int>(r, "nranks", path, line);
  row.bytes = required<int64_t>(r, "bytes", path, line);
  row.time_us = required<double>(r, "time_us", path, line);
  row.time_us_min = r.value("time_us_min", row.time_us);
  row.time_us_max = r.value("time_us_max", row.time_us);
  row.algbw = required<double>(r, "algbw_GBps", path, line);
  row.busbw = required<double>(r, "busbw_GBps", path, line);
  row.ceiling = r.value("ceiling_GBps", 0.0);
  row.wrong = required<int64_t>(r, "wrong", path, line);
  if (r.contains("samples_us"))
    row.samples_us = required<std::vector<double>>(r, "samples_us", path, line);
  if (row.samples_us.empty()) row.samples_us = {row.time_us};
  row.source = path + ":" + std::to_string(line);
  return row;
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  RunFile file{path, nlohmann::json::object(), {}, {}, {}};
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    const bool last_without_newline = in.eof();
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
      throw at(path, line,
               last_without_newline ? "truncated record (the run may have been killed)"
                                    : "not valid JSON");
    }
    if (!record.is_object() || !record.contains("type") || !record["type"].is_string()) {
      throw at(path, line, "not a collbench record (no \"type\")");
    }
    const int version = record.value("schema_version", -1);
    if (version != kSchemaVersion) {
      throw at(path, line,
               "schema_version " + std::to_string(version) +
                   " is not supported (this collbench reads version " +
                   std::to_string(kSchemaVersion) + ")");
    }
    const std::string type = record["type"];
    if (type == "run") {
      file.run = std::move(record);
      file.run_lines.push_back(line);
    } else if (type == "result") {
      file.results.push_back(parse_result(record, path, line));
    } else {
      file.others.push_back(std::move(record));
    }
  }
  if (line == 0) throw UsageError(path + ": empty file");
  return file;
}

}  // namespace collbench
