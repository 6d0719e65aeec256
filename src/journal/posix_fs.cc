// posix_fs(): the Fs of the operating system. Every call retries EINTR where
// the call may be interrupted; every failure is returned as -errno.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rialto/journal/fs.h"

namespace rialto::journal {
namespace {

int neg_errno() { return errno != 0 ? -errno : -EIO; }

int open_retry(const char* path, int flags, mode_t mode = 0) {
  for (;;) {
    const int fd = ::open(path, flags | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EINTR) return fd >= 0 ? fd : neg_errno();
  }
}

class PosixFs final : public Fs {
 public:
  int create_append(const std::string& path) override {
    return open_retry(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644);
  }

  int64_t write(int file, const void* p, size_t n) override {
    for (;;) {
      const ssize_t w = ::write(file, p, n);
      if (w >= 0) return w;
      if (errno != EINTR) return neg_errno();
    }
  }

  int fdatasync(int file) override {
    for (;;) {
      if (::fdatasync(file) == 0) return 0;
      if (errno != EINTR) return neg_errno();
    }
  }

  int close(int file) override { return ::close(file) == 0 ? 0 : neg_errno(); }

  int read_file(const std::string& path, std::string* out) override {
    const int fd = open_retry(path.c_str(), O_RDONLY);
    if (fd < 0) return fd;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = neg_errno();
      ::close(fd);
      return err;
    }
    out->resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out->size()) {
      const ssize_t r = ::read(fd, out->data() + got, out->size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        const int err = neg_errno();
        ::close(fd);
        return err;
      }
      if (r == 0) break;  // shrank meanwhile
      got += static_cast<size_t>(r);
    }
    out->resize(got);
    ::close(fd);
    return 0;
  }

  int64_t file_size(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return neg_errno();
    return st.st_size;
  }

  int rename(const std::string& from, const std::string& to) override {
    return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : neg_errno();
  }

  int remove(const std::string& path) override { return ::unlink(path.c_str()) == 0 ? 0 : neg_errno(); }

  int truncate(const std::string& path, uint64_t size) override {
    const int fd = open_retry(path.c_str(), O_WRONLY);
    if (fd < 0) return fd;
    int rc = ::ftruncate(fd, static_cast<off_t>(size)) == 0 ? 0 : neg_errno();
    if (rc == 0) rc = fdatasync(fd);
    ::close(fd);
    return rc;
  }

  int make_dir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return 0;
    return neg_errno();
  }

  int list_dir(const std::string& dir, std::vector<std::string>* names) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return neg_errno();
    names->clear();
    while (const dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names->emplace_back(e->d_name);
    }
    ::closedir(d);
    return 0;
  }

  int sync_dir(const std::string& dir) override {
    const int fd = open_retry(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return fd;
    int rc = 0;
    for (;;) {
      if (::fsync(fd) == 0) break;
      if (errno != EINTR) {
        rc = neg_errno();
        break;
      }
    }
    ::close(fd);
    return rc;
  }
};

}  // namespace

Fs& posix_fs() {
  static PosixFs fs;
  return fs;
}

std::string errno_text(int negative_errno) {
  const int e = negative_errno < 0 ? -negative_errno : negative_errno;
  char buf[128];
  // GNU strerror_r returns the text (possibly not in buf).
  const char* text = strerror_r(e, buf, sizeof buf);
  const char* name = strerrorname_np(e);
  return std::string(text) + " (" + (name != nullptr ? std::string(name) : "errno " + std::to_string(e)) + ")";
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace rialto::journal
