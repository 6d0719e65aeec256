// MemFs: an Fs in memory for tests, which remembers what was fdatasync'ed so
// that it can simulate a crash (power loss): crash() keeps, of every file, the
// bytes synced and — optionally — a random prefix of the rest (a torn write).
// Directory operations (create, rename, remove) are durable at once.
//
// Thread safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "rialto/journal/fs.h"

namespace rialto::journal::testing {

class MemFs : public Fs {
 public:
  int create_append(const std::string& path) override;
  int64_t write(int file, const void* p, size_t n) override;
  int fdatasync(int file) override;
  int close(int file) override;
  int read_file(const std::string& path, std::string* out) override;
  int64_t file_size(const std::string& path) override;
  int rename(const std::string& from, const std::string& to) override;
  int remove(const std::string& path) override;
  int truncate(const std::string& path, uint64_t size) override;
  int make_dir(const std::string& dir) override;
  int list_dir(const std::string& dir, std::vector<std::string>* names) override;
  int sync_dir(const std::string& dir) override;

  /// Power loss: every open handle is closed and every file keeps only its
  /// fdatasync'ed bytes; with `rng`, plus a uniformly random prefix of its
  /// unsynced bytes.
  void crash(std::mt19937_64* rng = nullptr);

  /// Test access to contents.
  void set_file(const std::string& path, std::string data);  // also marks it synced
  [[nodiscard]] std::string file(const std::string& path) const;  // "" if missing
  [[nodiscard]] bool exists(const std::string& path) const;
  [[nodiscard]] uint64_t synced_bytes(const std::string& path) const;
  [[nodiscard]] int open_files() const;

 private:
  struct File {
    std::string data;
    size_t synced = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<File>> files_;
  std::set<std::string> dirs_;
  std::map<int, std::shared_ptr<File>> open_;
  int next_fd_ = 3;
};

}  // namespace rialto::journal::testing
