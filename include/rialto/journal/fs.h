// The file-system seam of the journal: every file operation of the writer, the
// readers and the snapshot code goes through an Fs, so that tests can run on
// memory, inject faults and simulate crashes (tests/journal/mem_fs.h,
// fault_fs.h). posix_fs() is the real one.
//
// Errors are returned, never thrown: a negative value is -errno.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rialto::journal {

/// Thread safety: posix_fs() may be used from any number of threads; a test
/// Fs documents its own rule. One open file is used by one thread at a time.
class Fs {
 public:
  virtual ~Fs() = default;

  /// Creates `path` (which must not exist) and opens it for appending.
  /// Returns a file handle >= 0, or -errno (-EEXIST if it exists).
  [[nodiscard]] virtual int create_append(const std::string& path) = 0;
  /// Writes up to n bytes at the end of the file; returns the number written
  /// (possibly fewer than n), or -errno.
  [[nodiscard]] virtual int64_t write(int file, const void* p, size_t n) = 0;
  /// fdatasync(2) of an open file: 0 or -errno.
  [[nodiscard]] virtual int fdatasync(int file) = 0;
  /// Closes a handle: 0 or -errno.
  virtual int close(int file) = 0;

  /// Reads the whole file into *out: 0 or -errno.
  [[nodiscard]] virtual int read_file(const std::string& path, std::string* out) = 0;
  /// Size of the file in bytes, or -errno.
  [[nodiscard]] virtual int64_t file_size(const std::string& path) = 0;
  /// rename(2): 0 or -errno.
  [[nodiscard]] virtual int rename(const std::string& from, const std::string& to) = 0;
  /// unlink(2): 0 or -errno.
  [[nodiscard]] virtual int remove(const std::string& path) = 0;
  /// truncate(2) to `size` bytes, and makes the new size durable: 0 or -errno.
  [[nodiscard]] virtual int truncate(const std::string& path, uint64_t size) = 0;

  /// Creates the directory if it does not exist (its parent must): 0 or -errno.
  [[nodiscard]] virtual int make_dir(const std::string& dir) = 0;
  /// Names (not paths) of the entries of `dir`, without "." and "..", in no
  /// particular order: 0 or -errno.
  [[nodiscard]] virtual int list_dir(const std::string& dir, std::vector<std::string>* names) = 0;
  /// fsync(2) of the directory itself, so that created, renamed and removed
  /// entries are durable: 0 or -errno.
  [[nodiscard]] virtual int sync_dir(const std::string& dir) = 0;
};

/// The operating system's file system (open/write/fdatasync/...).
Fs& posix_fs();

/// "journal-...rj: <strerror(-err)>" helper: the text of a -errno value.
[[nodiscard]] std::string errno_text(int negative_errno);

/// dir + "/" + name.
[[nodiscard]] std::string join_path(const std::string& dir, const std::string& name);

}  // namespace rialto::journal
