#include "validation/spec.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

#include "collectives/collective.hpp"
#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/json_line_map.hpp"
#include "core/json_value.hpp"

namespace collbench {
namespace {

constexpr const char* kPhaseNames[] = {"node", "pair", "rail", "fleet", "copy"};
const std::vector<std::string> kCopyTests = {"d2d", "h2d", "d2h"};

// The file a spec came from and, when it was read from text, where its values are.
struct Origin {
  const std::string& file;
  const JsonLineMap* lines;
};

// The JSON pointer of a field path as the messages spell it: "checks[1].phase" is
// "/checks/1/phase", "top level.name" is "/name". Spec field names are plain identifiers, so the
// translation is exact; member names from the file (unknown fields) are appended escaped instead.
std::string pointer_of(std::string_view where) {
  constexpr std::string_view kTop = "top level";
  if (where.substr(0, kTop.size()) == kTop) where.remove_prefix(kTop.size());
  std::string pointer;
  for (char c : where) {
    if (c == '.' || c == '[') {
      pointer += '/';
    } else if (c != ']') {
      if (pointer.empty()) pointer += '/';
      pointer += c;
    }
  }
  return pointer;
}

// `pointer` names the value at fault when it is not the field `where` names.
[[noreturn]] void fail(const Origin& origin, const std::string& where, const std::string& why,
                       const std::optional<std::string>& pointer = std::nullopt) {
  throw UsageError(
      "spec " + json_file_line(origin.file, origin.lines, pointer ? *pointer : pointer_of(where)) +
      ": " + where + ": " + why);
}

template <typename T>
std::optional<T> optional_field(const nlohmann::json& object, const char* key, const Origin& origin,
                                const std::string& where) {
  if (!object.contains(key) || object[key].is_null()) return std::nullopt;
  // Exact: 4294967296 GPUs is refused, never truncated to 0; 1.9 is not an integer.
  std::string why;
  std::optional<T> value = exact_json<T>(object[key], &why);
  if (!value) fail(origin, where + "." + key, why);
  return value;
}

void check_keys(const nlohmann::json& object, const std::vector<std::string>& known,
                const Origin& origin, const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      fail(origin, where, "unknown field '" + key + "'",
           json_pointer_append(pointer_of(where), key));
    }
  }
}

double positive(std::optional<double> value, const Origin& origin, const std::string& where) {
  if (value && !(*value > 0)) fail(origin, where, "must be positive");
  return value.value_or(0);
}

SpecCheck parse_check(const nlohmann::json& item, const Origin& origin, const std::string& where) {
  if (!item.is_object()) fail(origin, where, "must be an object");
  check_keys(item, {"phase", "test", "bytes", "min_GBps", "warn_GBps", "max_us", "warn_us", "note"},
             origin, where);
  SpecCheck check;
  const auto phase = optional_field<std::string>(item, "phase", origin, where);
  if (!phase) fail(origin, where, "missing 'phase' (node, pair, rail, fleet or copy)");
  const auto parsed = parse_phase(*phase);
  if (!parsed) {
    fail(origin, where + ".phase",
         "unknown phase '" + *phase + "' (node, pair, rail, fleet, copy)");
  }
  check.phase = *parsed;
  const auto test = optional_field<std::string>(item, "test", origin, where);
  if (!test) fail(origin, where, "missing 'test' (a collective, or d2d/h2d/d2h for copy)");
  check.test = *test;
  if (check.phase == Phase::kCopy) {
    if (std::find(kCopyTests.begin(), kCopyTests.end(), check.test) == kCopyTests.end()) {
      fail(origin, where + ".test", "copy checks take d2d, h2d or d2h, not '" + check.test + "'");
    }
  } else if (!parse_collective(check.test)) {
    fail(origin, where + ".test",
         "unknown collective '" + check.test + "' (" + collective_names() + ")");
  }
  const auto bytes = optional_field<int64_t>(item, "bytes", origin, where);
  if (!bytes || *bytes <= 0) fail(origin, where, "'bytes' must be a positive integer");
  check.bytes = *bytes;
  check.min_GBps = optional_field<double>(item, "min_GBps", origin, where);
  check.warn_GBps = optional_field<double>(item, "warn_GBps", origin, where);
  check.max_us = optional_field<double>(item, "max_us", origin, where);
  check.warn_us = optional_field<double>(item, "warn_us", origin, where);
  positive(check.min_GBps, origin, where + ".min_GBps");
  positive(check.warn_GBps, origin, where + ".warn_GBps");
  positive(check.max_us, origin, where + ".max_us");
  positive(check.warn_us, origin, where + ".warn_us");
  if (check.min_GBps.has_value() == check.max_us.has_value()) {
    fail(origin, where, "give exactly one of 'min_GBps' (bandwidth) and 'max_us' (latency)");
  }
  if (check.min_GBps && check.warn_us) fail(origin, where, "'warn_us' goes with 'max_us'");
  if (check.max_us && check.warn_GBps) fail(origin, where, "'warn_GBps' goes with 'min_GBps'");
  if (check.warn_GBps && *check.warn_GBps < *check.min_GBps) {
    fail(origin, where, "'warn_GBps' must be at least 'min_GBps'");
  }
  if (check.warn_us && *check.warn_us > *check.max_us) {
    fail(origin, where, "'warn_us' must be at most 'max_us'");
  }
  if (check.phase == Phase::kCopy && check.max_us) {
    fail(origin, where, "copy checks are bandwidths ('min_GBps')");
  }
  return check;
}

