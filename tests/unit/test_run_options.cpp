// The run command line: nccl-tests' letters, defaults, and one clear error per bad input.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "harness/run_cli.hpp"

namespace collbench {
namespace {

// Parses `run <args>` the way main() does and validates the result.
RunOptions parse(std::vector<std::string> args) {
  CLI::App app;
  RunFlags flags;
  CLI::App* run = add_run_subcommand(app, flags);
  args.insert(args.begin(), "run");
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  app.parse(args);
  return validate_run_options(flags, *run, "collbench run");
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  } catch (const CLI::ParseError& e) {
    return std::string("parse: ") + e.what();
  }
  return "no error";
}

TEST(RunOptions, DefaultsAndNcclTestsFlags) {
  RunOptions o = parse({});
  EXPECT_EQ(o.collectives,
            (std::vector<Collective>{Collective::kAllReduce, Collective::kAllToAll}));
  EXPECT_EQ(o.sweep.min_bytes, 8);
  EXPECT_EQ(o.sweep.max_bytes, 64 << 20);
  EXPECT_EQ(o.timing, TimingRule::kMax);
  EXPECT_EQ(o.repeat, 5);
  EXPECT_TRUE(o.inplace && o.out_of_place);

  o = parse({"alltoall", "broadcast", "-b",       "1K",  "-e",          "1M",   "-f", "4",
             "-n",       "7",         "-w",       "2",   "-m",          "3",    "-N", "2",
             "-c",       "0",         "-o",       "max", "-d",          "bf16", "-r", "1",
             "-a",       "1",         "-z",       "1",   "-T",          "9",    "-J", "x.jsonl",
             "--csv",    "x.csv",     "--repeat", "3",   "--outofplace"});
  EXPECT_EQ(o.collectives,
            (std::vector<Collective>{Collective::kAllToAll, Collective::kBroadcast}));
  EXPECT_EQ(o.sweep.min_bytes, 1024);
  EXPECT_EQ(o.sweep.step_factor, 4);
  EXPECT_EQ(o.iters, 7);
  EXPECT_EQ(o.warmup_iters, 2);
  EXPECT_EQ(o.agg_iters, 3);
  EXPECT_EQ(o.run_cycles, 2);
  EXPECT_EQ(o.check, 0);
  EXPECT_EQ(o.ops, std::vector<RedOp>{RedOp::kMax});
  EXPECT_EQ(o.dtypes, std::vector<DType>{DType::kBFloat16});
  EXPECT_EQ(o.root, 1);
  EXPECT_EQ(o.timing, TimingRule::kAverage);
  EXPECT_EQ(o.timeout_s, 9);
  EXPECT_EQ(o.json_path, "x.jsonl");
  EXPECT_FALSE(o.inplace);
  EXPECT_TRUE(o.out_of_place);
}

TEST(RunOptions, StepBytesAloneMeansAdditiveLikeNcclTests) {
  EXPECT_EQ(parse({"-i", "1M"}).sweep.step_factor, 1);
  EXPECT_EQ(parse({"-i", "1M", "-f", "2"}).sweep.step_factor, 2);
}

TEST(RunOptions, ListsAndAll) {
  RunOptions o = parse({"all", "-d", "float,int8,float", "-o", "all"});
  EXPECT_EQ(o.collectives.size(), all_collectives().size());
  EXPECT_EQ(o.dtypes, (std::vector<DType>{DType::kFloat32, DType::kInt8}));
  EXPECT_EQ(o.ops.size(), all_redops().size());
  EXPECT_TRUE(o.all_ops);
}

TEST(RunOptions, EveryBadInputGetsItsOwnMessage) {
  EXPECT_NE(usage_error({"--bogus"}).find("parse:"), std::string::npos);
  EXPECT_NE(usage_error({"-b", "64", "-e", "8"}).find("minbytes (64) > maxbytes (8)"),
            std::string::npos);
  EXPECT_NE(usage_error({"-b", "0"}).find("at least 1 byte"), std::string::npos);
  EXPECT_NE(usage_error({"-e", "-3"}).find("must be positive"), std::string::npos);
  EXPECT_NE(usage_error({"-e", "999999999T"}).find("too large"), std::string::npos);
  EXPECT_NE(usage_error({"-d", "float128"}).find("unknown datatype 'float128'"), std::string::npos);
  EXPECT_NE(usage_error({"-o", "mulsum"}).find("unknown op 'mulsum'"), std::string::npos);
  EXPECT_NE(usage_error({"gather"}).find("unknown collective 'gather'"), std::string::npos);
  EXPECT_NE(usage_error({"-a", "4"}).find("-a/--average"), std::string::npos);
  EXPECT_NE(usage_error({"-n", "0"}).find("-n/--iters"), std::string::npos);
  EXPECT_NE(usage_error({"-N", "0"}).find("-N/--run_cycles"), std::string::npos);
  EXPECT_NE(usage_error({"--repeat", "0"}).find("--repeat"), std::string::npos);
  EXPECT_NE(usage_error({"-r", "-1"}).find("-r/--root"), std::string::npos);
  EXPECT_NE(usage_error({"--backend", "gloo"}).find("unknown backend 'gloo'"), std::string::npos);
  EXPECT_NE(usage_error({"--memory", "disk"}).find("--memory"), std::string::npos);
  EXPECT_NE(usage_error({"--inplace", "--outofplace"}).find("choose one"), std::string::npos);
  EXPECT_NE(usage_error({"-p", "1"}).find("parallel_init"), std::string::npos);
  EXPECT_NE(usage_error({"-b", "1", "-e", "1G", "-f", "1", "-i", "1"}).find("more than"),
            std::string::npos);
}

}  // namespace
}  // namespace collbench

