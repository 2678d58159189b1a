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

std::string shared(const std::string& name) {
  return std::string(COLLBENCH_SHARED_FIXTURES) + "/" + name;
}
std::string own(const std::string& name) {
  return std::string(COLLBENCH_OWN_FIXTURES) + "/" + name;
}

TEST(Topology, Dgx2) {
  const NodeTopology n = discover_node(shared("nvidiaDGX2.xml"));
  EXPECT_EQ(n.packages, 2);
  EXPECT_EQ(n.numa_nodes, 2);
  ASSERT_EQ(n.gpus.size(), 16u);
  EXPECT_GE(n.nvswitches, 6);
  EXPECT_TRUE(n.nics.empty());
  for (std::size_t i = 0; i < n.gpus.size(); ++i) {
    EXPECT_EQ(n.gpus[i].model, "Tesla V100-SXM3-32GB-H");
    EXPECT_EQ(n.gpus[i].numa, i < 8 ? 0 : 1) << n.gpus[i].pci.busid;
    EXPECT_FALSE(n.gpus[i].cpus.empty());
    EXPECT_NEAR(n.gpus[i].pci.link_GBps, 15.75, 0.01);  // PCIe gen3 x16
  }
  EXPECT_EQ(n.gpus[0].pci.busid, "0000:34:00.0");
  EXPECT_FALSE(n.gpus[0].uuid.empty());
  EXPECT_TRUE(degraded_link_warnings(n).empty());
  const Ceiling c = run_ceiling(n, 1, true);
  EXPECT_DOUBLE_EQ(c.GBps, 150.0);  // NVLink2: 6 links x 25 GB/s
  EXPECT_NE(c.tier.find("NVLink2"), std::string::npos);
  EXPECT_EQ(run_ceiling(n, 1, false).GBps, 0.0);  // host memory: no link ceiling
}

TEST(Topology, Power8FourGpus) {
  const NodeTopology n = discover_node(shared("power8gpudistances.xml"));
  EXPECT_EQ(n.gpus.size(), 4u);
}

TEST(Topology, EightGpusEightInfiniBandNics) {
  const NodeTopology n = discover_node(own("hgx8-ib8.xml"));
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
  const std::vector<std::string> w = degraded_link_warnings(discover_node(own("hgx8-ib8-x8.xml")));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("GPU 0000:39:00.0"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("7.9 GB/s"), std::string::npos);
  EXPECT_NE(w[1].find("NIC 0000:3c:00.0"), std::string::npos) << w[1];
}

TEST(Topology, FingerprintsFindTheOddHost) {
  const NodeTopology a = discover_node(own("hgx8-ib8.xml"));
  const NodeTopology b = discover_node(own("hgx8-ib8.xml"));
  const NodeTopology odd = discover_node(own("hgx8-ib8-7gpu.xml"));
  const NodeTopology slow = discover_node(own("hgx8-ib8-x8.xml"));
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
  EXPECT_THROW(discover_node(own("../test_topology.cpp")), UsageError);
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