TopologyExpectation parse_topology(const nlohmann::json& item, const Origin& origin) {
  const std::string where = "topology";
  if (!item.is_object()) fail(origin, where, "must be an object");
  check_keys(item, {"gpus", "nics", "gpu_model", "nic_model", "pcie_gen", "pcie_width"}, origin,
             where);
  TopologyExpectation t;
  t.gpus = optional_field<int>(item, "gpus", origin, where);
  t.nics = optional_field<int>(item, "nics", origin, where);
  t.gpu_model = optional_field<std::string>(item, "gpu_model", origin, where).value_or("");
  t.nic_model = optional_field<std::string>(item, "nic_model", origin, where).value_or("");
  t.pcie_gen = optional_field<int>(item, "pcie_gen", origin, where);
  t.pcie_width = optional_field<int>(item, "pcie_width", origin, where);
  if (t.gpus && *t.gpus < 0) fail(origin, where + ".gpus", "must not be negative");
  if (t.nics && *t.nics < 0) fail(origin, where + ".nics", "must not be negative");
  if (t.pcie_gen && (*t.pcie_gen < 1 || *t.pcie_gen > 7)) {
    fail(origin, where + ".pcie_gen", "must be 1 to 7");
  }
  if (t.pcie_width && (*t.pcie_width < 1 || *t.pcie_width > 32)) {
    fail(origin, where + ".pcie_width", "must be 1 to 32 lanes");
  }
  if (t.pcie_gen.has_value() != t.pcie_width.has_value()) {
    fail(origin, where, "give 'pcie_gen' and 'pcie_width' together");
  }
  return t;
}

}  // namespace

const char* phase_name(Phase phase) {
  return kPhaseNames[static_cast<int>(phase)];
}

std::optional<Phase> parse_phase(const std::string& text) {
  for (int i = 0; i < 5; ++i) {
    if (text == kPhaseNames[i]) return static_cast<Phase>(i);
  }
  return std::nullopt;
}

const SpecCheck* ValidationSpec::find(Phase phase, const std::string& test, int64_t bytes) const {
  for (const SpecCheck& check : checks) {
    if (check.phase == phase && check.test == test && check.bytes == bytes) return &check;
  }
  return nullptr;
}

ValidationSpec parse_spec(const nlohmann::json& document, const std::string& file,
                          const JsonLineMap* lines) {
  const Origin origin{file, lines};
  if (!document.is_object()) fail(origin, "top level", "must be a JSON object");
  check_keys(document, {"collbench_spec", "name", "description", "sources", "topology", "checks"},
             origin, "top level");
  const auto version = optional_field<int>(document, "collbench_spec", origin, "top level");
  if (!version) fail(origin, "top level", "missing 'collbench_spec' (the format version, 1)");
  if (*version != kSpecVersion) {
    fail(origin, "collbench_spec",
         "version " + std::to_string(*version) + " is not supported (this collbench reads 1)");
  }
  ValidationSpec spec;
  spec.name = optional_field<std::string>(document, "name", origin, "top level").value_or("");
  spec.description =
      optional_field<std::string>(document, "description", origin, "top level").value_or("");
  if (document.contains("sources")) {
    if (!document["sources"].is_array()) fail(origin, "sources", "must be a list of strings");
    const nlohmann::json& sources = document["sources"];
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (!sources[i].is_string()) {
        fail(origin, "sources", "must be a list of strings", "/sources/" + std::to_string(i));
      }
      spec.sources.push_back(sources[i].get<std::string>());
    }
  }
  if (document.contains("topology")) spec.topology = parse_topology(document["topology"], origin);
  if (!document.contains("checks") || !document["checks"].is_array()) {
    fail(origin, "checks", "missing or not a list");
  }
  const nlohmann::json& checks = document["checks"];
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const std::string where = "checks[" + std::to_string(i) + "]";
    SpecCheck check = parse_check(checks[i], origin, where);
    if (spec.find(check.phase, check.test, check.bytes)) {
      fail(origin, where, "repeats phase, test and bytes of an earlier check");
    }
    spec.checks.push_back(std::move(check));
  }
  return spec;
}

