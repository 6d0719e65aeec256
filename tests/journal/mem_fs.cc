#include "mem_fs.h"

#include <cerrno>

namespace rialto::journal::testing {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

int MemFs::create_append(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.count(path) != 0) return -EEXIST;
  const std::string parent = parent_of(path);
  if (!parent.empty() && dirs_.count(parent) == 0) return -ENOENT;
  auto f = std::make_shared<File>();
  files_[path] = f;
  open_[next_fd_] = f;
  return next_fd_++;
}

int64_t MemFs::write(int file, const void* p, size_t n) {
  std::lock_guard lock(mu_);
  auto it = open_.find(file);
  if (it == open_.end()) return -EBADF;
  it->second->data.append(static_cast<const char*>(p), n);
  return static_cast<int64_t>(n);
}

int MemFs::fdatasync(int file) {
  std::lock_guard lock(mu_);
  auto it = open_.find(file);
  if (it == open_.end()) return -EBADF;
  it->second->synced = it->second->data.size();
  return 0;
}

int MemFs::close(int file) {
  std::lock_guard lock(mu_);
  return open_.erase(file) == 1 ? 0 : -EBADF;
}

int MemFs::read_file(const std::string& path, std::string* out) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return -ENOENT;
  *out = it->second->data;
  return 0;
}

int64_t MemFs::file_size(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return -ENOENT;
  return static_cast<int64_t>(it->second->data.size());
}

int MemFs::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return -ENOENT;
  auto f = it->second;
  files_.erase(it);
  files_[to] = f;
  return 0;
}

int MemFs::remove(const std::string& path) {
  std::lock_guard lock(mu_);
  return files_.erase(path) == 1 ? 0 : -ENOENT;
}

int MemFs::truncate(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return -ENOENT;
  it->second->data.resize(size);
  it->second->synced = size;  // truncate() of the seam is durable
  return 0;
}

int MemFs::make_dir(const std::string& dir) {
  std::lock_guard lock(mu_);
  dirs_.insert(dir);
  return 0;
}

int MemFs::list_dir(const std::string& dir, std::vector<std::string>* names) {
  std::lock_guard lock(mu_);
  if (dirs_.count(dir) == 0) return -ENOENT;
  names->clear();
  for (const auto& [path, f] : files_)
    if (parent_of(path) == dir) names->push_back(path.substr(dir.size() + 1));
  return 0;
}

int MemFs::sync_dir(const std::string& dir) {
  std::lock_guard lock(mu_);
  return dirs_.count(dir) != 0 ? 0 : -ENOENT;
}

void MemFs::crash(std::mt19937_64* rng) {
  std::lock_guard lock(mu_);
  open_.clear();
  for (auto& [path, f] : files_) {
    size_t keep = f->synced;
    if (rng != nullptr && f->data.size() > f->synced)
      keep += std::uniform_int_distribution<size_t>(0, f->data.size() - f->synced)(*rng);
    f->data.resize(keep);
    f->synced = keep;
  }
}

void MemFs::set_file(const std::string& path, std::string data) {
  std::lock_guard lock(mu_);
  const std::string parent = parent_of(path);
  if (!parent.empty()) dirs_.insert(parent);
  auto f = std::make_shared<File>();
  f->data = std::move(data);
  f->synced = f->data.size();
  files_[path] = f;
}

std::string MemFs::file(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second->data;
}

bool MemFs::exists(const std::string& path) const {
  std::lock_guard lock(mu_);
  return files_.count(path) != 0;
}

uint64_t MemFs::synced_bytes(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? 0 : it->second->synced;
}

int MemFs::open_files() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(open_.size());
}

}  // namespace rialto::journal::testing
