#pragma once
// Every output file collbench writes goes through here, under one rule (README, "Output files"):
//
// - a missing path or a regular file is replaced atomically: the content goes to a new file in
//   the same directory, which is renamed over the target, so readers see the old file or the new
//   one and never a part; an existing file keeps its permission bits (and, where allowed, owner);
// - a symbolic link is followed: its target is replaced the same way and the link stays;
// - a FIFO or a character device (/dev/null, /dev/stdout, a pipe) is written through in place;
// - a directory, a block device, a socket or a dangling link is refused, saying which.
//
// Streamed outputs (run -J and --csv, model predict -J) write PATH.partial record by record, each
// flushed, and rename it to PATH only when the run completes: a failed or killed run leaves PATH
// as it was, and the complete records it finished in PATH.partial.
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace collbench {

// Writes `content` to `path` under the rule above. Throws UsageError naming the path on failure;
// nothing is left behind then.
void write_file_atomically(const std::string& path, const std::string& content);

// A streamed output under the rule above. Throws UsageError if `path` cannot be written.
class StreamedOutput {
 public:
  explicit StreamedOutput(const std::string& path);
  // Without commit(): PATH stays as it was; PATH.partial keeps the records and a note on stderr
  // says so (an empty PATH.partial is removed).
  ~StreamedOutput();
  StreamedOutput(const StreamedOutput&) = delete;
  StreamedOutput& operator=(const StreamedOutput&) = delete;

  // Appends and flushes; throws RuntimeFailure when the disk refuses.
  void write(const std::string& text);
  // Moves the finished output into place (a no-op for FIFOs and devices). Idempotent.
  void commit();
  // Where the records are while the run is under way ("" when written through).
  const std::string& partial_path() const { return partial_; }

 private:
  std::string path_;     // as given, for messages
  std::string target_;   // what is finally replaced (a link's target)
  std::string partial_;  // "" when written through
  int fd_ = -1;
  bool committed_ = false;
  std::size_t written_ = 0;
  bool keep_mode_ = false;
  mode_t mode_ = 0;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

// Refuses (UsageError, before anything is written) an output that is also an input or another
// output: `report a.jsonl -o a.jsonl`, `-J x --csv x`. Each entry is (what, path), e.g.
// ("-o", "r.html") or ("input", "a.jsonl"); outputs are compared with every other entry, by
// device and inode where the files exist, else by their normalised paths. Empty paths are skipped.
void refuse_shared_paths(const std::vector<std::pair<std::string, std::string>>& outputs,
                         const std::vector<std::pair<std::string, std::string>>& inputs);

}  // namespace collbench
