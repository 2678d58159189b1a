// Topology discovery over saved machines (hwloc XML): counts, localities, distance classes,
// fingerprints, degraded links, ceilings; and binding on this machine.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "topology/discover.hpp"
#include "topology/fleet.hpp"
#include "topology/link_specs.hpp"

namespace collbench {
namespace {

// The fixtures are written by tests/topology/gen_hwloc_fixtures.py (our own machine tables).
std::string fixture(const std::string& name) {
  return std::string(COLLBENCH_OWN_FIXTURES) + "/" + name;
}

TEST(Topology, HgxEightGpusTwoSockets) {
  const NodeTopology n = discover_node(fixture("hgx8-ib8.xml"));
  EXPECT_EQ(n.hostname, "hgx-base");
  EXPECT_EQ(n.packages, 2);
  EXPECT_EQ(n.numa_nodes, 2);
  EXPECT_EQ(n.cores, 32);
  EXPECT_EQ(n.pus, 64);
  EXPECT_EQ(n.cpu_model, "Intel(R) Xeon(R) Platinum 8480+");
  ASSERT_EQ(n.gpus.size(), 8u);
  EXPECT_EQ(n.nvswitches, 4);
  for (std::size_t i = 0; i < n.gpus.size(); ++i) {
    EXPECT_EQ(n.gpus[i].model, "NVIDIA H100 80GB HBM3");
    EXPECT_EQ(n.gpus[i].numa, i < 4 ? 0 : 1) << n.gpus[i].pci.busid;
    EXPECT_EQ(n.gpus[i].cpus, i < 4 ? "0-31" : "32-63");
    EXPECT_NEAR(n.gpus[i].pci.link_GBps, 63.02, 0.01);  // PCIe gen5 x16
    EXPECT_EQ(n.gpus[i].uuid.rfind("GPU-", 0), 0u);
  }
  EXPECT_EQ(n.gpus[0].pci.busid, "0000:1d:00.0");
  EXPECT_NE(n.gpus[0].uuid, n.gpus[1].uuid);
}

TEST(Topology, Nvl72TrayGraceAndFourGpus) {
  const NodeTopology n = discover_node(fixture("nvl72-tray.xml"));
  EXPECT_EQ(n.packages, 2);
  EXPECT_EQ(n.numa_nodes, 2);
  EXPECT_EQ(n.cores, 144);
  ASSERT_EQ(n.gpus.size(), 4u);
  ASSERT_EQ(n.nics.size(), 4u);
  EXPECT_EQ(n.nvswitches, 0);  // NVLink leaves the tray: no switch on its PCIe tree
  for (std::size_t i = 0; i < n.gpus.size(); ++i) {
    EXPECT_EQ(n.gpus[i].model, "NVIDIA GB200");
    EXPECT_EQ(n.gpus[i].numa, i < 2 ? 0 : 1);
    // Every device has its own root port: the nearest NIC is on the same socket (NODE).
    EXPECT_EQ(n.gpus[i].nics.front().path, PathClass::kNode);
    EXPECT_EQ(n.nics[n.gpus[i].nics.front().nic].numa, n.gpus[i].numa);
  }
  const Ceiling one = run_ceiling(n, 1, true);
  EXPECT_DOUBLE_EQ(one.GBps, 900.0);  // NVLink5: 18 x 50 GB/s
  EXPECT_NE(one.tier.find("NVLink5"), std::string::npos);
  EXPECT_DOUBLE_EQ(run_ceiling(n, 2, true).GBps, 50.0);  // 4 x 400 Gb/s over 4 GPUs
  EXPECT_TRUE(degraded_link_warnings(n).empty());
}

TEST(Topology, EightGpusEightInfiniBandNics) {
  const NodeTopology n = discover_node(fixture("hgx8-ib8.xml"));
  ASSERT_EQ(n.gpus.size(), 8u);
  ASSERT_EQ(n.nics.size(), 8u);
  for (const NicInfo& nic : n.nics) {
    EXPECT_EQ(nic.kind, "InfiniBand");
    EXPECT_DOUBLE_EQ(nic.rate_Gbps, 400.0);
  }
  // GPU 0 shares a PCIe switch with NICs 0 and 1, the socket's other switch holds NICs 2 and 3,
  // and NICs 4-7 are across the socket interconnect.
  auto path = [&](int gpu, int nic) {
    for (const NicPath& p : n.gpus[gpu].nics) {
      if (p.nic == nic) return p.path;
    }
    return PathClass::kSys;
  };
  EXPECT_EQ(path(0, 0), PathClass::kPix);
  EXPECT_EQ(path(0, 2), PathClass::kPxb);
  EXPECT_EQ(path(0, 7), PathClass::kSys);
  EXPECT_EQ(path(7, 7), PathClass::kPix);
  EXPECT_EQ(n.gpus[0].nics.front().path, PathClass::kPix);  // nearest first
  EXPECT_EQ(n.nics[n.gpus[5].nics.front().nic].numa, n.gpus[5].numa);

  EXPECT_DOUBLE_EQ(run_ceiling(n, 1, true).GBps, 450.0);  // NVLink4: 18 x 25 GB/s
  const Ceiling two_nodes = run_ceiling(n, 2, true);      // 8 x 400 Gb/s over 8 GPUs
  EXPECT_DOUBLE_EQ(two_nodes.GBps, 50.0);
  EXPECT_NE(two_nodes.tier.find("NICs"), std::string::npos);
  EXPECT_TRUE(degraded_link_warnings(n).empty());
  const std::string text = format_topology(n);
  EXPECT_NE(text.find("mlx5_0 (PIX)"), std::string::npos);
}

TEST(Topology, DegradedLinkIsNamed) {
  const std::vector<std::string> w =
      degraded_link_warnings(discover_node(fixture("hgx8-ib8-x8.xml")));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("GPU 0000:23:00.0"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("31.5 GB/s"), std::string::npos) << w[0];  // x8 of gen5
  EXPECT_NE(w[1].find("NIC 0000:26:00.0"), std::string::npos) << w[1];
}

TEST(Topology, FingerprintsFindTheOddHost) {
  const NodeTopology a = discover_node(fixture("hgx8-ib8.xml"));
  const NodeTopology b = discover_node(fixture("hgx8-ib8.xml"));
  const NodeTopology odd = discover_node(fixture("hgx8-ib8-7gpu.xml"));
  const NodeTopology slow = discover_node(fixture("hgx8-ib8-x8.xml"));
  EXPECT_EQ(fingerprint_hash(a), fingerprint_hash(b));
  EXPECT_NE(fingerprint_hash(a), fingerprint_hash(odd));
  EXPECT_NE(fingerprint_hash(a), fingerprint_hash(slow));
  const std::vector<std::string> found = odd_hosts({{"node1", fingerprint_hash(a)},
                                                    {"node2", fingerprint_hash(odd)},
                                                    {"node3", fingerprint_hash(b)},
                                                    {"node4", fingerprint_hash(a)}});
  EXPECT_EQ(found, std::vector<std::string>{"node2"});
  EXPECT_TRUE(odd_hosts({{"x", 1}, {"y", 1}}).empty());
}

TEST(Topology, BadXmlIsAUsageError) {
  EXPECT_THROW(discover_node(std::string("/nonexistent.xml")), UsageError);
  EXPECT_THROW(discover_node(fixture("../test_topology.cpp")), UsageError);
}

TEST(Topology, LiveMachineAndBinding) {
  const NodeTopology n = discover_node(std::nullopt);
  EXPECT_GE(n.cores, 1);
  EXPECT_GE(n.numa_nodes, 1);
  const std::string bound = bind_process("numa", 0, false);
  EXPECT_FALSE(bound.empty());
  EXPECT_EQ(bind_process("none", 0, false), bound);  // "none" reports, and keeps, the binding
}

TEST(LinkSpecs, Table) {
  EXPECT_EQ(nvlink_spec("NVIDIA H100 80GB HBM3")->links, 18);
  EXPECT_EQ(std::string(nvlink_spec("NVIDIA GB200")->generation), "NVLink5");
  EXPECT_EQ(std::string(nvlink_spec("NVIDIA A100-SXM4-80GB")->generation), "NVLink3");
  EXPECT_EQ(nvlink_spec("NVIDIA L40S"), nullptr);
}

}  // namespace
}  // namespace collbench
