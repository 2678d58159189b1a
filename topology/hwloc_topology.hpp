#pragma once
// hwloc behind collbench: discovery of a NodeTopology from the live machine or a saved XML, and
// binding of the calling process. Every hwloc call is checked; errors name the call and the file.
#include <memory>
#include <optional>
#include <string>

#include "topology/node_topology.hpp"

namespace collbench {

class HwlocTopology {
 public:
  // Loads the live machine (no path) or an XML file. Throws UsageError for a bad file.
  explicit HwlocTopology(const std::optional<std::string>& xml_path);
  ~HwlocTopology();
  HwlocTopology(const HwlocTopology&) = delete;
  HwlocTopology& operator=(const HwlocTopology&) = delete;

  NodeTopology describe() const;

  // Binds this process to the cores of the `numa`-th NUMA node (logical index) (or of `gpu`'s
  // locality); returns the cpuset bound to as a list string. Only on the live machine.
  std::string bind_to_numa(int numa) const;
  std::string bind_near_gpu(int gpu) const;
  std::string current_binding() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace collbench
