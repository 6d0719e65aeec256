// Reading a shard's journal back: records in seq order, segment by segment,
// and the recovery rules of docs/JOURNAL.md#recovery — a torn tail (a crash
// mid-write) is dropped and truncated away with a warning; corruption anywhere
// else is an error naming the file and byte offset, unless salvage is asked.
//
// Thread safety: a Reader is used by one thread; nothing may write the
// directory while it reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rialto/journal/fs.h"

namespace rialto::journal {

struct ReaderOptions {
  std::string dir;         // the shard's directory
  uint64_t from_seq = 1;   // records before this are skipped (whole segments unread)
  bool salvage = false;    // the operator's flag: corruption is treated as a torn tail
};

enum class ReadStatus : uint8_t {
  record,      // *out holds the next record
  end,         // no more records; clean
  torn_tail,   // the last segment ends in an incomplete or bad record with nothing valid after it;
               // message() is the warning; repair() truncates it away. Then end.
  salvaged,    // corruption under salvage: reading stopped there; message() says where;
               // repair() truncates there and removes the later segments. Then end.
  corruption,  // message() names the file, the byte offset and what is wrong. Sticky.
};

struct Record {
  uint64_t seq = 0;
  uint8_t type = 0;
  std::span<const std::byte> payload;  // valid until the next call of next()
  std::string_view file;               // path of the segment
  uint64_t offset = 0;                 // byte offset of the record in it
};

class Reader {
 public:
  /// Lists the directory (a missing directory is an empty journal). Returns
  /// nullptr and sets *error if the directory cannot be read.
  static std::unique_ptr<Reader> open(const ReaderOptions& options, Fs& fs, std::string* error);

  /// The next outcome; see ReadStatus.
  [[nodiscard]] ReadStatus next(Record* out);

  /// The warning or error of the last torn_tail / salvaged / corruption.
  [[nodiscard]] const std::string& message() const { return message_; }

  /// After torn_tail or salvaged: truncates the file at the bad record (and,
  /// after salvaged, removes every later segment). Sets *report to what was
  /// dropped. Returns false and sets *report to the error if the file system fails.
  bool repair(std::string* report);

  /// The seq after the last record returned (from_seq if none): where a Writer
  /// continues.
  [[nodiscard]] uint64_t next_seq() const { return expected_seq_; }

  /// Segment file names found, in seq order.
  [[nodiscard]] const std::vector<std::string>& segments() const { return names_; }

 private:
  Reader(const ReaderOptions& options, Fs& fs);
  bool load_segment(size_t index, ReadStatus* status);
  ReadStatus bad_record(const std::string& what);
  ReadStatus corrupt(uint64_t offset, const std::string& what);
  bool valid_record_after(uint64_t offset) const;

  const ReaderOptions options_;
  Fs& fs_;
  std::vector<std::string> names_;
  std::vector<uint64_t> first_seqs_;
  size_t segment_ = 0;      // index of the loaded segment
  bool loaded_ = false;
  std::string path_;
  std::string data_;        // the loaded segment's bytes
  uint64_t pos_ = 0;
  uint64_t expected_seq_ = 0;  // max(from_seq, the seq after the last record returned)
  uint64_t cursor_ = 0;        // the seq the next record in the files must have (once seq_known_)
  bool seq_known_ = false;
  bool done_ = false;
  ReadStatus final_ = ReadStatus::end;
  std::string message_;
  // What repair() does.
  std::string repair_path_;
  uint64_t repair_offset_ = 0;
  size_t repair_segment_ = 0;
};

struct Recovery {
  uint64_t next_seq = 1;        // where the Writer continues
  uint64_t records = 0;         // records passed to the callback
  std::vector<std::string> warnings;  // torn tail / salvage reports, each naming file and offset
};

/// Reads every record from options.from_seq, calls on_record for each, and
/// repairs a torn tail (or, under salvage, the corruption). Returns false and
/// sets *error on corruption (without salvage), on a gap before from_seq is
/// reached, or on a file-system error. on_record returning false stops with
/// that error text (from *error, which it may set).
bool recover(Fs& fs, const ReaderOptions& options, const std::function<bool(const Record&)>& on_record,
             Recovery* result, std::string* error);

}  // namespace rialto::journal
