#pragma once
// One operation of a measured group at one size and placement, for the ranks this process
// drives: the arguments the backend runs (in place, input and output share the receive buffer
// at nccl-tests' offsets), and the fill, poison and check of its buffers through the backend's
// Memory, so every backend is verified by the same code.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "collectives/backend.hpp"

namespace collbench {

class PlacedOperation {
 public:
  // `send`/`recv`: one buffer pair per local rank, large enough for `layout`; the ranks this
  // process drives are first_rank, first_rank + 1, ... of `nranks`.
  PlacedOperation(Backend& backend, const CollectiveSpec& spec, DType dtype, RedOp op, int root,
                  const BufferLayout& layout, bool inplace, std::span<Buffer> send,
                  std::span<Buffer> recv, int first_rank, int nranks);
  // args() points into this object: it stays where it was made.
  PlacedOperation(const PlacedOperation&) = delete;
  PlacedOperation& operator=(const PlacedOperation&) = delete;

  const OpArgs& args() const { return args_; }
  // "all_reduce 1048576 B float sum in-place", for progress and timeout messages.
  const std::string& label() const { return label_; }

  void fill_inputs();
  // Out of place: poisons what the operation writes, so a sample that writes nothing is caught.
  void poison_outputs();
  // In place: poisons the whole buffer before the inputs are written again.
  void poison_buffers();
  // Wrong elements in this process's outputs.
  int64_t count_wrong() const;

 private:
  int rank_of(int local) const { return first_rank_ + local; }

  Memory& memory_;
  DType dtype_;
  std::size_t elt_;
  std::span<Buffer> recv_;
  int first_rank_;
  Pattern pattern_;
  BufferLayout layout_;
  std::vector<const void*> sends_;
  std::vector<void*> recvs_;
  std::vector<OutputCheck> outputs_;
  OpArgs args_;
  std::string label_;
};

}  // namespace collbench
