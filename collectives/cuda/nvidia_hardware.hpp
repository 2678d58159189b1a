#pragma once
// Whether the machine has NVIDIA GPUs, asked of the kernel rather than of CUDA: the difference
// between "no GPU here" (skip, refuse with exit 2) and "a GPU CUDA cannot use" (a broken or too
// old driver: name CUDA's error; a GPU test fails instead of skipping). Header-only, so GPU tests
// that link only the kernels can ask too.
#include <filesystem>
#include <fstream>
#include <string>

namespace collbench {

// NVIDIA GPUs under `root` ("" = this machine): the entries of /proc/driver/nvidia/gpus (the
// driver is loaded), else PCI functions in /sys/bus/pci/devices with vendor 0x10de and a
// display or 3D controller class (0x03xxxx; NVSwitch bridges and audio functions do not count).
inline int nvidia_gpus_present(const std::string& root = "") {
  namespace fs = std::filesystem;
  std::error_code error;
  int gpus = 0;
  for (const auto& entry : fs::directory_iterator(root + "/proc/driver/nvidia/gpus", error)) {
    (void)entry;
    ++gpus;
  }
  if (gpus > 0) return gpus;
  auto first_word = [](const fs::path& path) {
    std::ifstream in(path);
    std::string word;
    in >> word;
    return word;
  };
  for (const auto& entry : fs::directory_iterator(root + "/sys/bus/pci/devices", error)) {
    const std::string device_class = first_word(entry.path() / "class");
    if (first_word(entry.path() / "vendor") == "0x10de" && device_class.rfind("0x03", 0) == 0) {
      ++gpus;
    }
  }
  return gpus;
}

}  // namespace collbench
