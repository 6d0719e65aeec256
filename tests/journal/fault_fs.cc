#include "fault_fs.h"

#include <algorithm>
#include <cerrno>

namespace rialto::journal::testing {

int64_t FaultFs::write(int file, const void* p, size_t n) {
  std::unique_lock lock(mu_);
  const int k = ++writes_;
  if (k == rules_.fail_write_at) return -rules_.fail_write_errno;
  size_t len = n;
  if (k == rules_.short_write_at && n > 1) len = n / 2;
  if (bytes_ >= rules_.enospc_after_bytes) return -ENOSPC;
  len = static_cast<size_t>(std::min<uint64_t>(len, rules_.enospc_after_bytes - bytes_));
  lock.unlock();
  const int64_t w = inner_.write(file, p, len);
  lock.lock();
  if (w > 0) bytes_ += static_cast<uint64_t>(w);
  return w;
}

int FaultFs::fdatasync(int file) {
  {
    std::lock_guard lock(mu_);
    if (++syncs_ == rules_.fail_sync_at) return -EIO;
  }
  return inner_.fdatasync(file);
}

int FaultFs::rename(const std::string& from, const std::string& to) {
  if (rules_.fail_rename) return -EIO;
  return inner_.rename(from, to);
}

int FaultFs::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

int FaultFs::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

uint64_t FaultFs::bytes_written() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace rialto::journal::testing
