#include "rialto/journal/snapshot.h"

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "rialto/journal/crc32c.h"
#include "rialto/journal/format.h"

namespace rialto::journal {
namespace {

constexpr std::string_view kTmpSuffix = ".tmp";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool write_snapshot(Fs& fs, const std::string& dir, uint64_t seq, std::span<const std::byte> payload,
                    std::string* error) {
  if (const int rc = fs.make_dir(dir); rc < 0) {
    *error = dir + ": cannot create the directory: " + errno_text(rc);
    return false;
  }
  const std::string path = join_path(dir, snapshot_name(seq));
  const std::string tmp = path + std::string(kTmpSuffix);
  if (fs.file_size(tmp) >= 0) (void)fs.remove(tmp);  // a leftover of an interrupted write

  std::byte header[kSnapshotHeaderSize] = {};
  store_u32(header, kSnapshotMagic);
  store_u16(header + 4, kSnapshotVersion);
  store_u64(header + 8, seq);
  store_u64(header + 16, payload.size());
  uint32_t crc = crc32c(header, sizeof header);
  crc = crc32c(payload.data(), payload.size(), crc);
  std::byte trailer[kSnapshotTrailerSize];
  store_u32(trailer, crc);

  const int fd = fs.create_append(tmp);
  if (fd < 0) {
    *error = tmp + ": cannot create: " + errno_text(fd);
    return false;
  }
  uint64_t offset = 0;
  auto write_all = [&](const std::byte* p, size_t n) {
    size_t done = 0;
    while (done < n) {
      const int64_t w = fs.write(fd, p + done, n - done);
      if (w == -EINTR) continue;
      if (w <= 0) {
        *error = tmp + ": write at offset " + std::to_string(offset + done) +
                 " failed: " + (w == 0 ? std::string("wrote 0 bytes") : errno_text(static_cast<int>(w)));
        return false;
      }
      done += static_cast<size_t>(w);
    }
    offset += n;
    return true;
  };
  bool ok = write_all(header, sizeof header) && write_all(payload.data(), payload.size()) &&
            write_all(trailer, sizeof trailer);
  if (ok) {
    if (const int rc = fs.fdatasync(fd); rc < 0) {
      *error = tmp + ": fdatasync failed: " + errno_text(rc);
      ok = false;
    }
  }
  fs.close(fd);
  if (ok) {
    if (const int rc = fs.rename(tmp, path); rc < 0) {
      *error = tmp + ": rename to " + snapshot_name(seq) + " failed: " + errno_text(rc);
      ok = false;
    }
  }
  if (!ok) {
    (void)fs.remove(tmp);
    return false;
  }
  if (const int rc = fs.sync_dir(dir); rc < 0) {
    *error = dir + ": fsync of the directory (after writing " + snapshot_name(seq) + ") failed: " + errno_text(rc);
    return false;
  }
  return true;
}

bool list_snapshots(Fs& fs, const std::string& dir, std::vector<SnapshotFile>* out, std::string* error) {
  out->clear();
  std::vector<std::string> names;
  if (const int rc = fs.list_dir(dir, &names); rc < 0) {
    if (rc == -ENOENT) return true;
    *error = dir + ": cannot list the directory: " + errno_text(rc);
    return false;
  }
  for (const auto& n : names)
    if (auto seq = parse_snapshot_name(n)) out->push_back(SnapshotFile{*seq, join_path(dir, n)});
  std::sort(out->begin(), out->end(), [](const SnapshotFile& a, const SnapshotFile& b) { return a.seq > b.seq; });
  return true;
}

bool read_snapshot(Fs& fs, const std::string& path, uint64_t* seq, std::vector<std::byte>* payload,
                   std::string* error) {
  std::string data;
  if (const int rc = fs.read_file(path, &data); rc < 0) {
    *error = path + ": cannot read: " + errno_text(rc);
    return false;
  }
  const auto* d = reinterpret_cast<const std::byte*>(data.data());
  const uint64_t size = data.size();
  auto bad = [&](uint64_t offset, const std::string& what) {
    *error = path + ": offset " + std::to_string(offset) + ": " + what;
    return false;
  };
  if (size < kSnapshotHeaderSize + kSnapshotTrailerSize)
    return bad(size, "file is " + std::to_string(size) + " bytes, shorter than an empty snapshot (" +
                         std::to_string(kSnapshotHeaderSize + kSnapshotTrailerSize) + ")");
  if (load_u32(d) != kSnapshotMagic) return bad(0, "bad magic (not a snapshot)");
  const uint16_t version = load_u16(d + 4);
  if (version != kSnapshotVersion)
    return bad(4, "unknown snapshot format version " + std::to_string(version) + " (this release reads version " +
                      std::to_string(kSnapshotVersion) + ")");
  const uint64_t n = load_u64(d + 16);
  if (n != size - kSnapshotHeaderSize - kSnapshotTrailerSize)
    return bad(16, "payload length " + std::to_string(n) + " does not match the file size " + std::to_string(size));
  const uint64_t crc_offset = kSnapshotHeaderSize + n;
  if (crc32c(d, crc_offset) != load_u32(d + crc_offset)) return bad(crc_offset, "snapshot CRC mismatch");
  const uint64_t s = load_u64(d + 8);
  const auto slash = path.find_last_of('/');
  const auto name_seq = parse_snapshot_name(slash == std::string::npos ? path : path.substr(slash + 1));
  if (name_seq && *name_seq != s)
    return bad(8, "snapshot says seq " + std::to_string(s) + ", the file name " + std::to_string(*name_seq));
  *seq = s;
  payload->assign(d + kSnapshotHeaderSize, d + crc_offset);
  return true;
}

bool load_newest_snapshot(Fs& fs, const std::string& dir, LoadedSnapshot* out, std::string* error) {
  *out = LoadedSnapshot{};
  std::vector<SnapshotFile> files;
  if (!list_snapshots(fs, dir, &files, error)) return false;
  for (const auto& f : files) {
    std::string why;
    if (read_snapshot(fs, f.path, &out->seq, &out->payload, &why)) {
      out->found = true;
      out->path = f.path;
      return true;
    }
    out->warnings.push_back(why + "; skipped, trying an older snapshot");
  }
  out->seq = 0;
  out->payload.clear();
  return true;
}

bool apply_retention(Fs& fs, const std::string& dir, size_t keep, std::vector<std::string>* removed,
                     std::string* error) {
  removed->clear();
  if (keep == 0) keep = 1;
  std::vector<std::string> names;
  if (const int rc = fs.list_dir(dir, &names); rc < 0) {
    *error = dir + ": cannot list the directory: " + errno_text(rc);
    return false;
  }
  std::vector<uint64_t> snapshots;
  std::vector<std::pair<uint64_t, std::string>> segments;
  std::vector<std::string> doomed;
  for (const auto& n : names) {
    if (auto s = parse_snapshot_name(n)) snapshots.push_back(*s);
    else if (auto g = parse_segment_name(n)) segments.emplace_back(*g, n);
    else if (ends_with(n, kTmpSuffix) && n.rfind("snapshot-", 0) == 0) doomed.push_back(n);
  }
  std::sort(snapshots.rbegin(), snapshots.rend());
  std::sort(segments.begin(), segments.end());
  if (snapshots.size() >= keep) {
    for (size_t i = keep; i < snapshots.size(); ++i) doomed.push_back(snapshot_name(snapshots[i]));
    // Every record of segment i is < segments[i + 1].first: removable if that
    // is <= oldest kept + 1. With fewer than `keep` snapshots nothing goes:
    // the fall-back is the journal from seq 1.
    const uint64_t oldest = snapshots[keep - 1];
    for (size_t i = 0; i + 1 < segments.size(); ++i)
      if (segments[i + 1].first <= oldest + 1) doomed.push_back(segments[i].second);
  }
  for (const auto& n : doomed) {
    const std::string p = join_path(dir, n);
    if (const int rc = fs.remove(p); rc < 0 && rc != -ENOENT) {
      *error = p + ": cannot remove: " + errno_text(rc);
      return false;
    }
    removed->push_back(n);
  }
  if (!doomed.empty()) {
    if (const int rc = fs.sync_dir(dir); rc < 0) {
      *error = dir + ": fsync of the directory failed: " + errno_text(rc);
      return false;
    }
  }
  return true;
}

}  // namespace rialto::journal
