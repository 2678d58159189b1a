// Whether a GPU is present is asked of the kernel (/proc, /sys), and a GPU CUDA cannot use is
// reported with CUDA's error name, code and text, never as "no device" or a backend's problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "collectives/cuda/cuda_usable.hpp"
#include "collectives/cuda/nvidia_hardware.hpp"

namespace collbench {
namespace {

namespace fs = std::filesystem;

class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cuda_usable_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "sys/bus/pci/devices");
  }
  void TearDown() override { fs::remove_all(root_); }
  void pci(const std::string& address, const std::string& vendor, const std::string& cls) {
    const fs::path dir = root_ / "sys/bus/pci/devices" / address;
    fs::create_directories(dir);
    std::ofstream(dir / "vendor") << vendor << "\n";
    std::ofstream(dir / "class") << cls << "\n";
  }
  fs::path root_;
};

TEST_F(FakeRoot, NoNvidiaFunctionsMeansNoGpu) {
  pci("0000:00:01.0", "0x8086", "0x030000");  // another vendor's display controller
  pci("0000:00:02.0", "0x10de", "0x068000");  // an NVSwitch bridge, not a GPU
  EXPECT_EQ(nvidia_gpus_present(root_.string()), 0);
}

TEST_F(FakeRoot, NvidiaDisplayAnd3dControllersAreGpus) {
  pci("0000:41:00.0", "0x10de", "0x030200");
  pci("0000:42:00.0", "0x10de", "0x030000");
  pci("0000:41:00.1", "0x10de", "0x040300");  // the GPU's audio function
  EXPECT_EQ(nvidia_gpus_present(root_.string()), 2);
}

TEST_F(FakeRoot, TheDriversListCountsFirst) {
  fs::create_directories(root_ / "proc/driver/nvidia/gpus/0000:41:00.0");
  EXPECT_EQ(nvidia_gpus_present(root_.string()), 1);
}

TEST(CudaUsable, AGpuWithAnOldDriverNamesCudasError) {
  const std::string text = describe_cuda_unusable(cudaErrorInsufficientDriver, 1);
  EXPECT_EQ(text.find("no CUDA device visible"), std::string::npos) << text;
  EXPECT_NE(text.find("CUDA cannot use the 1 NVIDIA GPU(s) on this machine: cudaGetDeviceCount: "
                      "cudaErrorInsufficientDriver (35): "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("update the driver"), std::string::npos) << text;
}

TEST(CudaUsable, NoGpuAtAllSaysNoDeviceWithCudasReason) {
  const std::string text = describe_cuda_unusable(cudaErrorInsufficientDriver, 0);
  EXPECT_EQ(text.rfind("no CUDA device visible (cudaGetDeviceCount: cudaErrorInsufficientDriver "
                       "(35): ",
                       0),
            0u)
      << text;
  EXPECT_EQ(describe_cuda_unusable(cudaSuccess, 0),
            "no CUDA device visible (cudaGetDeviceCount found none)");
}

}  // namespace
}  // namespace collbench
