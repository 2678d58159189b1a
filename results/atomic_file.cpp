#include "results/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"
#include "results/jsonl_writer.hpp"

namespace collbench {
namespace {

namespace fs = std::filesystem;

enum class Handling { kReplace, kWriteThrough };

struct Target {
  std::string path;  // the file to replace or write through (a link's target)
  Handling handling = Handling::kReplace;
  bool exists = false;
  struct stat info {};
};

std::string error_text(int error) {
  return std::strerror(error);
}

// What `path` is, and how it is written (the rule in atomic_file.hpp).
Target resolve(const std::string& path) {
  if (path.empty()) throw UsageError("an output path is empty");
  Target target;
  target.path = path;
  struct stat link_info {};
  if (lstat(path.c_str(), &link_info) != 0) {
    if (errno != ENOENT) throw UsageError("cannot write " + path + ": " + error_text(errno));
    return target;  // a new file
  }
  if (S_ISLNK(link_info.st_mode)) {
    std::error_code ec;
    const fs::path resolved = fs::canonical(path, ec);
    if (ec) {
      throw UsageError("cannot write " + path + ": a symbolic link to nothing (" + ec.message() +
                       "); give a real path");
    }
    target.path = resolved.string();
  }
  if (stat(target.path.c_str(), &target.info) != 0) {
    throw UsageError("cannot write " + path + ": " + error_text(errno));
  }
  target.exists = true;
  const mode_t type = target.info.st_mode & S_IFMT;
  if (type == S_IFREG) return target;
  if (type == S_IFIFO || type == S_IFCHR) {
    target.handling = Handling::kWriteThrough;
    return target;
  }
  const char* what = type == S_IFDIR    ? "a directory"
                     : type == S_IFBLK  ? "a block device"
                     : type == S_IFSOCK ? "a socket"
                                        : "not a regular file";
  throw UsageError("cannot write " + path + ": it is " + what +
                   " (outputs replace regular files, or write through FIFOs and character "
                   "devices)");
}

// A new file beside `target`, created exclusively with mode 0666 less the umask, as open() does.
std::pair<std::string, int> create_beside(const std::string& target, const std::string& suffix) {
  static std::atomic<int> counter{0};
  const fs::path path(target);
  const std::string dir = path.has_parent_path() ? path.parent_path().string() + "/" : "";
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string name = suffix.empty()
                                 ? dir + "." + path.filename().string() + ".tmp." +
                                       std::to_string(getpid()) + "." + std::to_string(counter++)
                                 : target + suffix;
    if (!suffix.empty()) unlink(name.c_str());  // a partial file of an earlier run, or a link
    const int fd = open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {name, fd};
    if (errno != EEXIST) throw UsageError("cannot write " + target + ": " + error_text(errno));
  }
  throw UsageError("cannot write " + target + ": no free temporary name beside it");
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The replaced file keeps the old one's permission bits and, where this process may, its owner.
void keep_attributes(int fd, const Target& target) {
  if (!target.exists) return;
  (void)fchmod(fd, target.info.st_mode & 07777);
  if (target.info.st_uid != geteuid() || target.info.st_gid != getegid()) {
    (void)fchown(fd, target.info.st_uid, target.info.st_gid);
    (void)fchmod(fd, target.info.st_mode & 07777);  // chown may clear set-id bits
  }
}

int open_through(const Target& target, const std::string& path) {
  const int fd = open(target.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError("cannot write " + path + ": " + error_text(errno));
  return fd;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  const Target target = resolve(path);
  if (target.handling == Handling::kWriteThrough) {
    const int fd = open_through(target, path);
    const bool written = write_all(fd, content);
    const int error = errno;
    close(fd);
    if (!written) throw UsageError("cannot write " + path + ": " + error_text(error));
    return;
  }
  ensure_parent_directory(target.path);
  const auto [temp, fd] = create_beside(target.path, "");
  keep_attributes(fd, target);
  const bool written = write_all(fd, content) && fsync(fd) == 0;
  int error = errno;
  const bool closed = close(fd) == 0;
  if (written && !closed) error = errno;
  if (!written || !closed || std::rename(temp.c_str(), target.path.c_str()) != 0) {
    if (written && closed) error = errno;
    unlink(temp.c_str());
    throw UsageError("cannot write " + path + ": " + error_text(error));
  }
}

StreamedOutput::StreamedOutput(const std::string& path) : path_(path) {
  const Target target = resolve(path);
  target_ = target.path;
  if (target.handling == Handling::kWriteThrough) {
    fd_ = open_through(target, path);
    return;
  }
  ensure_parent_directory(target_);
  auto [partial, fd] = create_beside(target_, ".partial");
  partial_ = partial;
  fd_ = fd;
  keep_attributes(fd_, target);
}

StreamedOutput::~StreamedOutput() {
  if (fd_ >= 0) close(fd_);
  if (committed_ || partial_.empty()) return;
  if (written_ == 0) {
    unlink(partial_.c_str());
    return;
  }
  std::fprintf(stderr, "collbench: note: %s is unchanged; the records written so far are in %s\n",
               one_line(path_).c_str(), one_line(partial_).c_str());
  std::fflush(stderr);
}

void StreamedOutput::write(const std::string& text) {
  if (committed_) throw RuntimeFailure("writing " + path_ + " after it was completed");
  if (!write_all(fd_, text)) {
    throw RuntimeFailure("writing " + (partial_.empty() ? path_ : partial_) +
                         " failed: " + error_text(errno));
  }
  written_ += text.size();
}

void StreamedOutput::commit() {
  if (committed_) return;
  committed_ = true;
  if (partial_.empty()) return;
  if (fsync(fd_) != 0 || std::rename(partial_.c_str(), target_.c_str()) != 0) {
    throw RuntimeFailure("completing " + path_ + " failed: " + error_text(errno) +
                         "; the results are in " + partial_);
  }
}

void refuse_shared_paths(const std::vector<std::pair<std::string, std::string>>& outputs,
                         const std::vector<std::pair<std::string, std::string>>& inputs) {
  auto same = [](const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    if (stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0) {
      return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    }
    std::error_code ea, eb;
    const fs::path pa = fs::weakly_canonical(a, ea), pb = fs::weakly_canonical(b, eb);
    return !ea && !eb ? pa == pb : fs::path(a).lexically_normal() == fs::path(b).lexically_normal();
  };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& [what, path] = outputs[i];
    if (path.empty()) continue;
    auto check = [&](const std::pair<std::string, std::string>& other) {
      if (other.second.empty() || !same(path, other.second)) return;
      throw UsageError(what + " " + path + " is also " + other.first + " " + other.second +
                       ": an output never replaces an input or another output; choose another "
                       "path");
    };
    for (std::size_t j = i + 1; j < outputs.size(); ++j) check(outputs[j]);
    for (const auto& input : inputs) check(input);
  }
}

}  // namespace collbench