namespace collbench {
namespace {

// Options a backend declares reach it through BackendConfig, checked before any rank starts.
#if COLLBENCH_HAVE_MPI
TEST(BackendOptions, DeclaredOptionsReachTheBackend) {
  RunOptions o = parse({"--backend", "custom", "--algo", "ring", "--ranks-per-node", "2"});
  const BackendOptionValues& values = o.backend_config.options;
  const BackendEntry* custom = find_backend("custom");
  ASSERT_NE(custom, nullptr);
  ASSERT_EQ(custom->options.size(), 3u);
  EXPECT_EQ(values.text(custom->options[0]), "ring");
  EXPECT_EQ(values.integer(custom->options[1]), 2);
  EXPECT_EQ(values.text(custom->options[2]), "1048576");  // the declared default
}

TEST(BackendOptions, AnOptionOfAnotherBackendIsRefused) {
  EXPECT_EQ(usage_error({"--backend", "mpi", "--algo", "ring"}),
            "--algo is an option of backend custom, not of mpi");
  EXPECT_EQ(usage_error({"--backend", "custom", "--fault-rank", "1"}),
            "--fault-rank is an option of backend test-*, not of custom");
  EXPECT_EQ(usage_error({"--backend", "custom", "--ranks-per-node", "-1"}),
            "invalid --ranks-per-node -1: -1 is outside 0..16777216");
  EXPECT_EQ(usage_error({"--backend", "custom", "--pipeline-bytes", "1M"}),
            "invalid --pipeline-bytes 1M: '1M' is not a whole number");
}

TEST(BackendOptions, EnvironmentSetsTheDefaultAndIsChecked) {
  const BackendEntry* custom = find_backend("custom");
  ASSERT_NE(custom, nullptr);
  ::setenv("COLLBENCH_CUSTOM_PIPELINE_BYTES", "4096", 1);
  RunOptions o = parse({"--backend", "custom"});
  EXPECT_EQ(o.backend_config.options.integer(custom->options[2]), 4096);
  // Given on the command line, the flag wins; the variable alone does not bind other backends.
  o = parse({"--backend", "custom", "--pipeline-bytes", "0"});
  EXPECT_EQ(o.backend_config.options.integer(custom->options[2]), 0);
  EXPECT_EQ(usage_error({"--backend", "mpi"}), "no error");
  ::setenv("COLLBENCH_CUSTOM_PIPELINE_BYTES", "lots", 1);
  EXPECT_EQ(usage_error({"--backend", "custom"}),
            "invalid COLLBENCH_CUSTOM_PIPELINE_BYTES='lots': 'lots' is not a whole number");
  ::unsetenv("COLLBENCH_CUSTOM_PIPELINE_BYTES");
}
#endif

TEST(BackendOptions, EveryDeclaredOptionIsOnTheCommandLineOnce) {
  CLI::App app;
  RunFlags flags;
  CLI::App* run = add_run_subcommand(app, flags);
  for (const BackendOption* option : all_backend_options()) {
    EXPECT_NE(run->get_option_no_throw("--" + std::string(option->name)), nullptr) << option->name;
  }
}

}  // namespace
}  // namespace collbench
