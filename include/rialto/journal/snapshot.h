// Snapshot files: an opaque payload with the journal position it stands for
// (the state after every record <= seq), written atomically, and the
// retention rule that bounds the directory (docs/JOURNAL.md#snapshots).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rialto/journal/fs.h"

namespace rialto::journal {

/// Writes `snapshot-<seq>.rs` in dir: to `<name>.tmp` first, fdatasync'ed,
/// renamed, then the directory fsync'ed. Returns false and sets *error on failure
/// (the temp file is removed; an existing snapshot of that name is replaced).
bool write_snapshot(Fs& fs, const std::string& dir, uint64_t seq, std::span<const std::byte> payload,
                    std::string* error);

struct SnapshotFile {
  uint64_t seq = 0;
  std::string path;
};

/// Snapshot files of dir (by name), newest (highest seq) first. A missing
/// directory has none. Returns false and sets *error if it cannot be listed.
bool list_snapshots(Fs& fs, const std::string& dir, std::vector<SnapshotFile>* out, std::string* error);

/// Reads and checks one snapshot file (magic, version, length, CRC, and the seq
/// against the file name). Returns false and sets *error naming the file and offset.
bool read_snapshot(Fs& fs, const std::string& path, uint64_t* seq, std::vector<std::byte>* payload,
                   std::string* error);

struct LoadedSnapshot {
  bool found = false;  // false: no valid snapshot, start from seq 1
  uint64_t seq = 0;
  std::string path;
  std::vector<std::byte> payload;
  std::vector<std::string> warnings;  // each snapshot skipped because it is bad, and why
};

/// The newest valid snapshot of dir, falling back to older ones with a warning
/// for each bad one. Returns false only if the directory cannot be listed.
bool load_newest_snapshot(Fs& fs, const std::string& dir, LoadedSnapshot* out, std::string* error);

/// Retention: keeps the newest `keep` snapshots (>= 1) and removes older ones
/// and leftover temp files; removes every journal segment whose records are all
/// <= the oldest kept snapshot's seq (known from the next segment's first seq;
/// the last segment is never removed). *removed lists the names removed.
bool apply_retention(Fs& fs, const std::string& dir, size_t keep, std::vector<std::string>* removed,
                     std::string* error);

}  // namespace rialto::journal
