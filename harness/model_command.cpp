// `collbench model`: fit a machine's collectives (or calibrate a cluster description) from measured
// runs, predict NCCL on a cluster description or from a fit, check predictions against held-out
// runs and published measurements, and ask what one degraded link or GPU costs at scale.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/json_value.hpp"
#include "core/statistics.hpp"
#include "harness/command.hpp"
#include "harness/size_sweep.hpp"
#include "model/calibrate.hpp"
#include "model/cost_model.hpp"
#include "model/fit.hpp"
#include "model/published.hpp"
#include "results/atomic_file.hpp"
#include "results/jsonl_writer.hpp"

namespace collbench {
namespace {

nlohmann::json prediction_json(const Prediction& p) {
  return {{"type", "prediction"},
          {"schema_version", kSchemaVersion},
          {"collective", std::string(collective_spec(p.collective).name)},
          {"algorithm", std::string(algorithm_name(p.algorithm))},
          {"protocol", std::string(protocol_name(p.protocol))},
          {"bytes", p.bytes},
          {"nranks", p.nranks},
          {"time_us", p.time_us},
          {"algbw_GBps", p.algbw_GBps},
          {"busbw_GBps", p.busbw_GBps},
          {"bound_busbw_GBps", p.bound_busbw_GBps},
          {"best", p.chosen}};  // the one NCCL's tuner picks: the fastest
}

nlohmann::json read_json(const std::string& path, const char* what) {
  std::ifstream in = open_input_file(path, what);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error&) {
    throw UsageError(path + ": not valid JSON");
  } catch (const nlohmann::json::exception& e) {  // 1e400
    throw UsageError(path + ": " + json_error_reason(e));
  }
}

Calibration calibration_from(const nlohmann::json& j, const std::string& path) {
  Calibration c;
  const nlohmann::json& k = j.at("calibration");
  auto get = [&](const char* name, double& value) {
    if (!k.contains(name) || !k[name].is_number() || !(k[name].get<double>() > 0)) {
      throw UsageError(path + ": calibration." + name + ": missing or not a positive number");
    }
    value = k[name].get<double>();
  };
  get("scaleup", c.scaleup);
  get("scaleout", c.scaleout);
  get("latency", c.latency);
  return c;
}

std::vector<RunFile> read_runs(const std::vector<std::string>& paths) {
  std::vector<RunFile> runs;
  for (const std::string& p : paths) runs.push_back(read_run_file(p));
  return runs;
}

Fit read_fit(const std::string& path) {
  try {
    return fit_from_json(read_json(path, "fit"), path);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    throw UsageError(path + ": " + json_error_reason(e));
  }
}

int cores_from(const std::vector<RunFile>& runs, int given) {
  if (given > 0) return given;
  for (const RunFile& r : runs) {
    if (r.run.contains("topology")) return r.run["topology"].value("cores", 0);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void print_predictions(const std::vector<Prediction>& predictions) {
  std::printf("%-15s %-15s %-7s %14s %9s %14s %10s %10s %10s %s\n", "collective", "algorithm",
              "proto", "bytes", "ranks", "time_us", "algbw", "busbw", "bound", "");
  for (const Prediction& p : predictions) {
    std::printf("%-15s %-15s %-7s %14lld %9lld %14.2f %10.2f %10.2f %10.2f %s\n",
                std::string(collective_spec(p.collective).name).c_str(),
                std::string(algorithm_name(p.algorithm)).c_str(),
                std::string(protocol_name(p.protocol)).c_str(), static_cast<long long>(p.bytes),
                static_cast<long long>(p.nranks), p.time_us, p.algbw_GBps, p.busbw_GBps,
                p.bound_busbw_GBps, p.chosen ? "nccl" : "");
  }
}

class ModelCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* m = app.add_subcommand("model", "Scale model: predict, fit, check, what-if");
    m->require_subcommand(1);
    fit_ = m->add_subcommand("fit", "Fit alpha and beta per collective, or calibrate a cluster");
    fit_->add_option("files", files_, "JSON Lines of collbench run")->required();
    fit_->add_option("-o,--output", output_, "Fit file (fit.json)");
    fit_->add_option("--cores", cores_, "Cores of the measured machine (from the run record)");
    fit_->add_option("--cluster", cluster_path_, "Calibrate this cluster description (JSON)");
    fit_->add_option("--preset", preset_, "Calibrate this preset");

    predict_ = m->add_subcommand("predict", "Predict NCCL's time per algorithm, protocol, size");
    predict_->add_option("--fit", fit_path_, "A fit or a calibration from `model fit`");
    predict_->add_option("--cluster", cluster_path_, "A cluster description (JSON)");
    predict_->add_option("--preset", preset_, "A built-in cluster (see docs/model.md)");
    predict_->add_option("--ranks", ranks_, "GPUs or ranks to predict for")->required();
    predict_->add_option("-b,--minbytes", min_bytes_, "Smallest size (8)");
    predict_->add_option("-e,--maxbytes", max_bytes_, "Largest size (8G)");
    predict_->add_option("-f,--stepfactor", factor_, "Multiply the size by this (2)");
    predict_->add_option("-J,--output_file", output_, "Prediction records as JSON Lines");
    predict_->add_flag("--extend-fabric", extend_, "Grow the cluster and its fabric to --ranks");
    predict_->add_flag("--collnet", collnet_,
                       "NCCL_COLLNET_ENABLE=1: SHARP when the fabric has it");
    predict_->add_option("--algo", algo_, "Force an algorithm, as NCCL_ALGO");
    predict_->add_option("--proto", proto_, "Force a protocol, as NCCL_PROTO");
    predict_->add_flag("--all-protocols", all_protocols_,
                       "Every protocol, not each algorithm's best");

    check_ = m->add_subcommand("check", "Compare a fit's predictions with measured runs");
    check_->add_option("--fit", fit_path_, "A fit from `model fit`")->required();
    check_->add_option("files", files_, "Held-out runs (JSON Lines)")->required();
    check_->add_option("--min-bytes", check_min_, "Sizes from here count in the summary (64K)");
    check_->add_option("--json", output_, "Write the comparison as JSON");

    published_ = m->add_subcommand("published", "The model against published NCCL measurements");
    published_->add_option("--points", points_path_, "Published points (JSON Lines)");
    published_->add_option("--systems", systems_path_, "Their clusters (JSON)");

    whatif_ = m->add_subcommand("whatif", "Slowdown from one degraded link or GPU at scale");
    whatif_->add_option("--cluster", cluster_path_, "A cluster description (JSON)");
    whatif_->add_option("--preset", preset_, "Cluster preset");
    whatif_->add_option("--degrade", degrade_, "link or gpu")
        ->required()
        ->check(CLI::IsMember({"link", "gpu"}));
    whatif_->add_option("--fraction", fraction_, "Its bandwidth as a fraction (0.5)");
    whatif_->add_option("--size", size_, "all_reduce size (1G)");
    return m;
  }

  int execute(int, char**) override {
    if (fit_->parsed()) return do_fit();
    if (predict_->parsed()) return do_predict();
    if (check_->parsed()) return do_check();
    if (published_->parsed()) return do_published();
    return do_whatif();
  }

 private:
  bool has_cluster() const { return !cluster_path_.empty() || !preset_.empty(); }

  ClusterSpec cluster() const {
    if (!cluster_path_.empty() && !preset_.empty())
      throw UsageError("--cluster, --preset: give one, not both");
    if (!cluster_path_.empty()) return load_cluster(cluster_path_);
    return cluster_preset(preset_.empty() ? "hgx-h100-ndr400" : preset_);
  }

  std::vector<std::pair<std::string, std::string>> inputs() const {
    std::vector<std::pair<std::string, std::string>> list{{"--fit", fit_path_},
                                                          {"--cluster", cluster_path_}};
    for (const std::string& path : files_) list.push_back({"input", path});
    return list;
  }

  int do_fit() {
    refuse_shared_paths({{"-o", output_.empty() ? "fit.json" : output_}}, inputs());
    const std::vector<RunFile> runs = read_runs(files_);
    if (has_cluster()) return do_calibrate(runs);
    const Fit fit = fit_measurements(measurements_from(runs), cores_from(runs, cores_));
    std::printf("# fit on %d cores (weighted least squares on relative error)\n", fit.cores);
    std::printf("%-16s %-5s %10s %14s %12s %14s %8s %6s\n", "collective", "form", "alpha_us",
                "beta_us/B", "c_alpha_us", "c_beta_us/B", "rel_rms", "points");
    for (const auto& [name, f] : fit.collectives) {
      std::printf("%-16s %-5s %10.4f %14.6e %12.4f %14.6e %7.1f%% %6d\n", name.c_str(),
                  f.form.c_str(), f.alpha_us, f.beta_us_per_byte, f.contention_alpha_us,
                  f.contention_us_per_byte, 100 * f.rel_rms, f.points);
    }
    // Residuals per point, so a poor fit is visible where it is poor.
    std::printf("\n# residuals\n%-16s %6s %12s %12s %12s %8s\n", "collective", "ranks", "bytes",
                "measured_us", "fitted_us", "error");
    for (const Measurement1& m : measurements_from(runs)) {
      const double p = fit.predict_us(m.collective, m.nranks, m.bytes);
      std::printf("%-16s %6lld %12.0f %12.2f %12.2f %7.1f%%\n", m.collective.c_str(),
                  static_cast<long long>(m.nranks), m.bytes, m.time_us, p,
                  100 * (p - m.time_us) / m.time_us);
    }
    const std::string out = output_.empty() ? "fit.json" : output_;
    write_file_atomically(out, fit_to_json(fit).dump(2) + "\n");
    std::printf("# wrote %s\n", out.c_str());
    return kExitOk;
  }

  // Calibrates the cluster's NVLink, NIC and latency multipliers on measured NCCL runs.
  int do_calibrate(const std::vector<RunFile>& runs) {
    const ClusterSpec c = cluster();
    std::vector<CalibrationPoint> points;
    for (const Measurement1& m : measurements_from(runs)) {
      const auto id = parse_collective(m.collective);
      if (!id) continue;
      points.push_back({m.nranks, *id, m.bytes, m.time_us, {}});
    }
    const CalibrationFit fit = calibrate(c, points);
    std::printf(
        "# %s calibrated on %zu points: NVLink x%.3f, NIC x%.3f, latency x%.3f "
        "(rms log error %.3f)\n",
        c.name.c_str(), fit.points, fit.calibration.scaleup, fit.calibration.scaleout,
        fit.calibration.latency, fit.rms_log_error);
    const nlohmann::json j = {{"type", "calibration"},
                              {"cluster", c.name},
                              {"calibration",
                               {{"scaleup", fit.calibration.scaleup},
                                {"scaleout", fit.calibration.scaleout},
                                {"latency", fit.calibration.latency}}},
                              {"rms_log_error", fit.rms_log_error},
                              {"points", fit.points}};
    const std::string out = output_.empty() ? "fit.json" : output_;
    write_file_atomically(out, j.dump(2) + "\n");
    std::printf("# wrote %s\n", out.c_str());
    return kExitOk;
  }

  std::vector<int64_t> sizes() const {
    const int64_t lo = parse_size(min_bytes_, "-b"), hi = parse_size(max_bytes_, "-e");
    if (lo < 1) throw UsageError("-b: size must be positive");
    if (hi < 1) throw UsageError("-e: size must be positive");
    return sweep_sizes({lo, hi, factor_, 0});
  }

  NcclEnv env() const {
    NcclEnv e;
    e.collnet = collnet_;
    if (!algo_.empty()) {
      e.algorithm = parse_algorithm(algo_);
      if (!e.algorithm) throw UsageError("--algo: unknown algorithm '" + algo_ + "'");
    }
    if (!proto_.empty()) {
      e.protocol = parse_protocol(proto_);
      if (!e.protocol) throw UsageError("--proto: unknown protocol '" + proto_ + "'");
    }
    return e;
  }

  int do_predict() {
    if (ranks_ < 1 || ranks_ > 1000000) throw UsageError("--ranks: must be 1 to 1,000,000");
    if (factor_ < 2) throw UsageError("-f/--stepfactor: must be at least 2");
    refuse_shared_paths({{"-J", output_}}, inputs());
    std::vector<Prediction> predictions;
    Calibration calibration;
    if (!fit_path_.empty()) {
      const nlohmann::json j = read_json(fit_path_, "fit");
      if (!j.contains("calibration")) return predict_from_fit(fit_from_json(j, fit_path_));
      calibration = calibration_from(j, fit_path_);
    }
    ClusterSpec c = cluster();
    if (extend_) extend_fabric(c, ranks_);
    const Job job = place_job(c, ranks_, {}, calibration);
    predictions = predict_cluster(job,
                                  {Collective::kAllReduce, Collective::kAllGather,
                                   Collective::kReduceScatter, Collective::kAllToAll},
                                  sizes(), env(), all_protocols_);
    std::printf("# cluster %s: %lld GPUs = %lld domains of %lld, %d fabric tier(s) used; %s\n",
                c.name.c_str(), static_cast<long long>(ranks_), static_cast<long long>(job.m),
                static_cast<long long>(job.d), job.tiers, c.source.c_str());
    if (!c.assumptions.empty()) std::printf("# assumptions: %s\n", c.assumptions.c_str());
    std::printf("# nccl: the algorithm and protocol NCCL's tuner would pick (docs/model.md)\n");
    write_predictions(predictions);
    return kExitOk;
  }

  int predict_from_fit(const Fit& fit) {
    std::vector<Prediction> predictions;
    for (const auto& [name, f] : fit.collectives) {
      const auto id = parse_collective(name);
      if (!id) continue;
      for (int64_t bytes : sizes()) {
        const Estimate e{Algorithm::kRing, Protocol::kSimple,
                         fit.predict_us(name, ranks_, static_cast<double>(bytes)), 0};
        Prediction p = make_prediction(*id, e, bytes, ranks_);
        p.chosen = true;
        predictions.push_back(p);
      }
    }
    std::printf("# from the fit in %s (alpha-beta, form per collective; algorithm not modelled)\n",
                fit_path_.c_str());
    write_predictions(predictions);
    return kExitOk;
  }

  void write_predictions(const std::vector<Prediction>& predictions) const {
    std::unique_ptr<JsonLinesWriter> json;
    if (!output_.empty()) json = std::make_unique<JsonLinesWriter>(output_);
    print_predictions(predictions);
    if (json) {
      for (const Prediction& p : predictions) json->write(prediction_json(p));
    }
    if (json) json->end_run();  // a streamed output: complete, so moved into place
  }

  int do_check() {
    refuse_shared_paths({{"--json", output_}}, inputs());
    const Fit fit = read_fit(fit_path_);
    const int64_t min_bytes = parse_size(check_min_, "--min-bytes");
    std::map<std::pair<std::string, int64_t>, std::vector<double>> errors;
    nlohmann::json rows = nlohmann::json::array();
    std::printf("%-16s %6s %12s %12s %12s %8s\n", "collective", "ranks", "bytes", "measured_us",
                "predicted_us", "error");
    for (const Measurement1& m : measurements_from(read_runs(files_))) {
      if (!fit.collectives.count(m.collective)) continue;
      const double p = fit.predict_us(m.collective, m.nranks, m.bytes);
      const double error = (p - m.time_us) / m.time_us;
      std::printf("%-16s %6lld %12.0f %12.2f %12.2f %7.1f%%\n", m.collective.c_str(),
                  static_cast<long long>(m.nranks), m.bytes, m.time_us, p, 100 * error);
      rows.push_back({{"collective", m.collective},
                      {"nranks", m.nranks},
                      {"bytes", m.bytes},
                      {"measured_us", m.time_us},
                      {"predicted_us", p},
                      {"error", error}});
      if (m.bytes >= static_cast<double>(min_bytes)) {
        errors[{m.collective, m.nranks}].push_back(std::fabs(error));
      }
    }
    if (rows.empty()) throw UsageError("no measured rows match the fit's collectives");
    nlohmann::json summary = nlohmann::json::array();
    std::printf("\n# median |error| at >= %lld bytes\n", static_cast<long long>(min_bytes));
    for (const auto& [key, list] : errors) {
      const double middle = median(list);
      std::printf("# %-16s %4lld ranks: %6.1f%% over %zu sizes\n", key.first.c_str(),
                  static_cast<long long>(key.second), 100 * middle, list.size());
      summary.push_back({{"collective", key.first},
                         {"nranks", key.second},
                         {"median_abs_error", middle},
                         {"sizes", list.size()}});
    }
    if (!output_.empty()) {
      write_file_atomically(output_, nlohmann::json{{"rows", rows}, {"summary", summary}}.dump(2));
    }
    return kExitOk;
  }

  // Every published point predicted from its system's description: the table of docs/model.md.
  int do_published() {
    const std::string data = COLLBENCH_MODEL_DATA;
    const auto points =
        load_published_points(points_path_.empty() ? data + "/published.jsonl" : points_path_);
    const auto systems =
        load_published_systems(systems_path_.empty() ? data + "/systems.json" : systems_path_);
    const std::vector<PointCheck> checks = check_published(points, systems);
    print_published_table(stdout, checks);
    const ErrorSummary s = summarize(checks);
    std::printf("# busbw error: median |error| %.1f%%, worst %.1f%% over %zu points\n",
                100 * s.median, 100 * s.worst, s.count);
    return kExitOk;
  }

  int do_whatif() {
    if (!(fraction_ > 0 && fraction_ <= 1)) throw UsageError("--fraction: must be in (0, 1]");
    const ClusterSpec base = cluster();
    const double bytes = static_cast<double>(parse_size(size_, "--size"));
    if (!(bytes > 0)) throw UsageError("--size: must be positive");
    Degradation d;
    (degrade_ == "link" ? d.link : d.gpu) = fraction_;
    std::printf(
        "# %s (fabric grown as needed): one %s at %.0f%% of its bandwidth; all_reduce "
        "of %s\n",
        base.name.c_str(), degrade_.c_str(), 100 * fraction_, size_.c_str());
    std::printf("%10s %-14s %14s %14s %9s\n", "GPUs", "algorithm", "healthy_us", "degraded_us",
                "slowdown");
    for (int64_t gpus : {int64_t{1000}, int64_t{10000}, int64_t{100000}, int64_t{400000}}) {
      ClusterSpec c = base;
      extend_fabric(c, gpus);
      const Job healthy = place_job(c, gpus);
      const Job slow = place_job(c, gpus, d);
      for (Algorithm a : {Algorithm::kRing, Algorithm::kTree, Algorithm::kNvlsTree}) {
        NcclEnv env;
        env.algorithm = a;
        const Estimate h = tuner_choice(healthy, Collective::kAllReduce, bytes, env);
        if (h.algorithm != a) continue;  // not available on this cluster
        const Estimate s = tuner_choice(slow, Collective::kAllReduce, bytes, env);
        std::printf("%10lld %-14s %14.1f %14.1f %8.2fx\n", static_cast<long long>(gpus),
                    std::string(algorithm_name(a)).c_str(), h.time_us, s.time_us,
                    s.time_us / h.time_us);
      }
    }
    return kExitOk;
  }

  CLI::App *fit_ = nullptr, *predict_ = nullptr, *check_ = nullptr, *whatif_ = nullptr,
           *published_ = nullptr;
  std::vector<std::string> files_;
  std::string output_, fit_path_, cluster_path_, preset_, degrade_ = "link";
  std::string points_path_, systems_path_, algo_, proto_;
  std::string min_bytes_ = "8", max_bytes_ = "8G", check_min_ = "64K", size_ = "1G";
  int64_t ranks_ = 0, factor_ = 2;
  int cores_ = 0;
  double fraction_ = 0.5;
  bool extend_ = false, collnet_ = false, all_protocols_ = false;
};

}  // namespace

std::unique_ptr<Command> make_model_command() {
  return std::make_unique<ModelCommand>();
}

}  // namespace collbench