ValidationSpec read_spec_file(const std::string& path) {
  std::ifstream in = open_input_file(path, "spec");
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers such as 1e400
    throw UsageError("spec " + path + ": not valid JSON: " + json_error_reason(e));
  }
  const JsonLineMap lines(body);
  return parse_spec(document, path, &lines);
}

nlohmann::ordered_json spec_to_json(const ValidationSpec& spec) {
  nlohmann::ordered_json out = {{"collbench_spec", kSpecVersion}, {"name", spec.name}};
  if (!spec.description.empty()) out["description"] = spec.description;
  if (!spec.sources.empty()) out["sources"] = spec.sources;
  nlohmann::ordered_json topology = nlohmann::ordered_json::object();
  const TopologyExpectation& t = spec.topology;
  if (t.gpus) topology["gpus"] = *t.gpus;
  if (t.nics) topology["nics"] = *t.nics;
  if (!t.gpu_model.empty()) topology["gpu_model"] = t.gpu_model;
  if (!t.nic_model.empty()) topology["nic_model"] = t.nic_model;
  if (t.pcie_gen) topology["pcie_gen"] = *t.pcie_gen;
  if (t.pcie_width) topology["pcie_width"] = *t.pcie_width;
  if (!topology.empty()) out["topology"] = topology;
  out["checks"] = nlohmann::ordered_json::array();
  for (const SpecCheck& c : spec.checks) {
    nlohmann::ordered_json item = {
        {"phase", phase_name(c.phase)}, {"test", c.test}, {"bytes", c.bytes}};
    if (c.min_GBps) item["min_GBps"] = *c.min_GBps;
    if (c.warn_GBps) item["warn_GBps"] = *c.warn_GBps;
    if (c.max_us) item["max_us"] = *c.max_us;
    if (c.warn_us) item["warn_us"] = *c.warn_us;
    out["checks"].push_back(item);
  }
  return out;
}

Judged judge(const SpecCheck& check, double busbw_GBps, double time_us) {
  Judged out;
  if (check.is_latency()) {
    out.measured = time_us;
    out.unit = "us";
    out.fail_limit = *check.max_us;
    out.warn_limit = check.warn_us;
    out.higher_is_better = false;
    if (time_us > *check.max_us) {
      out.status = Status::kFail;
    } else if (check.warn_us && time_us > *check.warn_us) {
      out.status = Status::kWarn;
    }
  } else {
    out.measured = busbw_GBps;
    out.unit = "GB/s";
    out.fail_limit = *check.min_GBps;
    out.warn_limit = check.warn_GBps;
    if (busbw_GBps < *check.min_GBps) {
      out.status = Status::kFail;
    } else if (check.warn_GBps && busbw_GBps < *check.warn_GBps) {
      out.status = Status::kWarn;
    }
  }
  out.expected = out.fail_limit;
  return out;
}

nlohmann::json limits_json(const Judged& judged) {
  nlohmann::json out = {{"fail_limit", judged.fail_limit},
                        {"limit_direction", judged.higher_is_better ? "below" : "above"}};
  if (judged.warn_limit) out["warn_limit"] = *judged.warn_limit;
  return out;
}

std::string limits_text(const nlohmann::json& record) {
  if (!record.contains("fail_limit") || !record["fail_limit"].is_number()) return "";
  const std::string direction = record.value("limit_direction", std::string("below"));
  const std::string unit = record.value("unit", std::string());
  auto number = [&](const nlohmann::json& value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value.get<double>());
    return std::string(text) + (unit.empty() ? "" : " " + unit);
  };
  std::string text;
  if (record.contains("warn_limit") && record["warn_limit"].is_number()) {
    text = "warn " + direction + " " + number(record["warn_limit"]) + ", ";
  }
  return text + "fail " + direction + " " + number(record["fail_limit"]);
}

double pcie_link_GBps(int generation, int width) {
  // Per lane after encoding: 8b/10b for gen 1-2, 128b/130b for gen 3-5, FLIT mode (242/256)
  // from gen 6; the transfer rate doubles per generation. hwloc computes the same.
  static constexpr double kLaneGBps[] = {0, 0.25, 0.5, 0.985, 1.969, 3.938, 7.563, 15.125};
  if (generation < 1 || generation > 7) return 0;
  return kLaneGBps[generation] * width;
}

}  // namespace collbench
