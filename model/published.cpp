#include "model/published.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_line_map.hpp"
#include "core/statistics.hpp"

namespace collbench {
namespace {

[[noreturn]] void bad(const std::string& where, const std::string& field,
                      const std::string& reason) {
  throw UsageError(where + ": " + field + ": " + reason);
}

template <typename T>
T required(const nlohmann::json& j, const char* name, const std::string& where) {
  if (!j.contains(name)) bad(where, name, "missing");
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception&) {
    bad(where, name, "wrong type");
  }
}

NcclEnv env_from(const nlohmann::json& j, const std::string& where) {
  NcclEnv env;
  if (!j.is_object()) bad(where, "env", "expected an object of NCCL variables");
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) bad(where, "env." + key, "expected a string");
    const std::string text = value.get<std::string>();
    if (key == "NCCL_ALGO") {
      env.algorithm = parse_algorithm(text);
      if (!env.algorithm) bad(where, "env.NCCL_ALGO", "unknown algorithm '" + text + "'");
    } else if (key == "NCCL_PROTO") {
      env.protocol = parse_protocol(text);
      if (!env.protocol) bad(where, "env.NCCL_PROTO", "unknown protocol '" + text + "'");
    } else if (key == "NCCL_COLLNET_ENABLE") {
      env.collnet = text == "1";
    } else {
      bad(where, "env." + key, "not a variable the model reads");
    }
  }
  return env;
}

}  // namespace

std::vector<PublishedPoint> load_published_points(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(path + ": cannot read the published points");
  static const char* const kKnown[] = {"id",         "system",  "gpus",      "collective", "bytes",
                                       "busbw_GBps", "time_us", "placement", "nccl",       "env",
                                       "source",     "quote",   "note"};
  std::vector<PublishedPoint> points;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(number);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      throw UsageError(where + ": not valid JSON");
    }
    if (!j.is_object()) throw UsageError(where + ": expected a JSON object");
    for (const auto& [key, value] : j.items()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
        bad(where, key, "unknown field");
      }
    }
    PublishedPoint p;
    p.id = required<int>(j, "id", where);
    p.system = required<std::string>(j, "system", where);
    p.gpus = required<int64_t>(j, "gpus", where);
    if (p.gpus < 1) bad(where, "gpus", "must be at least 1");
    const std::string collective = required<std::string>(j, "collective", where);
    const auto parsed = parse_collective(collective);
    if (!parsed) bad(where, "collective", "unknown collective '" + collective + "'");
    p.collective = *parsed;
    p.bytes = required<int64_t>(j, "bytes", where);
    if (p.bytes < 1) bad(where, "bytes", "must be positive");
    p.busbw_GBps = required<double>(j, "busbw_GBps", where);
    if (!(p.busbw_GBps > 0)) bad(where, "busbw_GBps", "must be positive");
    p.nccl = j.value("nccl", std::string("unknown"));
    p.source = required<std::string>(j, "source", where);
    p.quote = required<std::string>(j, "quote", where);
    p.note = j.value("note", std::string());
    if (j.contains("env")) p.env = env_from(j["env"], where);
    points.push_back(p);
  }
  return points;
}

std::map<std::string, ClusterSpec> load_published_systems(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot read the systems");
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw UsageError(path + ": expected an object of named clusters");
  std::map<std::string, ClusterSpec> systems;
  const JsonLineMap lines(body);  // once: each system's errors name their line
  for (const auto& [name, value] : j.items()) {
    ClusterSpec c =
        cluster_from_json(value, path, lines, json_pointer_append("", name), name + ": ");
    c.name = name;
    systems[name] = c;
  }
  return systems;
}

std::vector<PointCheck> check_published(const std::vector<PublishedPoint>& points,
                                        const std::map<std::string, ClusterSpec>& systems,
                                        const std::map<std::string, Calibration>& calibrations) {
  std::vector<PointCheck> checks;
  for (const PublishedPoint& p : points) {
    const auto system = systems.find(p.system);
    if (system == systems.end()) {
      throw UsageError("point " + std::to_string(p.id) + ": system: '" + p.system +
                       "' is not described");
    }
    const auto calibration = calibrations.find(p.system);
    const Job job =
        place_job(system->second, p.gpus, {},
                  calibration == calibrations.end() ? Calibration{} : calibration->second);
    const Estimate e = tuner_choice(job, p.collective, static_cast<double>(p.bytes), p.env);
    PointCheck check{p, make_prediction(p.collective, e, p.bytes, p.gpus), 0};
    check.predicted.chosen = true;
    check.error = check.predicted.busbw_GBps / p.busbw_GBps - 1;
    checks.push_back(check);
  }
  return checks;
}

ErrorSummary summarize(const std::vector<PointCheck>& checks) {
  ErrorSummary s;
  std::vector<double> errors;
  for (const PointCheck& c : checks) errors.push_back(std::fabs(c.error));
  s.count = errors.size();
  if (errors.empty()) return s;
  s.median = median(errors);
  s.worst = *std::max_element(errors.begin(), errors.end());
  return s;
}

void print_published_table(std::FILE* out, const std::vector<PointCheck>& checks) {
  std::fprintf(out, "%3s %-24s %5s %-14s %12s %9s %9s %8s  %s\n", "id", "system", "GPUs",
               "collective", "bytes", "measured", "model", "error", "NCCL's choice (model)");
  for (const PointCheck& c : checks) {
    std::fprintf(out, "%3d %-24s %5lld %-14s %12lld %9.2f %9.2f %+7.1f%%  %s/%s\n", c.point.id,
                 c.point.system.c_str(), static_cast<long long>(c.point.gpus),
                 std::string(collective_spec(c.point.collective).name).c_str(),
                 static_cast<long long>(c.point.bytes), c.point.busbw_GBps, c.predicted.busbw_GBps,
                 100 * c.error, std::string(algorithm_name(c.predicted.algorithm)).c_str(),
                 std::string(protocol_name(c.predicted.protocol)).c_str());
  }
}

}  // namespace collbench
