#include "rialto/journal/reader.h"

#include <algorithm>
#include <cerrno>

#include "rialto/journal/crc32c.h"
#include "rialto/journal/format.h"

namespace rialto::journal {

Reader::Reader(const ReaderOptions& options, Fs& fs) : options_(options), fs_(fs) {}

std::unique_ptr<Reader> Reader::open(const ReaderOptions& options, Fs& fs, std::string* error) {
  std::unique_ptr<Reader> r(new Reader(options, fs));
  std::vector<std::string> names;
  if (const int rc = fs.list_dir(options.dir, &names); rc < 0 && rc != -ENOENT) {
    *error = options.dir + ": cannot list the journal directory: " + errno_text(rc);
    return nullptr;
  }
  std::vector<std::pair<uint64_t, std::string>> segments;
  for (auto& n : names)
    if (auto seq = parse_segment_name(n)) segments.emplace_back(*seq, std::move(n));
  std::sort(segments.begin(), segments.end());
  for (auto& [seq, name] : segments) {
    r->first_seqs_.push_back(seq);
    r->names_.push_back(std::move(name));
  }
  // Start at the last segment that begins at or before from_seq: the earlier
  // ones hold only records before it and are not read.
  for (size_t i = 0; i < r->first_seqs_.size(); ++i)
    if (r->first_seqs_[i] <= options.from_seq) r->segment_ = i;
  r->expected_seq_ = options.from_seq;
  return r;
}

ReadStatus Reader::corrupt(uint64_t offset, const std::string& what) {
  done_ = true;
  const std::string where = path_ + ": offset " + std::to_string(offset) + ": " + what;
  if (!options_.salvage) {
    final_ = ReadStatus::corruption;
    message_ = where;
    return final_;
  }
  final_ = ReadStatus::salvaged;
  repair_path_ = path_;
  repair_offset_ = offset;
  repair_segment_ = segment_;
  message_ = "salvage: " + where + "; dropping the rest of the file from offset " + std::to_string(offset);
  if (segment_ + 1 < names_.size()) {
    message_ += " and the later segments";
    for (size_t i = segment_ + 1; i < names_.size(); ++i) message_ += " " + names_[i];
  }
  return final_;
}

// A record at pos_ is incomplete or fails its CRC: a torn tail if this is the
// last segment and no valid record follows, else corruption.
ReadStatus Reader::bad_record(const std::string& what) {
  const bool last = segment_ + 1 == names_.size();
  if (!last || valid_record_after(pos_)) {
    return corrupt(pos_, what + (last ? " (a valid record follows it)" : ""));
  }
  done_ = true;
  final_ = ReadStatus::torn_tail;
  repair_path_ = path_;
  repair_offset_ = pos_;
  repair_segment_ = segment_;
  message_ = path_ + ": torn record at offset " + std::to_string(pos_) + " (" + what +
             "), the last of the journal: dropped";
  return final_;
}

// Is there any offset after `offset` holding a record that checks out (length,
// CRC, a seq that could follow)? Only asked on the failure path.
bool Reader::valid_record_after(uint64_t offset) const {
  const uint64_t size = data_.size();
  const auto* d = reinterpret_cast<const std::byte*>(data_.data());
  const uint64_t max_seq = cursor_ + (size - offset) / kRecordHeaderSize + 1;
  for (uint64_t o = offset + 1; o + kRecordHeaderSize <= size; ++o) {
    const uint32_t n = load_u32(d + o);
    if (n > kMaxPayload || o + kRecordHeaderSize + n > size) continue;
    const uint64_t seq = load_u64(d + o + 8);
    if (seq < cursor_ || seq > max_seq) continue;
    if (crc32c(d + o + 8, 9 + size_t{n}) == load_u32(d + o + 4)) return true;
  }
  return false;
}

bool Reader::load_segment(size_t index, ReadStatus* status) {
  segment_ = index;
  loaded_ = true;
  path_ = join_path(options_.dir, names_[index]);
  pos_ = 0;
  data_.clear();
  if (const int rc = fs_.read_file(path_, &data_); rc < 0) {
    done_ = true;
    final_ = ReadStatus::corruption;
    message_ = path_ + ": cannot read: " + errno_text(rc);
    *status = final_;
    return false;
  }
  const uint64_t name_seq = first_seqs_[index];
  // The seq this segment's first record must have: the one after the previous
  // segment's last, or (first segment read) its own first seq.
  if (seq_known_ && name_seq != cursor_) {
    *status = corrupt(0, "segment starts at seq " + std::to_string(name_seq) + " but the previous one ends before seq " +
                             std::to_string(cursor_));
    return false;
  }
  if (!seq_known_ && name_seq > options_.from_seq) {
    *status = corrupt(0, "the journal starts at seq " + std::to_string(name_seq) + " but records from seq " +
                             std::to_string(options_.from_seq) + " are needed");
    return false;
  }
  cursor_ = name_seq;
  seq_known_ = true;
  if (data_.empty()) return true;  // a segment created but never written: fine
  const auto* d = reinterpret_cast<const std::byte*>(data_.data());
  if (data_.size() < kSegmentHeaderSize && index + 1 == names_.size()) {
    // A crash while the header was written: nothing of this segment was durable.
    done_ = true;
    final_ = ReadStatus::torn_tail;
    repair_path_ = path_;
    repair_offset_ = 0;
    repair_segment_ = index;
    message_ = path_ + ": torn segment header (" + std::to_string(data_.size()) +
               " bytes), the last of the journal: dropped";
    *status = final_;
    return false;
  }
  std::string what;
  const auto header = decode_segment_header(d, data_.size(), &what);
  if (!header) {
    *status = corrupt(0, what);
    return false;
  }
  if (header->first_seq != name_seq) {
    *status = corrupt(16, "header says first seq " + std::to_string(header->first_seq) + ", the file name " +
                              std::to_string(name_seq));
    return false;
  }
  pos_ = kSegmentHeaderSize;
  return true;
}

ReadStatus Reader::next(Record* out) {
  for (;;) {
    if (done_) {
      // After torn_tail / salvaged the reader is at its end; corruption is sticky.
      return final_ == ReadStatus::corruption ? final_ : ReadStatus::end;
    }
    if (!loaded_ || pos_ >= data_.size()) {
      const size_t next_index = loaded_ ? segment_ + 1 : segment_;
      if (next_index >= names_.size()) {
        done_ = true;
        final_ = ReadStatus::end;
        return final_;
      }
      ReadStatus status = ReadStatus::end;
      if (!load_segment(next_index, &status)) {
        // Report a torn tail / salvage once; later calls return end.
        return status;
      }
      continue;
    }
    const auto* d = reinterpret_cast<const std::byte*>(data_.data()) + pos_;
    const uint64_t left = data_.size() - pos_;
    if (left < kRecordHeaderSize)
      return bad_record("incomplete record header: " + std::to_string(left) + " of " +
                        std::to_string(kRecordHeaderSize) + " bytes");
    const uint32_t n = load_u32(d);
    if (n > kMaxPayload)
      return bad_record("payload length " + std::to_string(n) + " is above the maximum " +
                        std::to_string(kMaxPayload));
    if (left < kRecordHeaderSize + n)
      return bad_record("incomplete record: " + std::to_string(left) + " of " +
                        std::to_string(kRecordHeaderSize + n) + " bytes");
    if (crc32c(d + 8, 9 + size_t{n}) != load_u32(d + 4)) return bad_record("record CRC mismatch");
    const uint64_t seq = load_u64(d + 8);
    if (seq != cursor_)
      return corrupt(pos_, "record has seq " + std::to_string(seq) + ", " + std::to_string(cursor_) + " expected");
    const uint64_t offset = pos_;
    pos_ += kRecordHeaderSize + n;
    ++cursor_;
    if (seq < options_.from_seq) continue;
    expected_seq_ = cursor_;
    out->seq = seq;
    out->type = static_cast<uint8_t>(d[16]);
    out->payload = std::span<const std::byte>(d + kRecordHeaderSize, n);
    out->file = path_;
    out->offset = offset;
    return ReadStatus::record;
  }
}

bool Reader::repair(std::string* report) {
  if (final_ != ReadStatus::torn_tail && final_ != ReadStatus::salvaged) {
    *report = "nothing to repair";
    return true;
  }
  std::string what;
  if (repair_offset_ < kSegmentHeaderSize) {
    // Nothing of the segment is usable: remove it (the writer starts a new one).
    if (const int rc = fs_.remove(repair_path_); rc < 0) {
      *report = repair_path_ + ": cannot remove: " + errno_text(rc);
      return false;
    }
    what = repair_path_ + ": removed (" + std::to_string(data_.size()) + " bytes)";
  } else {
    if (const int rc = fs_.truncate(repair_path_, repair_offset_); rc < 0) {
      *report = repair_path_ + ": cannot truncate to " + std::to_string(repair_offset_) + " bytes: " + errno_text(rc);
      return false;
    }
    what = repair_path_ + ": truncated from " + std::to_string(data_.size()) + " to " +
           std::to_string(repair_offset_) + " bytes";
  }
  for (size_t i = repair_segment_ + 1; i < names_.size(); ++i) {
    const std::string p = join_path(options_.dir, names_[i]);
    if (const int rc = fs_.remove(p); rc < 0) {
      *report = p + ": cannot remove: " + errno_text(rc);
      return false;
    }
    what += "; removed " + p;
  }
  names_.resize(repair_segment_ + (repair_offset_ < kSegmentHeaderSize ? 0 : 1));
  first_seqs_.resize(names_.size());
  if (const int rc = fs_.sync_dir(options_.dir); rc < 0) {
    *report = options_.dir + ": fsync of the directory failed: " + errno_text(rc);
    return false;
  }
  final_ = ReadStatus::end;
  *report = what;
  return true;
}

bool recover(Fs& fs, const ReaderOptions& options, const std::function<bool(const Record&)>& on_record,
             Recovery* result, std::string* error) {
  auto reader = Reader::open(options, fs, error);
  if (!reader) return false;
  *result = Recovery{};
  Record rec;
  for (;;) {
    const ReadStatus s = reader->next(&rec);
    if (s == ReadStatus::record) {
      ++result->records;
      if (!on_record(rec)) {
        if (error->empty()) *error = std::string(rec.file) + ": offset " + std::to_string(rec.offset) +
                                     ": record seq " + std::to_string(rec.seq) + " rejected";
        return false;
      }
      continue;
    }
    if (s == ReadStatus::end) break;
    if (s == ReadStatus::corruption) {
      *error = reader->message();
      return false;
    }
    // torn_tail or salvaged
    std::string report;
    const std::string warning = reader->message();
    if (!reader->repair(&report)) {
      *error = warning + "; repair failed: " + report;
      return false;
    }
    result->warnings.push_back(warning + "; " + report);
  }
  result->next_seq = reader->next_seq();
  return true;
}

}  // namespace rialto::journal
