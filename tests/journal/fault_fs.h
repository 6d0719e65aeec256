// FaultFs: wraps another Fs and injects the failures the journal must survive,
// each rule configurable and counted over the FaultFs's lifetime:
//   - the k-th write() fails with an errno (EIO, ENOSPC);
//   - the k-th write() is short (writes half, at least one byte);
//   - ENOSPC once more than N bytes were written in total (the write that
//     crosses N writes up to N, the next fails);
//   - the k-th fdatasync() fails with EIO;
//   - every rename() fails with EIO.
// k counts from 1; 0 disables a rule.
//
// Thread safety: as the wrapped Fs; the counters are under a mutex.
#pragma once

#include <cstdint>
#include <mutex>

#include "rialto/journal/fs.h"

namespace rialto::journal::testing {

struct FaultRules {
  int fail_write_at = 0;
  int fail_write_errno = 5;  // EIO
  int short_write_at = 0;
  uint64_t enospc_after_bytes = UINT64_MAX;
  int fail_sync_at = 0;
  bool fail_rename = false;
};

class FaultFs : public Fs {
 public:
  FaultFs(Fs& inner, FaultRules rules) : inner_(inner), rules_(rules) {}

  int create_append(const std::string& path) override { return inner_.create_append(path); }
  int64_t write(int file, const void* p, size_t n) override;
  int fdatasync(int file) override;
  int close(int file) override { return inner_.close(file); }
  int read_file(const std::string& path, std::string* out) override { return inner_.read_file(path, out); }
  int64_t file_size(const std::string& path) override { return inner_.file_size(path); }
  int rename(const std::string& from, const std::string& to) override;
  int remove(const std::string& path) override { return inner_.remove(path); }
  int truncate(const std::string& path, uint64_t size) override { return inner_.truncate(path, size); }
  int make_dir(const std::string& dir) override { return inner_.make_dir(dir); }
  int list_dir(const std::string& dir, std::vector<std::string>* names) override {
    return inner_.list_dir(dir, names);
  }
  int sync_dir(const std::string& dir) override { return inner_.sync_dir(dir); }

  [[nodiscard]] int writes() const;
  [[nodiscard]] int syncs() const;
  [[nodiscard]] uint64_t bytes_written() const;

 private:
  Fs& inner_;
  const FaultRules rules_;
  mutable std::mutex mu_;
  int writes_ = 0;
  int syncs_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace rialto::journal::testing
