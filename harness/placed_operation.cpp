#include "harness/placed_operation.hpp"

#include <algorithm>

namespace collbench {

namespace {

char* at(void* base, int64_t elements, std::size_t elt) {
  return static_cast<char*>(base) + elements * static_cast<int64_t>(elt);
}

std::string redop_label(const CollectiveSpec& spec, RedOp op) {
  return spec.uses_op ? std::string(redop_info(op).name) : "none";
}

}  // namespace

PlacedOperation::PlacedOperation(Backend& backend, const CollectiveSpec& spec, DType dtype,
                                 RedOp op, int root, const BufferLayout& layout, bool inplace,
                                 std::span<Buffer> send, std::span<Buffer> recv, int first_rank,
                                 int nranks)
    : memory_(backend.memory()),
      dtype_(dtype),
      elt_(dtype_info(dtype).size),
      recv_(recv),
      first_rank_(first_rank),
      pattern_(input_pattern(spec, op, nranks, dtype_info(dtype).exact_limit)),
      layout_(layout) {
  for (std::size_t local = 0; local < recv.size(); ++local) {
    const int rank = rank_of(static_cast<int>(local));
    void* base = recv[local].data();
    sends_.push_back(inplace ? at(base, layout.send_inplace_offset * rank, elt_)
                             : send[local].data());
    recvs_.push_back(inplace ? at(base, layout.recv_inplace_offset * rank, elt_) : base);
    const std::optional<int64_t> inplace_offset =
        inplace ? std::optional<int64_t>(backend.inplace_output_offset(spec, layout, rank))
                : std::nullopt;
    outputs_.push_back(output_check(spec, layout, rank, nranks, root, inplace_offset));
  }
  args_ = OpArgs{spec.id, dtype, op, root, sends_, recvs_, layout, inplace};
  label_ = std::string(spec.name) + " " + std::to_string(reported_bytes(layout, elt_)) + " B " +
           std::string(dtype_info(dtype).name) + " " + redop_label(spec, op) +
           (inplace ? " in-place" : " out-of-place");
}

void PlacedOperation::fill_inputs() {
  for (std::size_t local = 0; local < sends_.size(); ++local) {
    memory_.fill_input(dtype_, const_cast<void*>(sends_[local]), layout_.send_count, pattern_,
                       rank_of(static_cast<int>(local)), static_cast<int>(local));
  }
}

void PlacedOperation::poison_outputs() {
  const std::size_t bytes = static_cast<std::size_t>(layout_.recv_count) * elt_;
  for (std::size_t local = 0; local < recv_.size(); ++local) {
    memory_.poison(recv_[local].data(), bytes, static_cast<int>(local));
  }
}

void PlacedOperation::poison_buffers() {
  const std::size_t bytes =
      static_cast<std::size_t>(std::max(layout_.recv_count, layout_.send_count)) * elt_;
  for (std::size_t local = 0; local < recv_.size(); ++local) {
    memory_.poison(recv_[local].data(), bytes, static_cast<int>(local));
  }
}

int64_t PlacedOperation::count_wrong() const {
  int64_t wrong = 0;
  for (std::size_t local = 0; local < outputs_.size(); ++local) {
    const OutputCheck& output = outputs_[local];
    wrong += memory_.count_wrong(dtype_, at(recv_[local].data(), output.offset, elt_), output.count,
                                 pattern_, output.map, rank_of(static_cast<int>(local)),
                                 static_cast<int>(local));
  }
  return wrong;
}

}  // namespace collbench
