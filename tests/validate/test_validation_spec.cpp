// Specs (parsing, errors, thresholds), --make-spec, and the verdicts built from probe rows.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/errors.hpp"
#include "validation/make_spec.hpp"
#include "validation/spec.hpp"
#include "validation/topology_check.hpp"
#include "validation/verdict_stream.hpp"
#include "validation/verdicts.hpp"

namespace collbench {
namespace {

nlohmann::json good_spec() {
  return nlohmann::json::parse(R"({
    "collbench_spec": 1, "name": "8xH100",
    "topology": {"gpus": 8, "nics": 8, "gpu_model": "H100", "pcie_gen": 5, "pcie_width": 16},
    "checks": [
      {"phase": "node", "test": "all_reduce", "bytes": 268435456, "min_GBps": 400,
       "warn_GBps": 440},
      {"phase": "node", "test": "all_reduce", "bytes": 8, "max_us": 30, "warn_us": 20},
      {"phase": "pair", "test": "all_to_all", "bytes": 1048576, "min_GBps": 40},
      {"phase": "copy", "test": "h2d", "bytes": 268435456, "min_GBps": 50}
    ]})");
}

std::string error_of(const nlohmann::json& document) {
  try {
    parse_spec(document, "s.json");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, ParsesAndRoundTrips) {
  const ValidationSpec spec = parse_spec(good_spec(), "s.json");
  EXPECT_EQ(spec.name, "8xH100");
  ASSERT_EQ(spec.checks.size(), 4u);
  EXPECT_EQ(*spec.topology.gpus, 8);
  const SpecCheck* latency = spec.find(Phase::kNode, "all_reduce", 8);
  ASSERT_NE(latency, nullptr);
  EXPECT_TRUE(latency->is_latency());
  EXPECT_EQ(spec.find(Phase::kPair, "all_reduce", 8), nullptr);
  const ValidationSpec again =
      parse_spec(nlohmann::json::parse(spec_to_json(spec).dump()), "again.json");
  EXPECT_EQ(spec_to_json(again), spec_to_json(spec));
}

TEST(Spec, BadSpecsSayWhatAndWhere) {
  struct Case {
    const char* pointer;
    nlohmann::json value;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"/collbench_spec", 2, "collbench_spec: version 2 is not supported"},
      {"/checks/0/phase", "rack", "checks[0].phase: unknown phase 'rack'"},
      {"/checks/0/test", "gossip", "checks[0].test: unknown collective 'gossip'"},
      {"/checks/0/bytes", -1, "checks[0]: 'bytes' must be a positive integer"},
      {"/checks/0/min_GBps", "fast", "checks[0].min_GBps: must be a number"},
      {"/checks/0/warn_GBps", 100, "'warn_GBps' must be at least 'min_GBps'"},
      {"/checks/1/max_us", nullptr, "give exactly one of 'min_GBps' (bandwidth) and 'max_us'"},
      {"/checks/3/test", "p2p", "copy checks take d2d, h2d or d2h"},
      {"/topology/pcie_gen", 9, "topology.pcie_gen: must be 1 to 7"},
      {"/topology/colour", "red", "topology: unknown field 'colour'"},
      {"/checks/2/phase", "node", ""},  // valid: the same test in another phase
  };
  for (const Case& c : cases) {
    nlohmann::json document = good_spec();
    document[nlohmann::json::json_pointer(c.pointer)] = c.value;
    const std::string error = error_of(document);
    if (std::string(c.message).empty()) {
      EXPECT_EQ(error, "") << c.pointer;
    } else {
      EXPECT_NE(error.find(c.message), std::string::npos) << c.pointer << ": " << error;
      EXPECT_EQ(error.rfind("spec s.json: ", 0), 0u) << error;
      EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";
    }
  }
  nlohmann::json duplicate = good_spec();
  duplicate["checks"].push_back(duplicate["checks"][0]);
  EXPECT_NE(error_of(duplicate).find("checks[4]: repeats"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::array()).find("must be a JSON object"), std::string::npos);
  EXPECT_THROW(read_spec_file("/nonexistent/spec.json"), UsageError);
}

TEST(Spec, FileErrorsNameTheLineOfTheValue) {
  // read_spec_file says "spec FILE:LINE: field: reason": the line of the value at fault, of the
  // check lacking a field, or of the unknown member.
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("collbench-spec-lines-" + std::to_string(::getpid()) + ".json"))
                               .string();
  auto error_of_text = [&](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    try {
      read_spec_file(path);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string head = "{\"collbench_spec\": 1,\n\"checks\": [\n";
  const std::string good =
      "{\"phase\": \"node\", \"test\": \"all_reduce\", \"bytes\": 8, \"max_us\": 9},\n";
  EXPECT_EQ(error_of_text(head + good + "{\"phase\":\r\n \"rack\"}]}")
                .rfind("spec " + path + ":5: checks[1].phase: unknown phase 'rack'", 0),
            0u);
  EXPECT_EQ(error_of_text(head + good + "\n{\"phase\": \"node\"}]}")
                .rfind("spec " + path + ":5: checks[1]: missing 'test'", 0),
            0u);
  EXPECT_EQ(error_of_text(head + good + "{\"note\": \"}\\\"\\n{\",\n\"colour\": 1}]}")
                .rfind("spec " + path + ":5: checks[1]: unknown field 'colour'", 0),
            0u);
  EXPECT_EQ(
      error_of_text("{\"collbench_spec\": 1,\n\"topology\": {\n\"gpus\": -1}, \"checks\": []}")
          .rfind("spec " + path + ":3: topology.gpus: must not be negative", 0),
      0u);
  std::filesystem::remove(path);
}

TEST(Spec, JudgeBandwidthAndLatency) {
  const ValidationSpec spec = parse_spec(good_spec(), "s.json");
  const SpecCheck& bw = *spec.find(Phase::kNode, "all_reduce", 268435456);
  EXPECT_EQ(judge(bw, 450, 0).status, Status::kPass);
  EXPECT_EQ(judge(bw, 420, 0).status, Status::kWarn);
  EXPECT_EQ(judge(bw, 399, 0).status, Status::kFail);
  EXPECT_EQ(judge(bw, 399, 0).expected, 400);
  EXPECT_EQ(judge(bw, 399, 0).unit, "GB/s");
  const SpecCheck& lat = *spec.find(Phase::kNode, "all_reduce", 8);
  EXPECT_EQ(judge(lat, 0, 15).status, Status::kPass);
  EXPECT_EQ(judge(lat, 0, 25).status, Status::kWarn);
  EXPECT_EQ(judge(lat, 0, 31).status, Status::kFail);
  EXPECT_EQ(judge(lat, 0, 31).unit, "us");
  EXPECT_NEAR(pcie_link_GBps(5, 16), 63.0, 0.1);
  EXPECT_NEAR(pcie_link_GBps(3, 16), 15.76, 0.01);
}

TEST(Spec, AWarnShowsBothLimits) {
  const ValidationSpec spec = parse_spec(good_spec(), "s.json");
  // Latency: a WARN at 25 us is above the warn limit and below the fail limit; both are shown.
  const Judged warned = judge(*spec.find(Phase::kNode, "all_reduce", 8), 0, 25);
  ASSERT_EQ(warned.status, Status::kWarn);
  nlohmann::json record = {{"unit", warned.unit}};
  record.update(limits_json(warned));
  EXPECT_EQ(record["warn_limit"], *warned.warn_limit);
  EXPECT_EQ(record["fail_limit"], warned.fail_limit);
  EXPECT_EQ(limits_text(record), "warn above 20 us, fail above 30 us");
  // Bandwidth: the limits are floors.
  const Judged low = judge(*spec.find(Phase::kNode, "all_reduce", 268435456), 420, 0);
  nlohmann::json bw = {{"unit", low.unit}};
  bw.update(limits_json(low));
  EXPECT_EQ(limits_text(bw), "warn below 440 GB/s, fail below 400 GB/s");
  EXPECT_EQ(limits_text({{"measured", 7}}), "");  // a topology check has no limits
}

nlohmann::json probe(const char* phase, const char* test, int64_t bytes, double busbw,
                     double time_us, int64_t wrong = 0) {
  return {{"type", "probe"},     {"phase", phase},     {"test", test},  {"bytes", bytes},
          {"busbw_GBps", busbw}, {"time_us", time_us}, {"wrong", wrong}};
}

nlohmann::json probe_with_samples(const char* phase, int64_t bytes, double busbw, double time_us,
                                  std::vector<double> samples) {
  nlohmann::json p = probe(phase, "all_reduce", bytes, busbw, time_us);
  p["samples_us"] = samples;
  return p;
}

TEST(MakeSpec, LimitsFromMedianSpreadAndWorstSample) {
  // Three runs of one node: busbw 100 GB/s at 100 us; samples within 5 %; one corrupt probe.
  std::vector<nlohmann::json> probes;
  for (int run = 0; run < 3; ++run) {
    probes.push_back(probe_with_samples("node", 1 << 24, 100, 100, {95, 100, 105, 98, 102}));
    probes.push_back(probe_with_samples("pair", 8, 0, 20, {19, 20, 21, 20, 20}));
  }
  probes.push_back(probe("node", "all_reduce", 1 << 24, 1, 0, 5));
  const nlohmann::json run = {{"type", "run"},
                              {"node_topology", {{"gpus", 8}, {"nics", 4}, {"gpu_model", "H100"}}}};
  MakeSpecOptions options;
  options.margin = 0.2;
  std::vector<std::string> warnings;
  const ValidationSpec spec = make_spec(probes, {run, run, run}, options, {"a.jsonl"}, &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();  // 3 runs, 15 samples per check
  ASSERT_EQ(spec.checks.size(), 2u);
  const SpecCheck* bw = spec.find(Phase::kNode, "all_reduce", 1 << 24);
  ASSERT_NE(bw, nullptr);
  // Median 100 GB/s; 5th percentile (of 15: the lowest) 100 x 100 / 105 = 95.2 GB/s, less 20 %.
  EXPECT_DOUBLE_EQ(*bw->min_GBps, 76.2);
  EXPECT_DOUBLE_EQ(*bw->warn_GBps, 90);  // the median less half the margin
  const SpecCheck* lat = spec.find(Phase::kPair, "all_reduce", 8);
  ASSERT_NE(lat, nullptr);
  EXPECT_DOUBLE_EQ(*lat->max_us,
                   25.2);  // 95th percentile (of 15: the worst) 21 x 1.2, above 20 / 0.8
  EXPECT_DOUBLE_EQ(*lat->warn_us, 22.2);  // median / 0.9
  // The machine passes its own spec on every healthy sample; a 20x slower one fails.
  for (double t : {95.0, 100.0, 105.0}) {
    EXPECT_EQ(judge(*bw, 100 * 100 / t, t).status, Status::kPass) << t;
  }
  EXPECT_EQ(judge(*bw, 5, 2000).status, Status::kFail);
  EXPECT_EQ(judge(*lat, 0, 21).status, Status::kPass);
  EXPECT_EQ(judge(*lat, 0, 400).status, Status::kFail);
  EXPECT_EQ(*spec.topology.gpus, 8);
  EXPECT_EQ(spec.topology.gpu_model, "H100");
  EXPECT_EQ(spec.sources, std::vector<std::string>{"a.jsonl"});
  // What it writes, it reads.
  EXPECT_NO_THROW(parse_spec(nlohmann::json::parse(spec_to_json(spec).dump()), "made.json"));
  options.margin = 1.5;
  EXPECT_THROW(make_spec(probes, {}, options, {}), UsageError);
  EXPECT_THROW(make_spec({}, {}, MakeSpecOptions{}, {}), UsageError);
}

TEST(MakeSpec, TooLittleOrNoisyDataWarns) {
  // One run, three samples, one of them 10x the others (a busy moment on a shared machine).
  const std::vector<nlohmann::json> probes = {probe_with_samples("node", 8, 0, 20, {20, 21, 200})};
  std::vector<std::string> warnings;
  const ValidationSpec spec =
      make_spec(probes, {{{"type", "run"}}}, MakeSpecOptions{}, {}, &warnings);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("from 1 run(s)"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("only 3 samples"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[2].find("loose"), std::string::npos) << warnings[2];
  // The limits never sit below a healthy sample: the busy moment itself passes; beyond the worst
  // healthy sample plus the margin fails.
  EXPECT_EQ(judge(spec.checks.at(0), 0, 200).status, Status::kPass);
  EXPECT_EQ(judge(spec.checks.at(0), 0, 210).status, Status::kWarn);
  EXPECT_EQ(judge(spec.checks.at(0), 0, 250).status, Status::kFail);
}

TEST(MakeSpec, DerivedLimitsKeepTheirOrder) {
  const DerivedLimits lat = derive_latency_limits({10, 11, 12, 13, 50}, 0.2);
  EXPECT_LE(lat.warn, lat.fail);
  EXPECT_GE(lat.warn, lat.worst);  // no healthy sample WARNs
  const DerivedLimits bw = derive_bandwidth_limits({10, 9, 1, 10, 11}, 0.2);
  EXPECT_GE(bw.warn, bw.fail);
  EXPECT_GT(bw.fail, 0);
  EXPECT_LE(bw.warn, bw.worst);
}

nlohmann::json row(const char* phase, std::vector<int> nodes, const char* status, int round = 0,
                   const char* device = nullptr) {
  nlohmann::json r = {{"type", "probe"},      {"phase", phase},  {"nodes", nodes},
                      {"test", "all_reduce"}, {"bytes", 1024},   {"status", status},
                      {"measured", 1.0},      {"expected", 2.0}, {"unit", "GB/s"}};
  if (round) r["round"] = round;
  if (device) r["device"] = device;
  return r;
}

TEST(Verdicts, DirectEvidencePairsAndRails) {
  const std::vector<std::string> names = {"n0", "n1", "n2", "n3"};
  std::vector<nlohmann::json> rows = {row("node", {0}, "PASS"), row("node", {1}, "WARN"),
                                      row("node", {2}, "PASS"), row("node", {3}, "PASS"),
                                      row("fleet", {0, 1, 2, 3}, "FAIL")};
  // Round robin of 4: node 2 fails every pair; on rail 1 only node 3 is bad.
  int round = 0;
  for (auto pairs : {std::vector<std::pair<int, int>>{{0, 3}, {1, 2}},
                     std::vector<std::pair<int, int>>{{0, 2}, {1, 3}},
                     std::vector<std::pair<int, int>>{{0, 1}, {2, 3}}}) {
    ++round;
    for (auto [a, b] : pairs) {
      rows.push_back(row("pair", {a, b}, a == 2 || b == 2 ? "FAIL" : "PASS", round));
      rows.push_back(row("rail", {a, b}, a == 3 || b == 3 ? "FAIL" : "PASS", round, "rail 1"));
    }
  }
  const ValidationVerdicts v = build_verdicts(rows, names);
  EXPECT_EQ(v.node_status,
            (std::vector<Status>{Status::kPass, Status::kWarn, Status::kFail, Status::kFail}));
  EXPECT_EQ(v.fleet_status, Status::kFail);
  EXPECT_EQ(v.overall, Status::kFail);
  int overall = 0;
  bool rail_named = false;
  bool pair_named = false;
  for (const nlohmann::json& r : v.records) {
    EXPECT_EQ(r["type"], "verdict");
    for (const char* key : {"node", "status", "check", "measured", "expected"}) {
      EXPECT_TRUE(r.contains(key)) << key << " in " << r.dump();
    }
    if (r["check"] == "overall") ++overall;
    if (r["node"] == "n3" && r.value("device", "") == "rail 1" && r["status"] == "FAIL") {
      rail_named = true;
    }
    if (r["node"] == "n2" && r.contains("partner") && r["status"] == "FAIL") pair_named = true;
    if (r["node"] == "n1" && r.contains("partner")) {
      ADD_FAILURE() << "n1 failed only with n2, which explains it: " << r.dump();
    }
    if (r["check"] == "overall") continue;
    EXPECT_NE(r["status"], "PASS") << "only problems are listed per check";
  }
  EXPECT_EQ(overall, 4);
  EXPECT_TRUE(rail_named);
  EXPECT_TRUE(pair_named);
}

TEST(Verdicts, OneSlowPairWarnsAndFailsNoOne) {
  std::vector<nlohmann::json> rows;
  int round = 0;
  for (auto pairs : {std::vector<std::pair<int, int>>{{0, 3}, {1, 2}},
                     std::vector<std::pair<int, int>>{{0, 2}, {1, 3}},
                     std::vector<std::pair<int, int>>{{0, 1}, {2, 3}}}) {
    ++round;
    for (auto [a, b] : pairs)
      rows.push_back(row("pair", {a, b}, a == 1 && b == 3 ? "FAIL" : "PASS", round));
  }
  const ValidationVerdicts v = build_verdicts(rows, {"n0", "n1", "n2", "n3"});
  EXPECT_EQ(v.overall, Status::kWarn);
  int pair_records = 0;
  for (const nlohmann::json& r : v.records) {
    EXPECT_NE(r["status"], "FAIL") << r.dump();
    if (r.contains("partner")) {
      ++pair_records;
      EXPECT_EQ(r["status"], "WARN");
    }
  }
  EXPECT_EQ(pair_records, 1);
}

// Verdicts leave as their phase settles: the node phase's right after it, the pairs' only after the
// last round (a pair verdict judges across partners), the per-node overall records at the end;
// together exactly the records build_verdicts makes from all rows, each once.
TEST(Verdicts, StreamedAsPhasesSettle) {
  const std::vector<std::string> names = {"n0", "n1", "n2", "n3"};
  VerdictStream stream(names);
  std::vector<nlohmann::json> all = {row("node", {0}, "PASS"), row("node", {1}, "WARN"),
                                     row("node", {2}, "FAIL"), row("node", {3}, "PASS")};
  std::set<std::string> streamed;
  auto keep = [&](const std::vector<nlohmann::json>& records) {
    for (const nlohmann::json& v : records) {
      EXPECT_TRUE(streamed.insert(v.dump()).second) << "handed out twice: " << v.dump();
    }
    return records;
  };
  std::vector<nlohmann::json> out = keep(stream.add_step(all, {"topology", "copy", "node"}));
  ASSERT_EQ(out.size(), 2u);
  for (const nlohmann::json& v : out) {
    EXPECT_EQ(v["phase"], "node");
    EXPECT_NE(v["check"], "overall");
  }
  // Round 1 of 2: node 2 fails with its partner, but which node is bad is not known yet.
  const std::vector<nlohmann::json> round1 = {row("pair", {0, 2}, "FAIL", 1),
                                              row("pair", {1, 3}, "PASS", 1)};
  all.insert(all.end(), round1.begin(), round1.end());
  EXPECT_TRUE(keep(stream.add_step(round1, {})).empty()) << "no pair verdict before the last round";
  const std::vector<nlohmann::json> round2 = {row("pair", {1, 2}, "FAIL", 2),
                                              row("pair", {0, 3}, "PASS", 2)};
  all.insert(all.end(), round2.begin(), round2.end());
  out = keep(stream.add_step(round2, {"pair", "rail"}));
  ASSERT_FALSE(out.empty());
  for (const nlohmann::json& v : out) EXPECT_EQ(v["phase"], "pair") << v.dump();
  const std::size_t early = stream.handed_out();
  const std::vector<nlohmann::json> rest = keep(stream.finish());
  ASSERT_EQ(rest.size(), names.size()) << "only the overall records are left";
  for (const nlohmann::json& v : rest) EXPECT_EQ(v["check"], "overall");

  EXPECT_EQ(early + rest.size(), stream.handed_out());
  const ValidationVerdicts whole = build_verdicts(all, names);
  std::set<std::string> expected;
  for (const nlohmann::json& v : whole.records) expected.insert(v.dump());
  EXPECT_EQ(streamed, expected);
  EXPECT_EQ(whole.node_status[2], Status::kFail);
}

TEST(Verdicts, OddFingerprintWarns) {
  std::vector<nlohmann::json> rows;
  for (const char* hash : {"aa", "aa", "bb", "aa"}) {
    rows.push_back({{"type", "probe"},
                    {"phase", "topology"},
                    {"test", "fingerprint"},
                    {"status", "PASS"},
                    {"measured", hash},
                    {"expected", nullptr},
                    {"nodes", {static_cast<int>(rows.size())}}});
  }
  mark_odd_fingerprints(rows);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["status"], i == 2 ? "WARN" : "PASS") << i;
  }
  EXPECT_EQ(rows[2]["expected"], "aa");
  const ValidationVerdicts v = build_verdicts(rows, {"a", "b", "c", "d"});
  EXPECT_EQ(v.node_status[2], Status::kWarn);
  EXPECT_EQ(v.overall, Status::kWarn);
}

TEST(Spec, ShippedSpecsParse) {
  int specs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(COLLBENCH_SPECS_DIR)) {
    if (entry.path().extension() != ".json") continue;
    ++specs;
    const ValidationSpec spec = read_spec_file(entry.path().string());
    EXPECT_FALSE(spec.name.empty()) << entry.path();
    EXPECT_FALSE(spec.sources.empty()) << entry.path() << ": every shipped spec cites its sources";
  }
  EXPECT_GE(specs, 2);
}

}  // namespace
}  // namespace collbench
